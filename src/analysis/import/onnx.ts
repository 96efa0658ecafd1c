// ONNX graph → engine Model. Each supported ONNX op becomes one engine layer with the file's weights;
// an op the engine lacks is named in an ImportError (listing the normalization layers still works,
// since that needs only the reader). Shapes follow ONNX's NCHW, which is the engine's layout too.

import type { Layer } from '../../engine/layer';
import { Model, type ModelNode } from '../../engine/model';
import {
  Add, AvgPool2d, Clip, Concat, Conv1d, Conv2d, Dense, Flatten, GELU, GlobalAvgPool, Identity, LeakyReLU,
  MaxPool2d, ReLU, Reshape, Sigmoid, Softmax, Tanh, Transpose,
} from '../../engine/layers';
import { GroupNorm, InstanceNorm, LayerNorm, onnxBatchNormalization } from '../../engine/norm';
import { createRng } from '../../engine/rng';
import type { Tensor } from '../../engine/tensor';
import type { AttributeValue, GraphNode, ModelDescription, TensorInfo } from '../../formats/model';
import { assign, ImportError, type ImportFail } from './common';

export interface ImportedModel {
  readonly model: Model;
  /** The ONNX value name of the model's output. */
  readonly outputName: string;
  /** Engine node name → the normalization layer's name in the file (the same here). */
  readonly normNodes: readonly string[];
}

/** Ops the importer turns into engine layers, for messages about the ones it cannot. */
export const SUPPORTED_ONNX_OPS = [
  'Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization',
  'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'Tanh', 'Gelu', 'Softmax', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'Add', 'Concat', 'Flatten', 'Reshape', 'Transpose', 'Identity', 'Dropout',
] as const;

const NORM_OPS = new Set(['BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization']);

function ints(v: AttributeValue | undefined, fallback: number[]): number[] {
  return Array.isArray(v) ? (v as number[]) : fallback;
}
function num(v: AttributeValue | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

interface Context {
  readonly file: string;
  readonly node: GraphNode;
  readonly fail: ImportFail;
  /** A constant input's values, or an error naming it. */
  constant(index: number, what: string): TensorInfo;
  /** The input's constant values if it is constant, else null. */
  maybeConstant(index: number): TensorInfo | null;
}

function set(target: Tensor | undefined, source: TensorInfo | Float32Array | Float64Array, what: string, fail: ImportFail): void {
  if (!target) throw fail(`the engine layer has no ${what}`);
  assign(target, source, what, fail);
}

function convLayer({ node, fail, constant, maybeConstant }: Context): Layer {
  const a = node.attributes;
  const w = constant(1, 'weight');
  const bias = node.inputs[2] ? maybeConstant(2) : null;
  if (node.inputs[2] && !bias) throw fail('the bias is computed by the graph, not stored; the engine needs it constant');
  const [outC, inPerGroup, ...kernel] = w.shape;
  const groups = num(a.group, 1);
  const autoPad = typeof a.auto_pad === 'string' ? a.auto_pad : 'NOTSET';
  if (autoPad === 'SAME_LOWER') throw fail('auto_pad SAME_LOWER pads the other side from PyTorch/TF "same"; the engine supports NOTSET, VALID and SAME_UPPER');
  const common = { name: node.name, inChannels: inPerGroup * groups, outChannels: outC, groups, bias: bias !== null };
  let layer: Conv1d | Conv2d;
  if (kernel.length === 2) {
    const pads = ints(a.pads, [0, 0, 0, 0]);
    layer = new Conv2d({
      ...common, kernelSize: [kernel[0], kernel[1]],
      stride: ints(a.strides, [1, 1]) as [number, number],
      dilation: ints(a.dilations, [1, 1]) as [number, number],
      padding: autoPad === 'SAME_UPPER' ? 'same' : autoPad === 'VALID' ? 'valid' : [pads[0], pads[1], pads[2], pads[3]],
    }, createRng(0));
  } else if (kernel.length === 1) {
    const pads = ints(a.pads, [0, 0]);
    layer = new Conv1d({
      ...common, kernelSize: kernel[0], stride: ints(a.strides, [1])[0], dilation: ints(a.dilations, [1])[0],
      padding: autoPad === 'SAME_UPPER' ? 'same' : autoPad === 'VALID' ? 'valid' : [pads[0], pads[1]],
    }, createRng(0));
  } else {
    throw fail(`a ${kernel.length}-d convolution; the engine has 1-d and 2-d convolutions`);
  }
  set(layer.weight.value, w, 'weight', fail);
  if (bias) set(layer.bias?.value, bias, 'bias', fail);
  return layer;
}

/** Gemm: Y = α·A'·B' + β·C with A' = A or Aᵀ. The engine's Dense computes x·Wᵀ + b with W [out, in]. */
function gemmLayer({ node, fail, constant, maybeConstant }: Context): Layer {
  const a = node.attributes;
  if (num(a.transA, 0) !== 0) throw fail('transA=1 (a transposed activation input) is not supported');
  const b = constant(1, 'B');
  if (b.shape.length !== 2) throw fail(`B has shape [${b.shape.join(',')}], a matrix was expected`);
  const transB = num(a.transB, 0) === 1;
  const [outF, inF] = transB ? b.shape : [b.shape[1], b.shape[0]];
  const c = node.inputs[2] ? maybeConstant(2) : null;
  if (node.inputs[2] && !c) throw fail('C is computed by the graph, not stored; the engine needs it constant');
  const layer = new Dense({ name: node.name, inFeatures: inF, outFeatures: outF, bias: c !== null }, createRng(0));
  const alpha = num(a.alpha, 1);
  const beta = num(a.beta, 1);
  const bv = b.values();
  const weight = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) weight[o * inF + i] = alpha * (transB ? bv[o * inF + i] : bv[i * outF + o]);
  }
  set(layer.weight.value, weight, 'weight', fail);
  if (c) {
    const cv = c.values();
    if (cv.length !== outF && cv.length !== 1) throw fail(`C has ${cv.length} values; the engine supports a bias of ${outF} or a scalar`);
    set(layer.bias?.value, Float64Array.from({ length: outF }, (_, j) => beta * cv[cv.length === 1 ? 0 : j]), 'bias', fail);
  }
  return layer;
}

