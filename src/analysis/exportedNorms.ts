// Normalization where an ONNX exporter put it, beyond the normalization operators themselves:
// - LayerNorm decomposed into ReduceMean → Sub → Pow → ReduceMean → Add(ε) → Sqrt → Div (→ Mul γ → Add β),
//   as torch.onnx writes it below opset 17;
// - GroupNorm written as Reshape → InstanceNormalization → Reshape → Mul(γ) → Add(β), as torch.onnx
//   writes it below opset 18 (the InstanceNormalization node then normalizes the groups);
// - BatchNorm folded into the Conv before it at export, recognized by the names exporters give the
//   fused tensors: torch.onnx's TorchScript exporter renames a fused weight 'onnx::Conv_N', and the
//   torch 2.x (dynamo) exporter's optimizer names the new bias '<weight>_bias'.

import type { GraphNode, ModelDescription, NormLayer, TensorInfo } from '../formats/model';

/** Ops that change a tensor's shape, not its values. */
const SHAPE_ONLY = new Set(['Unsqueeze', 'Reshape', 'Squeeze', 'Identity', 'Flatten']);

interface GraphIndex {
  readonly producer: ReadonlyMap<string, GraphNode>;
  readonly consumers: ReadonlyMap<string, readonly GraphNode[]>;
  readonly constant: (name: string) => TensorInfo | null;
}

function indexGraph(model: ModelDescription): GraphIndex | null {
  const nodes = model.graph?.nodes;
  if (model.format !== 'onnx' || !nodes) return null;
  const producer = new Map<string, GraphNode>();
  const consumers = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const stored = model.constant ?? ((name: string) => model.tensors.find((t) => t.name === name) ?? null);
  // Exporters reshape parameters before use (torch: Unsqueeze(γ, [1, 2]) to broadcast per channel): the
  // values are the stored tensor's, whatever its shape.
  const constant = (name: string, depth = 0): TensorInfo | null => {
    if (!name || depth > 4) return null;
    let t: TensorInfo | null;
    try {
      t = stored(name);
    } catch {
      return null; // a damaged constant is not a pattern's parameter
    }
    const via = producer.get(name);
    return t ?? (via && SHAPE_ONLY.has(via.opType) ? constant(via.inputs[0] ?? '', depth + 1) : null);
  };
  return { producer, consumers, constant };
}

/** The node producing `value` when it has the given op type. */
function from(g: GraphIndex, value: string | undefined, op: string): GraphNode | null {
  const n = value === undefined ? undefined : g.producer.get(value);
  return n && n.opType === op ? n : null;
}

/** The only consumer of a node's output when it has the given op type. */
function onlyConsumer(g: GraphIndex, node: GraphNode, op: string): GraphNode | null {
  const list = g.consumers.get(node.outputs[0] ?? '') ?? [];
  return list.length === 1 && list[0].opType === op ? list[0] : null;
}

/** For a binary node with one constant operand: that constant and the other (activation) input. */
function constantOperand(g: GraphIndex, node: GraphNode): { value: TensorInfo; other: string } | null {
  for (const k of [0, 1]) {
    const value = g.constant(node.inputs[k] ?? '');
    if (value) return { value, other: node.inputs[1 - k] ?? '' };
  }
  return null;
}

function scalarOf(t: TensorInfo | null): number | null {
  if (!t) return null;
  const v = t.values();
  return v.length === 1 ? v[0] : null;
}

/** The scope two or more node names share ('/encoder/ln_1/ReduceMean', '/encoder/ln_1/Div' → '/encoder/ln_1'). */
function commonScope(names: readonly string[], fallback: string): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf('/');
  const scope = cut > 0 ? prefix.slice(0, cut) : '';
  return scope || fallback;
}

