// Folding BatchNorm into the Conv or Gemm before it, as exporters do for inference: with
// s = γ/√(var+ε) per output channel, W' = W·s and b' = (b − mean)·s + β. Done on the ONNX graph
// description, so the folded model can be imported into the engine (and compared with the original)
// or written out.

import type { GraphNode, ModelDescription, TensorInfo } from '../formats/model';

export interface FoldedLayer {
  readonly bn: string;
  readonly into: string;
}

export interface SkippedLayer {
  readonly bn: string;
  readonly reason: string;
}

export interface FoldResult {
  readonly description: ModelDescription;
  readonly folded: readonly FoldedLayer[];
  readonly skipped: readonly SkippedLayer[];
}

function floatTensor(name: string, shape: readonly number[], data: Float32Array): TensorInfo {
  return { name, dtype: 'float32', shape, values: () => data };
}

/** Folds every foldable BatchNormalization node of an ONNX description; the others are listed with the reason. */
export function foldBatchNorm(description: ModelDescription): FoldResult {
  const graph = description.graph;
  if (description.format !== 'onnx' || !graph) {
    return { description, folded: [], skipped: description.normLayers.map((l) => ({ bn: l.name, reason: 'only ONNX graphs are folded' })) };
  }
  const stored = description.constant ?? ((name: string) => description.tensors.find((t) => t.name === name) ?? null);
  const added = new Map<string, TensorInfo>();
  const constantOf = (name: string | undefined): TensorInfo | null => (name ? added.get(name) ?? stored(name) : null);

  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of graph.outputs ?? []) consumers.set(o.name, (consumers.get(o.name) ?? 0) + 1);
  const producer = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);

  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  const folded: FoldedLayer[] = [];
  const skipped: SkippedLayer[] = [];

  for (const bn of graph.nodes) {
    if (bn.opType !== 'BatchNormalization') continue;
    const skip = (reason: string): void => { skipped.push({ bn: bn.name, reason }); };
    if (bn.attributes.training_mode === 1 || bn.outputs.slice(1).some(Boolean)) { skip('it runs in training mode'); continue; }
    const prev = producer.get(bn.inputs[0]);
    if (!prev || (prev.opType !== 'Conv' && !(prev.opType === 'Gemm' && prev.attributes.transB === 1))) {
      skip(`it follows ${prev ? `a ${prev.opType}${prev.opType === 'Gemm' ? ' without transB=1' : ''}` : 'a graph input'}, not a Conv or Gemm`);
      continue;
    }
    if ((consumers.get(bn.inputs[0]) ?? 0) !== 1) { skip(`the ${prev.opType}'s output is used elsewhere too`); continue; }
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((k) => constantOf(bn.inputs[k]));
    const current = replaced.get(prev) ?? prev;
    const weight = constantOf(current.inputs[1]);
    const bias = current.inputs[2] ? constantOf(current.inputs[2]) : null;
    if (!gamma || !beta || !mean || !variance || !weight || (current.inputs[2] && !bias)) { skip('a parameter is computed by the graph, not stored'); continue; }

    const eps = typeof bn.attributes.epsilon === 'number' ? bn.attributes.epsilon : 1e-5;
    const channels = weight.shape[0];
    const perChannel = weight.values().length / channels;
    const [g, b, m, v, w] = [gamma, beta, mean, variance, weight].map((t) => t.values());
    const oldBias = bias?.values();
    const newWeight = new Float32Array(w.length);
    const newBias = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const s = g[c] / Math.sqrt(v[c] + eps);
      for (let k = 0; k < perChannel; k++) newWeight[c * perChannel + k] = w[c * perChannel + k] * s;
      newBias[c] = ((oldBias ? oldBias[c] : 0) - m[c]) * s + b[c];
    }
    const wName = `${current.name}.folded_weight`;
    const bName = `${current.name}.folded_bias`;
    added.set(wName, floatTensor(wName, weight.shape, newWeight));
    added.set(bName, floatTensor(bName, [channels], newBias));
    replaced.set(prev, { ...current, inputs: [current.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    removed.add(bn);
    folded.push({ bn: bn.name, into: current.name });
  }

  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  const foldedNames = new Set(folded.map((f) => f.bn));
  return {
    description: {
      ...description,
      graph: { ...graph, nodes },
      tensors: [...description.tensors, ...added.values()],
      normLayers: description.normLayers.filter((l) => !foldedNames.has(l.name)),
      constant: constantOf,
    },
    folded,
    skipped,
  };
}