/** MatMul with a constant [in, out] matrix: a Dense layer without bias. */
function matmulLayer({ node, fail, constant }: Context): Layer {
  const b = constant(1, 'B');
  if (b.shape.length !== 2) throw fail(`B has shape [${b.shape.join(',')}]; the engine supports a constant matrix as the second input`);
  const [inF, outF] = b.shape;
  const layer = new Dense({ name: node.name, inFeatures: inF, outFeatures: outF, bias: false }, createRng(0));
  const bv = b.values();
  const weight = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) weight[o * inF + i] = bv[i * outF + o];
  set(layer.weight.value, weight, 'weight', fail);
  return layer;
}

function batchNormLayer({ node, fail, constant }: Context): Layer {
  const a = node.attributes;
  if (num(a.spatial, 1) === 0) throw fail('spatial=0 (statistics per element instead of per channel, BatchNormalization-7 and earlier) is not supported');
  const gamma = constant(1, 'scale');
  const layer = onnxBatchNormalization({ name: node.name, numFeatures: gamma.shape[0] ?? gamma.values().length, epsilon: num(a.epsilon, 1e-5), momentum: num(a.momentum, 0.9) });
  set(layer.gamma?.value, gamma, 'scale (γ)', fail);
  set(layer.beta?.value, constant(2, 'B'), 'B (β)', fail);
  set(layer.runningMean, constant(3, 'input_mean'), 'input_mean', fail);
  set(layer.runningVariance, constant(4, 'input_var'), 'input_var', fail);
  return layer;
}

function layerNormLayer({ node, fail, constant, maybeConstant }: Context): Layer {
  const axis = num(node.attributes.axis, -1);
  const scale = constant(1, 'Scale');
  if (axis !== -1 && axis !== -scale.shape.length) {
    // ONNX normalizes over axes [axis, rank); the engine over the trailing dims the scale's shape names.
    throw fail(`axis ${axis} with a scale of shape [${scale.shape.join(',')}]: the engine needs the scale to cover exactly the normalized axes`);
  }
  const bias = node.inputs[2] ? maybeConstant(2) : null;
  const layer = new LayerNorm({ name: node.name, normalizedShape: scale.shape, eps: num(node.attributes.epsilon, 1e-5), bias: bias !== null });
  set(layer.gamma?.value, scale, 'Scale', fail);
  if (bias) set(layer.beta?.value, bias, 'B', fail);
  return layer;
}

function instanceNormLayer({ node, fail, constant }: Context): Layer {
  const scale = constant(1, 'scale');
  const layer = new InstanceNorm({ name: node.name, numFeatures: scale.values().length, eps: num(node.attributes.epsilon, 1e-5), affine: true });
  set(layer.gamma?.value, scale, 'scale', fail);
  set(layer.beta?.value, constant(2, 'B'), 'B', fail);
  return layer;
}