function neighbours(g: GraphIndex, first: GraphNode, last: GraphNode): { after: string | null; before: string | null } {
  return {
    after: g.producer.get(first.inputs[0] ?? '')?.opType ?? null,
    before: [...new Set((g.consumers.get(last.outputs[0] ?? '') ?? []).map((c) => c.opType))].join(',') || null,
  };
}

/** The fields a decomposed LayerNorm does not have (no running statistics, no momentum). */
const NO_STATISTICS = {
  momentum: null, momentumConvention: null, affine: true, scale: true, runningMean: null, runningVar: null,
  numBatchesTracked: null, training: null,
} as const;

/** Follows an optional Mul by a constant (γ) and then an optional Add of a constant (β) after `node`. */
function affineAfter(g: GraphIndex, node: GraphNode): { gamma: TensorInfo | null; beta: TensorInfo | null; last: GraphNode; used: GraphNode[] } {
  let last = node;
  const used: GraphNode[] = [];
  /** The constant of the `op` node that alone consumes `last`, taking that node into the pattern; else null. */
  const absorb = (op: 'Mul' | 'Add'): TensorInfo | null => {
    const next = onlyConsumer(g, last, op);
    const constant = next && constantOperand(g, next);
    if (!next || !constant || constant.other !== last.outputs[0]) return null;
    last = next;
    used.push(next);
    return constant.value;
  };
  const gamma = absorb('Mul');
  const beta = absorb('Add');
  return { gamma, beta, last, used };
}

export interface DecomposedLayerNorm {
  readonly layer: NormLayer;
  /** Index of its first node (the mean) in the graph. */
  readonly at: number;
  /** Its nodes, from the mean to the last (the Add of β, the Mul by γ, or the Div). */
  readonly nodes: readonly GraphNode[];
  /** The value it normalizes and the value it produces. */
  readonly input: string;
  readonly output: string;
  /** The reduced axes, when both means reduce the same constant ones. */
  readonly axes: readonly number[] | null;
  /** No value inside the pattern is read by anything outside it (so it can run as one layer). */
  readonly selfContained: boolean;
}

/** The axes a ReduceMean reduces: its attribute (before opset 18) or its constant second input. */
function meanAxes(g: GraphIndex, node: GraphNode): number[] | null {
  const attr = node.attributes.axes;
  if (Array.isArray(attr)) return attr as number[];
  const input = node.inputs[1] ? g.constant(node.inputs[1]) : null;
  return input ? Array.from(input.values()) : null;
}

/** LayerNorms written out as ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div, named after their nodes' common scope. */
export function decomposedLayerNorms(model: ModelDescription): DecomposedLayerNorm[] {
  const g = indexGraph(model);
  if (!g) return [];
  const found: DecomposedLayerNorm[] = [];
  const nodes = model.graph?.nodes ?? [];
  for (const div of nodes) {
    if (div.opType !== 'Div') continue;
    const sqrt = from(g, div.inputs[1], 'Sqrt');
    const addEps = sqrt && from(g, sqrt.inputs[0], 'Add');
    const eps = addEps && constantOperand(g, addEps);
    const variance = eps && from(g, eps.other, 'ReduceMean');
    const square = variance && (from(g, variance.inputs[0], 'Pow') ?? from(g, variance.inputs[0], 'Mul'));
    const sub = from(g, div.inputs[0], 'Sub');
    const mean = sub && from(g, sub.inputs[1], 'ReduceMean');
    if (!sqrt || !addEps || !eps || !variance || !square || !sub || !mean) continue;
    const squared = square.opType === 'Pow' ? square.inputs[0] === sub.outputs[0] && scalarOf(g.constant(square.inputs[1] ?? '')) === 2 : square.inputs[0] === sub.outputs[0] && square.inputs[1] === sub.outputs[0];
    if (!squared || mean.inputs[0] !== sub.inputs[0]) continue;
    const { gamma, beta, last, used } = affineAfter(g, div);
    const pattern = [mean, sub, square, variance, addEps, sqrt, div, ...used];
    const epsilon = scalarOf(eps.value);
    const layer: NormLayer = {
      ...NO_STATISTICS,
      name: commonScope(pattern.map((n) => n.name), div.name),
      kind: 'LayerNorm',
      op: `LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div${gamma ? '/Mul' : ''}${beta ? '/Add' : ''}${model.opset !== null ? ` (opset ${model.opset})` : ''}`,
      channels: gamma ? gamma.shape.reduce((a, b) => a * b, 1) : null,
      epsilon,
      gamma,
      beta,
      center: beta !== null,
      ...neighbours(g, mean, last),
      axis: -1,
    };
    const inside = new Set(pattern);
    const selfContained = pattern.every((n) => n === last || (g.consumers.get(n.outputs[0] ?? '') ?? []).every((c) => inside.has(c)));
    const [a1, a2] = [meanAxes(g, mean), meanAxes(g, variance)];
    const axes = a1 && a2 && a1.join() === a2.join() ? a1 : null;
    found.push({ layer, at: nodes.indexOf(mean), nodes: pattern, input: mean.inputs[0], output: last.outputs[0], axes, selfContained });
  }
  return found;
}

