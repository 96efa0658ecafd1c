// Normalization nodes of an ONNX graph → NormLayers, in the terms of each operator's version
// (onnx/defs: BatchNormalization-1/6/7/9/14/15, InstanceNormalization-1/6, LayerNormalization-17,
// GroupNormalization-18/21).

import type { GraphNode, NormKind, NormLayer, TensorInfo } from '../model';
import type { OnnxGraph } from './proto';
import type { TensorResolver } from './constants';

const NORM_OPS: Record<string, NormKind> = {
  BatchNormalization: 'BatchNorm',
  LayerNormalization: 'LayerNorm',
  GroupNormalization: 'GroupNorm',
  InstanceNormalization: 'InstanceNorm',
};

/** Every operator's ε defaults to 1e-5; BN momentum to 0.9 (ONNX uses the Keras convention). */
const DEFAULT_EPSILON = 1e-5;
const DEFAULT_BN_MOMENTUM = 0.9;

/** The BatchNormalization versions; a model uses the newest one not above its opset. */
const BN_VERSIONS = [1, 6, 7, 9, 14, 15];

export function bnVersion(opset: number | null): number | null {
  if (opset === null) return null;
  return BN_VERSIONS.filter((v) => v <= opset).pop() ?? null;
}

/** Whether a BatchNormalization node computes in training mode, in the terms of its version. */
function bnTraining(node: GraphNode, version: number | null): boolean {
  const mode = node.attributes.training_mode;
  if (version !== null && version >= 14) return mode === 1; // training_mode defaults to 0
  // BN-1 and BN-6: is_test defaults to 0, i.e. training.
  if (version !== null && version < 7) return node.attributes.is_test !== 1;
  // BN-7 and BN-9 have no flag: a graph asks for training by using the optional statistics outputs.
  return node.outputs.slice(1).some(Boolean);
}

function numberAttr(node: GraphNode, name: string): number | null {
  const v = node.attributes[name];
  return typeof v === 'number' ? v : null;
}

function channelsOf(kind: NormKind, shape: readonly number[] | null): number | null {
  if (!shape || shape.length === 0 || shape.some((d) => d < 0)) return null;
  // LayerNorm's scale covers every normalized element; the others have one entry per channel
  // (BN-6/7 with spatial=0 has [C, D1, …], still C channels first).
  return kind === 'LayerNorm' ? shape.reduce((a, b) => a * b, 1) : shape[0];
}

export function normLayersOf(
  nodes: readonly GraphNode[], graph: OnnxGraph, resolve: TensorResolver, opset: number | null,
): { layers: NormLayer[]; notes: string[] } {
  const inputShapes = new Map<string, number[] | null>();
  for (const v of [...graph.inputs, ...graph.valueInfo]) inputShapes.set(v.name, v.shape);
  const producerOf = new Map<string, GraphNode>();
  const consumersOf = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producerOf.set(o, n);
    for (const i of n.inputs) {
      const list = consumersOf.get(i);
      if (list) list.push(n);
      else consumersOf.set(i, [n]);
    }
  }
  const version = bnVersion(opset);
  const layers: NormLayer[] = [];
  const notes: string[] = [];
  nodes.forEach((node, index) => {
    const kind = NORM_OPS[node.opType];
    if (!kind || (graph.nodes[index].domain !== '' && graph.nodes[index].domain !== 'ai.onnx')) return;
    const param = (k: number): TensorInfo | null => (node.inputs[k] ? resolve(node.inputs[k]) : null);
    const gamma = param(1);
    const scaleName = node.inputs[1] ?? '';
    const isBN = kind === 'BatchNorm';
    const hasBias = Boolean(node.inputs[2]);
    const training = isBN ? bnTraining(node, version) : null;
    if (isBN && version !== null && version < 9 && node.attributes.spatial === 0) {
      notes.push(`${node.name}: spatial=0, so the statistics are per activation, not per channel.`);
    }
    if (isBN && training && version !== null && version >= 14) {
      notes.push(`${node.name}: stored with training_mode=1, so it normalizes with batch statistics and outputs updated running_mean/running_var.`);
    }
    const groups = numberAttr(node, 'num_groups');
    const axis = numberAttr(node, 'axis');
    layers.push({
      name: node.name,
      kind,
      op: `${node.opType}${opset !== null ? ` (opset ${opset})` : ''}`,
      channels: channelsOf(kind, gamma?.shape ?? inputShapes.get(scaleName) ?? null),
      epsilon: numberAttr(node, 'epsilon') ?? DEFAULT_EPSILON,
      momentum: isBN ? (numberAttr(node, 'momentum') ?? DEFAULT_BN_MOMENTUM) : null,
      momentumConvention: isBN ? 'keras' : null,
      affine: true,
      center: hasBias,
      scale: true,
      gamma,
      beta: hasBias ? param(2) : null,
      runningMean: isBN ? param(3) : null,
      runningVar: isBN ? param(4) : null,
      numBatchesTracked: null,
      training,
      after: producerOf.get(node.inputs[0] ?? '')?.opType ?? null,
      before: [...new Set((consumersOf.get(node.outputs[0] ?? '') ?? []).map((c) => c.opType))].join(',') || null,
      ...(kind === 'GroupNorm' && groups !== null ? { groups } : {}),
      ...(kind === 'LayerNorm' ? { axis: axis ?? -1 } : {}),
    });
  });
  return { layers, notes };
}