function groupNormLayer({ node, fail, constant }: Context): Layer {
  const groups = num(node.attributes.num_groups, 0);
  const scale = constant(1, 'scale');
  const channels = scale.values().length;
  // GroupNormalization-18 had scale and bias per group (a spec error fixed in opset 21); the engine's are per channel.
  if (channels === groups && groups > 1) throw fail('GroupNormalization-18 with per-group scale and bias; re-export with opset 21 (per-channel)');
  const layer = new GroupNorm({ name: node.name, numGroups: groups, numChannels: channels, eps: num(node.attributes.epsilon, 1e-5) });
  set(layer.gamma?.value, scale, 'scale', fail);
  set(layer.beta?.value, constant(2, 'bias'), 'bias', fail);
  return layer;
}

function poolLayer({ node, fail }: Context, kind: 'max' | 'avg'): Layer {
  const a = node.attributes;
  const kernel = ints(a.kernel_shape, []);
  if (kernel.length !== 2) throw fail(`a ${kernel.length}-d pool; the importer supports 2-d pooling`);
  const pads = ints(a.pads, [0, 0, 0, 0]);
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) throw fail(`asymmetric pads [${pads.join(',')}]; the engine pads both sides alike`);
  if (typeof a.auto_pad === 'string' && a.auto_pad !== 'NOTSET' && a.auto_pad !== 'VALID') throw fail(`auto_pad ${a.auto_pad} is not supported for pooling`);
  if (num(a.ceil_mode, 0) !== 0) throw fail('ceil_mode=1 is not supported');
  if (ints(a.dilations, [1, 1]).some((d) => d !== 1)) throw fail('dilated pooling is not supported');
  const options = { name: node.name, kernelSize: [kernel[0], kernel[1]] as [number, number], stride: ints(a.strides, [1, 1]) as [number, number], padding: [pads[0], pads[1]] as [number, number] };
  return kind === 'max' ? new MaxPool2d(options) : new AvgPool2d({ ...options, countIncludePad: num(a.count_include_pad, 0) === 1 });
}

function reshapeLayer({ node, fail, constant }: Context): Layer {
  const shape = Array.from(constant(1, 'shape').values());
  // ONNX's target shape includes the batch axis; the engine's Reshape keeps the batch and shapes the rest.
  if (shape.length === 0 || (shape[0] !== 0 && shape[0] !== -1)) throw fail(`target shape [${shape.join(',')}] changes the batch axis; the engine keeps it (use 0 or -1 first)`);
  if (shape.slice(1).includes(0)) throw fail(`target shape [${shape.join(',')}] copies an axis with 0 after the first; not supported`);
  return new Reshape({ name: node.name, shape: shape.slice(1) });
}

function clipLayer({ node, maybeConstant, fail }: Context): Layer {
  // Clip-6 has min/max attributes; Clip-11 and later take them as optional inputs.
  const bound = (index: number, attr: AttributeValue | undefined, fallback: number): number => {
    if (node.inputs[index]) {
      const t = maybeConstant(index);
      if (!t) throw fail(`the ${index === 1 ? 'min' : 'max'} bound is computed by the graph; the engine needs it constant`);
      return t.values()[0];
    }
    return num(attr, fallback);
  };
  return new Clip({ name: node.name, min: bound(1, node.attributes.min, -Infinity), max: bound(2, node.attributes.max, Infinity) });
}