export interface GroupNormViaInstanceNorm {
  readonly layer: NormLayer;
  /** Its nodes: Reshape, InstanceNormalization, Reshape, then the Mul by γ and the Add of β if present. */
  readonly nodes: readonly GraphNode[];
  readonly input: string;
  readonly output: string;
  /** The InstanceNormalization's own scale is all ones and its bias all zeros (torch's export): the pattern is exactly a GroupNorm. */
  readonly plain: boolean;
  readonly selfContained: boolean;
}

function allEqual(t: TensorInfo | null, value: number): boolean {
  return t !== null && Array.from(t.values()).every((v) => v === value);
}

/** InstanceNormalization nodes that are really GroupNorms (Reshape → IN → Reshape → Mul → Add), by the InstanceNormalization's name. */
export function groupNormsViaInstanceNorm(model: ModelDescription): Map<string, GroupNormViaInstanceNorm> {
  const g = indexGraph(model);
  const found = new Map<string, GroupNormViaInstanceNorm>();
  if (!g) return found;
  for (const layer of model.normLayers) {
    if (layer.kind !== 'InstanceNorm') continue;
    const node = model.graph?.nodes.find((n) => n.name === layer.name && n.opType === 'InstanceNormalization');
    const before = node && from(g, node.inputs[0], 'Reshape');
    const after = node && onlyConsumer(g, node, 'Reshape');
    if (!node || !before || !after) continue;
    const { gamma, beta, last, used } = affineAfter(g, after);
    const groups = layer.channels;
    const pattern = [before, node, after, ...used];
    const inside = new Set(pattern);
    found.set(layer.name, {
      layer: {
        ...layer,
        kind: 'GroupNorm',
        op: `GroupNorm as Reshape/InstanceNormalization/Reshape${gamma ? '/Mul' : ''}${beta ? '/Add' : ''}${model.opset !== null ? ` (opset ${model.opset})` : ''}`,
        channels: gamma ? gamma.shape.reduce((a, b) => a * b, 1) : null,
        gamma,
        beta,
        center: beta !== null,
        ...neighbours(g, before, last),
        ...(groups !== null ? { groups } : {}),
      },
      nodes: pattern,
      input: before.inputs[0],
      output: last.outputs[0],
      plain: allEqual(g.constant(node.inputs[1] ?? ''), 1) && allEqual(g.constant(node.inputs[2] ?? ''), 0),
      selfContained: pattern.every((n) => n === last || (g.consumers.get(n.outputs[0] ?? '') ?? []).every((c) => inside.has(c))),
    });
  }
  return found;
}

export interface FoldedConv {
  /** The Conv node BatchNorm was folded into. */
  readonly conv: string;
  /** Its weight's name (torch 2.x keeps the module path there, e.g. 'layer1.0.conv1.weight'). */
  readonly weight: string;
  /** How we know: the exporter's name for the fused tensor. */
  readonly evidence: string;
}

