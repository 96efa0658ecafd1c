// ONNX reader: bytes of a ModelProto → ModelDescription. Decoding is done by onnx-proto (protobufjs);
// this module checks the signature first, turns decoder failures into OnnxError, and finds the
// normalization nodes and their parameters.

import { onnx } from 'onnx-proto';
import type { AttributeValue, GraphNode, ModelDescription, NormKind, NormLayer, TensorInfo } from '../model';
import { OnnxError } from '../errors';
import { toNumber } from './long';
import { tensorInfo } from './tensor';

/**
 * A cheap look at the first bytes: a serialized ModelProto starts with field 1 (ir_version, a varint,
 * tag byte 0x08) in every file written by the ONNX tools, followed by a small version number.
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] <= 20;
}

function attributeValue(a: onnx.IAttributeProto): AttributeValue {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT: return a.f ?? 0;
    case T.INT: return toNumber(a.i);
    case T.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    case T.FLOATS: return [...(a.floats ?? [])];
    case T.INTS: return (a.ints ?? []).map(toNumber);
    case T.STRINGS: return (a.strings ?? []).map((s) => new TextDecoder().decode(s));
    default: return null;
  }
}

const NORM_OPS: Record<string, NormKind> = {
  BatchNormalization: 'BatchNorm',
  LayerNormalization: 'LayerNorm',
  GroupNormalization: 'GroupNorm',
  InstanceNormalization: 'InstanceNorm',
};

/** ONNX defaults per operator (onnx/defs): ε 1e-5 everywhere, BN momentum 0.9. */
const DEFAULT_EPSILON = 1e-5;
const DEFAULT_BN_MOMENTUM = 0.9;

/** Whether a BatchNormalization node computes in training mode, in the terms of its operator version. */
function bnTrainingMode(node: GraphNode, opsetVersion: number | null): boolean {
  const mode = node.attributes.training_mode;
  if (mode !== undefined) return mode === 1; // BN-14 and later
  if (opsetVersion !== null && opsetVersion >= 14) return false; // training_mode defaults to 0
  if (opsetVersion !== null && opsetVersion < 7) return node.attributes.is_test !== 1; // BN-6: is_test defaults to 0
  // BN-7 and BN-9 have no flag: a graph asks for training by using the optional statistics outputs.
  return node.outputs.slice(1).some(Boolean);
}

function decode(file: string, bytes: Uint8Array): onnx.ModelProto {
  if (!looksLikeOnnx(bytes)) {
    const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new OnnxError(file, `not an ONNX model: a ModelProto starts with the ir_version field (byte 0x08), this file starts with ${head || 'nothing (it is empty)'}`, 'byte 0');
  }
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    // protobufjs says e.g. "index out of range: 1234 + 10 > 1240" for a truncated file.
    const why = e instanceof Error ? e.message : String(e);
    throw new OnnxError(file, `the protobuf data is damaged or truncated (${why}); the file has ${bytes.length} bytes`, 'ModelProto');
  }
}

export function readOnnx(file: string, bytes: Uint8Array): ModelDescription {
  const model = decode(file, bytes);
  const graph = model.graph;
  if (!graph) throw new OnnxError(file, 'the model has no graph', 'ModelProto.graph');

  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opsetVersion = opset ? toNumber(opset.version) : null;
  const tensors = (graph.initializer ?? []).map((t, i) => tensorInfo(file, t, `graph.initializer[${i}]`));
  const byName = new Map<string, TensorInfo>(tensors.map((t) => [t.name, t]));
  // Constant nodes also hold parameters in some exporters' graphs.
  for (const [i, n] of (graph.node ?? []).entries()) {
    const value = n.opType === 'Constant' ? n.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (value && n.output?.[0]) byName.set(n.output[0], tensorInfo(file, { ...value, name: n.output[0] }, `graph.node[${i}]`));
  }
  // Shapes of graph inputs, for parameters that are fed as inputs (as in the ONNX node tests).
  const inputShapes = new Map<string, number[]>();
  for (const v of graph.input ?? []) {
    const dims = v.type?.tensorType?.shape?.dim;
    if (v.name && dims) inputShapes.set(v.name, dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue) : -1)));
  }

  const nodes: GraphNode[] = (graph.node ?? []).map((n, i) => ({
    name: n.name || `${n.opType ?? 'node'}_${i}`,
    opType: n.opType ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attributeValue(a)])),
  }));
  const producerOf = new Map<string, GraphNode>();
  const consumersOf = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producerOf.set(o, n);
    for (const i of n.inputs) consumersOf.set(i, [...(consumersOf.get(i) ?? []), n]);
  }

  const normLayers: NormLayer[] = [];
  for (const node of nodes) {
    const kind = NORM_OPS[node.opType];
    if (!kind) continue;
    const param = (k: number): TensorInfo | null => {
      const name = node.inputs[k];
      return name ? (byName.get(name) ?? null) : null;
    };
    const channelsOf = (k: number): number | null => {
      const name = node.inputs[k];
      if (!name) return null;
      const shape = byName.get(name)?.shape ?? inputShapes.get(name);
      return shape && shape.length >= 1 && shape[0] >= 0 ? shape[shape.length - 1] : null;
    };
    const attr = node.attributes;
    const epsilon = typeof attr.epsilon === 'number' ? attr.epsilon : DEFAULT_EPSILON;
    const isBN = kind === 'BatchNorm';
    const hasBias = kind !== 'LayerNorm' || node.inputs.length > 2;
    const training = isBN ? bnTrainingMode(node, opsetVersion) : null;
    normLayers.push({
      name: node.name,
      kind,
      op: `${node.opType}${opsetVersion !== null ? ` (opset ${opsetVersion})` : ''}`,
      channels: channelsOf(1),
      epsilon,
      momentum: isBN ? (typeof attr.momentum === 'number' ? attr.momentum : DEFAULT_BN_MOMENTUM) : null,
      momentumConvention: isBN ? 'keras' : null,
      affine: true,
      center: hasBias,
      scale: true,
      gamma: param(1),
      beta: hasBias ? param(2) : null,
      runningMean: isBN ? param(3) : null,
      runningVar: isBN ? param(4) : null,
      numBatchesTracked: null,
      training,
      after: producerOf.get(node.inputs[0] ?? '')?.opType ?? null,
      before: [...new Set((consumersOf.get(node.outputs[0] ?? '') ?? []).map((c) => c.opType))].join(',') || null,
      ...(kind === 'GroupNorm' && typeof attr.num_groups === 'number' ? { groups: attr.num_groups } : {}),
    });
  }

  return {
    file,
    format: 'onnx',
    variant: 'onnx',
    producer: model.producerName || null,
    producerVersion: model.producerVersion || null,
    opset: opsetVersion,
    graph: { nodes },
    tensors,
    normLayers,
    notes: [],
  };
}