function buildLayer(ctx: Context, opset: number): Layer {
  const { node, fail } = ctx;
  const a = node.attributes;
  const name = node.name;
  switch (node.opType) {
    case 'Conv': return convLayer(ctx);
    case 'Gemm': return gemmLayer(ctx);
    case 'MatMul': return matmulLayer(ctx);
    case 'BatchNormalization': return batchNormLayer(ctx);
    case 'LayerNormalization': return layerNormLayer(ctx);
    case 'InstanceNormalization': return instanceNormLayer(ctx);
    case 'GroupNormalization': return groupNormLayer(ctx);
    case 'Relu': return new ReLU({ name });
    case 'LeakyRelu': return new LeakyReLU({ name, negativeSlope: num(a.alpha, 0.01) });
    case 'Clip': return clipLayer(ctx);
    case 'Sigmoid': return new Sigmoid({ name });
    case 'Tanh': return new Tanh({ name });
    case 'Gelu': return new GELU({ name, approximate: a.approximate === 'tanh' ? 'tanh' : 'none' });
    // Softmax before opset 13 flattens to 2-d at `axis` (default 1); from 13 it is per axis (default -1).
    case 'Softmax': return new Softmax({ name, axis: num(a.axis, opset >= 13 ? -1 : 1) });
    case 'MaxPool': return poolLayer(ctx, 'max');
    case 'AveragePool': return poolLayer(ctx, 'avg');
    case 'GlobalAveragePool': return new GlobalAvgPool({ name });
    case 'Add': return new Add({ name });
    case 'Concat': return new Concat({ name, axis: num(a.axis, 1) });
    case 'Flatten':
      if (num(a.axis, 1) !== 1) throw fail(`Flatten with axis ${a.axis}; the engine flattens after the batch axis (axis 1)`);
      return new Flatten({ name });
    case 'Reshape': return reshapeLayer(ctx);
    case 'Transpose': return new Transpose({ name, perm: ints(a.perm, []) });
    case 'Identity':
    case 'Dropout': return new Identity({ name }); // Dropout is the identity at inference, as ONNX runtimes run it
    default:
      throw fail(`the engine has no '${node.opType}' operator (it runs ${SUPPORTED_ONNX_OPS.join(', ')}); the normalization layers are still listed`);
  }
}

/** Which inputs of an op are weights (read from the file) rather than activations flowing through the graph. */
function dataInputCount(node: GraphNode): number {
  switch (node.opType) {
    case 'Add': case 'Concat': return node.inputs.length;
    default: return 1;
  }
}

export interface OnnxImportOptions {
  /**
   * Values for graph inputs that are really weights, by input name: some graphs (the ONNX node tests
   * among them) take γ, β and the statistics as inputs instead of storing them.
   */
  readonly weights?: ReadonlyMap<string, TensorInfo>;
}

export function importOnnx(description: ModelDescription, options: OnnxImportOptions = {}): ImportedModel {
  const file = description.file;
  const graph = description.graph;
  if (description.format !== 'onnx' || !graph) throw new ImportError(file, 'not an ONNX graph');
  const stored = description.constant ?? ((name: string) => description.tensors.find((t) => t.name === name) ?? null);
  const constantOf = (name: string): TensorInfo | null => options.weights?.get(name) ?? stored(name);
  const graphInputs = (graph.inputs ?? []).filter((v) => !constantOf(v.name));
  if (graphInputs.length === 0) throw new ImportError(file, 'the graph has no input that is not a stored tensor');
  const outputName = graph.outputs?.[0]?.name;
  if (!outputName) throw new ImportError(file, 'the graph declares no output');
  const opset = description.opset ?? 21;

  // Engine nodes are named after ONNX nodes; values are produced under the ONNX node's first output.
  const valueToNode = new Map<string, string>(graphInputs.map((v) => [v.name, v.name]));
  const nodes: ModelNode[] = [];
  const normNodes: string[] = [];
  for (const [index, node] of graph.nodes.entries()) {
    if (node.opType === 'Constant' || node.opType === 'ConstantOfShape' || (node.outputs[0] && constantOf(node.outputs[0]))) continue;
    const where = `node '${node.name}' (${node.opType}, graph.node[${index}])`;
    const fail: ImportFail = (problem, at = where) => new ImportError(file, problem, at);
    const maybeConstant = (i: number): TensorInfo | null => (node.inputs[i] ? constantOf(node.inputs[i]) : null);
    const constant = (i: number, what: string): TensorInfo => {
      const t = maybeConstant(i);
      if (!t) throw fail(`input ${i} (${what}, '${node.inputs[i] ?? ''}') is not a stored tensor; the engine needs it constant`);
      return t;
    };
    const layer = buildLayer({ file, node, fail, constant, maybeConstant }, opset);
    const inputs = node.inputs.slice(0, dataInputCount(node)).map((value) => {
      const producer = valueToNode.get(value);
      if (!producer) throw fail(`input '${value}' is neither a graph input nor produced by an imported node`);
      return producer;
    });
    nodes.push({ name: node.name, layer, inputs });
    node.outputs.slice(0, 1).forEach((o) => valueToNode.set(o, node.name));
    if (NORM_OPS.has(node.opType)) normNodes.push(node.name);
  }
  const output = valueToNode.get(outputName);
  if (!output || !nodes.some((n) => n.name === output)) throw new ImportError(file, `the graph output '${outputName}' is not produced by an imported node`);
  const model = new Model({ inputs: graphInputs.map((v) => v.name), nodes, output });
  return { model, outputName, normNodes };
}