/** Conv nodes that carry a folded BatchNorm, by the names exporters give fused weights and biases (ONNX graphs). */
export function foldedBatchNorms(model: Pick<ModelDescription, 'graph'>): FoldedConv[] {
  const found: FoldedConv[] = [];
  for (const n of model.graph?.nodes ?? []) {
    if (n.opType !== 'Conv' || !n.inputs[2]) continue;
    const [weight, bias] = [n.inputs[1] ?? '', n.inputs[2]];
    if (bias === `${weight}_bias`) found.push({ conv: n.name, weight, evidence: `its bias '${bias}' was made by the exporter's Conv+BatchNormalization fusion (torch 2.x)` });
    else if (/^onnx::Conv_\d+$/.test(weight)) found.push({ conv: n.name, weight, evidence: `its weight '${weight}' was renamed when torch.onnx fused the BatchNorm in eval mode` });
  }
  return found;
}

/**
 * The normalization layers of a model wherever its exporter put them, in graph order: the file's own
 * (InstanceNormalizations that are GroupNorms said so) and the decomposed LayerNorms.
 */
export function recognizedNormLayers(model: ModelDescription): NormLayer[] {
  const groupNorms = groupNormsViaInstanceNorm(model);
  // (Idempotent: a description that already lists the decomposed LayerNorms does not get them twice.)
  const listed = new Set(model.normLayers.map((l) => l.name));
  const decomposed = decomposedLayerNorms(model).filter((d) => !listed.has(d.layer.name));
  if (groupNorms.size === 0 && decomposed.length === 0) return [...model.normLayers];
  const position = new Map((model.graph?.nodes ?? []).map((n, i) => [n.name, i]));
  const keyed = [
    ...model.normLayers.map((l) => ({ layer: groupNorms.get(l.name)?.layer ?? l, at: position.get(l.name) ?? Infinity })),
    ...decomposed.map((d) => ({ layer: d.layer, at: d.at })),
  ];
  return keyed.sort((a, b) => a.at - b.at).map((k) => k.layer);
}

/** The start of the ONNX reader's guess that BN was folded (no normalization node, some Conv with a bias). */
const READER_FOLDED_GUESS = 'No normalization nodes, but';

/**
 * The description with its normalization layers wherever the exporter put them, and a note naming
 * the Convs a BatchNorm was folded into. The reader's guess is dropped where this knows better: when
 * normalization was found after all (a ViT's decomposed LayerNorms), or the folded Convs are named.
 */
export function withRecognizedNorms(model: ModelDescription): ModelDescription {
  if (model.format !== 'onnx' || !model.graph) return model;
  const normLayers = recognizedNormLayers(model);
  const folded = foldedNote(model);
  const notes = model.notes.filter((n) => !(n.startsWith(READER_FOLDED_GUESS) && (normLayers.length > 0 || folded)));
  return { ...model, normLayers, notes: folded && !notes.includes(folded) ? [...notes, folded] : notes };
}

/** A note saying where BatchNorm went, or null when no Conv shows a folded one. */
export function foldedNote(model: Pick<ModelDescription, 'graph'>): string | null {
  const folded = foldedBatchNorms(model);
  if (folded.length === 0) return null;
  const shown = folded.slice(0, 6).map((f) => (f.weight.startsWith('onnx::') ? `'${f.conv}'` : `'${f.conv}' (${f.weight})`)).join(', ');
  const more = folded.length > 6 ? ` and ${folded.length - 6} more` : '';
  return `BatchNorm was folded away at export into ${folded.length} Conv node(s): ${shown}${more} (e.g. ${folded[0].evidence}). Its running statistics and γ/β are no longer in the file; torch.onnx.export keeps them with optimize=False (torch 2.x exporter) or training=TrainingMode.PRESERVE (TorchScript exporter).`;
}
