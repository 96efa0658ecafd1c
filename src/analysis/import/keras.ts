// Keras and TF.js layers models → engine Model, from the graph the readers make of the model config
// (one node per Keras layer) and its weights, constant("<layer>/<variable>").
//
// The data stays in the Keras layout, channels last (NHWC): the model takes and returns what Keras
// does, and every BatchNormalization (axis −1) sees, and is recorded with, the very tensors Keras gives
// it. Only the convolutions and pools, which the engine runs NCHW, are wrapped in Transposes
// NHWC→NCHW→NHWC, with Keras's [kH, kW, in, out] kernels turned into the engine's [out, in, kH, kW].
// Dense acts on the last axis in both, and Flatten of NHWC data flattens in Keras's H, W, C order, so
// Dense kernels after it line up as they are.

import type { Layer } from '../../engine/layer';
import {
  Add, AvgPool2d, Clip, Concat, Conv2d, Dense, Dropout, Flatten, GELU, GlobalAvgPool, Identity, LeakyReLU, MaxPool2d,
  ReLU, ReLU6, Reshape, Sigmoid, SiLU, Softmax, Tanh, Transpose,
} from '../../engine/layers';
import { Model, type ModelNode } from '../../engine/model';
import { kerasBatchNormalization, LayerNorm } from '../../engine/norm';
import { createRng } from '../../engine/rng';
import type { Tensor } from '../../engine/tensor';
import type { AttributeValue, GraphNode, ModelDescription, TensorInfo } from '../../formats/model';
import { assign, ImportError, type ImportFail } from './common';
import type { ImportedModel } from './onnx';
import { SamePool2d } from './samePool';

/** Keras layer classes the importer turns into engine layers, for messages about the ones it cannot. */
export const SUPPORTED_KERAS_LAYERS = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization', 'LayerNormalization',
  'ReLU', 'Activation', 'LeakyReLU', 'Softmax', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
  'Flatten', 'Reshape', 'Add', 'Concatenate', 'Dropout',
] as const;

/** Activation functions, by their Keras names, for Activation layers and Conv2D/Dense `activation`. */
const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'silu', 'swish'] as const;

const CONTAINERS = new Set(['Sequential', 'Functional', 'Model']);
const NORM_LAYERS = new Set(['BatchNormalization', 'LayerNormalization']);
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

interface Context {
  readonly node: GraphNode;
  readonly fail: ImportFail;
  /** Rank of the layer's (first) input where the model's input shape tells it. */
  readonly rank: number | null;
  /** The layer's variable, or an error naming it; later names are what other Keras versions call it. */
  weight(...names: string[]): TensorInfo;
}

function num(v: AttributeValue | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/** kernel_size, strides, …: Keras writes [h, w]; hand-made TF.js configs may write one number. */
function pairOf(v: AttributeValue | undefined, fallback: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  return [fallback, fallback];
}

/** An axis attribute: a number, or a list of one (Keras 2 writes [3]). */
function singleAxis({ node, fail }: Context, fallback: number): number {
  const v = node.attributes.axis;
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  throw fail(`axis ${JSON.stringify(v)}: the importer supports a single axis`);
}

function set(target: Tensor | undefined, source: TensorInfo | Float32Array | Float64Array, what: string, fail: ImportFail): void {
  if (!target) throw fail(`the engine layer has no ${what}`);
  assign(target, source, what, fail);
}

function channelsLast({ node, fail }: Context): void {
  if (node.attributes.data_format === 'channels_first') throw fail('data_format channels_first; the importer runs channels-last (NHWC) models');
}

function activationLayer(activation: AttributeValue | undefined, name: string, fail: ImportFail): Layer | null {
  switch (activation ?? 'linear') {
    case 'linear': return null;
    case 'relu': return new ReLU({ name });
    case 'relu6': return new ReLU6({ name });
    case 'leaky_relu': return new LeakyReLU({ name, negativeSlope: 0.2 }); // keras.activations.leaky_relu's default
    case 'sigmoid': return new Sigmoid({ name });
    case 'tanh': return new Tanh({ name });
    case 'softmax': return new Softmax({ name, axis: -1 });
    case 'gelu': return new GELU({ name, approximate: 'none' }); // Keras's default is the exact (erf) form
    case 'silu':
    case 'swish': return new SiLU({ name });
    default: throw fail(`activation ${JSON.stringify(activation)} is not one the engine has (${ACTIVATIONS.join(', ')})`);
  }
}

/**
 * An engine op that works NCHW, run on NHWC data: transposed in, run, transposed back, then the
 * layer's fused activation. The last engine node carries the Keras layer's name.
 */
function channelsFirst(name: string, op: Layer, activation: Layer | null): Layer[] {
  return [
    new Transpose({ name: `${name}/nchw`, perm: TO_NCHW }),
    op,
    new Transpose({ name: activation ? `${name}/nhwc` : name, perm: TO_NHWC }),
    ...(activation ? [activation] : []),
  ];
}

/** Keras's [kH, kW, in, out] kernel values as the engine's [out, in, kH, kW]. */
function hwioToOihw(v: Float32Array | Float64Array, [kH, kW, ci, co]: readonly number[]): Float64Array {
  const out = new Float64Array(v.length);
  for (let h = 0; h < kH; h++) {
    for (let w = 0; w < kW; w++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[((o * ci + i) * kH + h) * kW + w] = v[((h * kW + w) * ci + i) * co + o];
      }
    }
  }
  return out;
}

function convPadding({ node, fail }: Context): 'same' | 'valid' {
  const p = node.attributes.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw fail(`padding ${JSON.stringify(p)}; the importer supports 'same' and 'valid'`);
  return p;
}

function conv2d(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  channelsLast(ctx);
  const kernel = ctx.weight('kernel');
  if (kernel.shape.length !== 4) throw fail(`kernel has shape [${kernel.shape.join(',')}], not [kH, kW, in, out]`);
  const [kH, kW, inPerGroup, outChannels] = kernel.shape;
  const groups = num(a.groups, 1);
  const bias = a.use_bias !== false;
  const conv = new Conv2d({
    name: `${node.name}/conv`, inChannels: inPerGroup * groups, outChannels, groups, bias, kernelSize: [kH, kW],
    stride: pairOf(a.strides, 1), dilation: pairOf(a.dilation_rate, 1), padding: convPadding(ctx),
  }, createRng(0));
  set(conv.weight.value, hwioToOihw(kernel.values(), kernel.shape), 'kernel', fail);
  if (bias) set(conv.bias?.value, ctx.weight('bias'), 'bias', fail);
  return channelsFirst(node.name, conv, activationLayer(a.activation, node.name, fail));
}

/** A depthwise convolution is a grouped one with a group per input channel; output channel c·m + k, as in TensorFlow. */
function depthwiseConv2d(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  channelsLast(ctx);
  const kernel = ctx.weight('depthwise_kernel', 'kernel');
  if (kernel.shape.length !== 4) throw fail(`depthwise kernel has shape [${kernel.shape.join(',')}], not [kH, kW, channels, multiplier]`);
  const [kH, kW, channels, multiplier] = kernel.shape;
  const bias = a.use_bias !== false;
  const conv = new Conv2d({
    name: `${node.name}/conv`, inChannels: channels, outChannels: channels * multiplier, groups: channels, bias, kernelSize: [kH, kW],
    stride: pairOf(a.strides, 1), dilation: pairOf(a.dilation_rate, 1), padding: convPadding(ctx),
  }, createRng(0));
  // [kH, kW, C, m] read as [kH, kW, 1, C·m] is already HWIO for one input channel per group.
  set(conv.weight.value, hwioToOihw(kernel.values(), [kH, kW, 1, channels * multiplier]), 'depthwise kernel', fail);
  if (bias) set(conv.bias?.value, ctx.weight('bias'), 'bias', fail);
  return channelsFirst(node.name, conv, activationLayer(a.activation, node.name, fail));
}

/** Keras's [in, out] kernel transposed to the engine's [out, in]. */
function dense(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  const kernel = ctx.weight('kernel');
  if (kernel.shape.length !== 2) throw fail(`kernel has shape [${kernel.shape.join(',')}], not [in, out]`);
  const [inF, outF] = kernel.shape;
  const bias = a.use_bias !== false;
  const activation = activationLayer(a.activation, node.name, fail);
  const layer = new Dense({ name: activation ? `${node.name}/dense` : node.name, inFeatures: inF, outFeatures: outF, bias }, createRng(0));
  const v = kernel.values();
  const weight = new Float64Array(v.length);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) weight[o * inF + i] = v[i * outF + o];
  set(layer.weight.value, weight, 'kernel', fail);
  if (bias) set(layer.bias?.value, ctx.weight('bias'), 'bias', fail);
  return activation ? [layer, activation] : [layer];
}

function batchNormalization(ctx: Context): Layer {
  const { node, fail } = ctx;
  const a = node.attributes;
  if (a.renorm === true) throw fail('renorm=True (batch renormalization) is not supported');
  const center = a.center !== false;
  const scale = a.scale !== false;
  const mean = ctx.weight('moving_mean');
  // The axis counts in the Keras layout, which is the layout the data has here.
  const bn = kerasBatchNormalization({
    name: node.name, numFeatures: mean.values().length, axis: singleAxis(ctx, -1),
    momentum: num(a.momentum, 0.99), epsilon: num(a.epsilon, 1e-3), center, scale,
  });
  if (scale) set(bn.gamma?.value, ctx.weight('gamma'), 'gamma', fail);
  if (center) set(bn.beta?.value, ctx.weight('beta'), 'beta', fail);
  set(bn.runningMean, mean, 'moving_mean', fail);
  set(bn.runningVariance, ctx.weight('moving_variance'), 'moving_variance', fail);
  return bn;
}

/** The engine's LayerNorm normalizes the trailing axes its γ/β shape covers; Keras's axes must be exactly those. */
function layerNormalization(ctx: Context): Layer {
  const { node, fail, rank } = ctx;
  const a = node.attributes;
  if (a.rms_scaling === true) throw fail('rms_scaling=True is not supported');
  const center = a.center !== false;
  const scale = a.scale !== false;
  const gamma = scale ? ctx.weight('gamma') : null;
  const beta = center ? ctx.weight('beta') : null;
  const shape = (gamma ?? beta)?.shape;
  if (!shape) throw fail('center=False and scale=False: the importer takes the normalized size from γ or β');
  const axes = Array.isArray(node.attributes.axis) ? (node.attributes.axis as number[]) : [num(node.attributes.axis, -1)];
  // Counted from the end: −1 is the last axis.
  const resolved = axes.map((x) => (x < 0 ? x : rank === null ? null : x - rank));
  const trailing = resolved.every((x, i) => x === i - axes.length);
  if (!trailing) throw fail(`axis ${JSON.stringify(a.axis)}${rank === null ? '' : ` of a rank-${rank} input`}: the engine normalizes the last ${axes.length} ax${axes.length === 1 ? 'is' : 'es'}`);
  const layer = new LayerNorm({ name: node.name, normalizedShape: shape, eps: num(a.epsilon, 1e-3), elementwiseAffine: true, bias: center });
  // Without scale, γ stays at its initial 1.
  if (gamma) set(layer.gamma?.value, gamma, 'gamma', fail);
  if (beta) set(layer.beta?.value, beta, 'beta', fail);
  return layer;
}

/** keras.layers.ReLU: min(max(x, threshold)…) with an optional cap and negative slope. */
function reluLayer({ node, fail }: Context): Layer {
  const a = node.attributes;
  const max = typeof a.max_value === 'number' ? a.max_value : null;
  const slope = num(a.negative_slope, 0);
  const name = node.name;
  if (num(a.threshold, 0) !== 0) throw fail(`threshold ${a.threshold}: the engine's ReLU has threshold 0`);
  if (max !== null && slope !== 0) throw fail('both max_value and negative_slope: the engine has no capped leaky ReLU');
  if (slope !== 0) return new LeakyReLU({ name, negativeSlope: slope });
  if (max === 6) return new ReLU6({ name });
  return max === null ? new ReLU({ name }) : new Clip({ name, min: 0, max });
}

function pool2d(ctx: Context, mode: 'max' | 'avg'): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  channelsLast(ctx);
  const kernelSize = pairOf(a.pool_size, 2);
  const stride = a.strides === null || a.strides === undefined ? kernelSize : pairOf(a.strides, 1);
  const padding = a.padding ?? 'valid';
  const poolName = `${node.name}/pool`;
  let pool: Layer;
  if (padding === 'same') pool = new SamePool2d({ name: poolName, mode, kernelSize, stride });
  else if (padding === 'valid') pool = mode === 'max' ? new MaxPool2d({ name: poolName, kernelSize, stride }) : new AvgPool2d({ name: poolName, kernelSize, stride });
  else throw fail(`padding ${JSON.stringify(padding)}; the importer supports 'same' and 'valid'`);
  return channelsFirst(node.name, pool, null);
}

function globalAveragePooling(ctx: Context): Layer[] {
  const { node } = ctx;
  channelsLast(ctx);
  const keepdims = node.attributes.keepdims === true;
  return [
    new Transpose({ name: `${node.name}/nchw`, perm: TO_NCHW }),
    new GlobalAvgPool({ name: keepdims ? `${node.name}/pool` : node.name }),
    ...(keepdims ? [new Reshape({ name: node.name, shape: [1, 1, -1] })] : []),
  ];
}

function buildLayers(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  const name = node.name;
  switch (node.opType) {
    case 'Conv2D': return conv2d(ctx);
    case 'DepthwiseConv2D': return depthwiseConv2d(ctx);
    case 'Dense': return dense(ctx);
    case 'BatchNormalization': return [batchNormalization(ctx)];
    case 'LayerNormalization': return [layerNormalization(ctx)];
    case 'ReLU': return [reluLayer(ctx)];
    case 'LeakyReLU': return [new LeakyReLU({ name, negativeSlope: num(a.negative_slope ?? a.alpha, 0.3) })]; // Keras 3 / Keras 2 and TF.js
    case 'Softmax': return [new Softmax({ name, axis: singleAxis(ctx, -1) })];
    case 'Activation': return [activationLayer(a.activation, name, fail) ?? new Identity({ name })]; // 'linear' is the identity
    case 'MaxPooling2D': return pool2d(ctx, 'max');
    case 'AveragePooling2D': return pool2d(ctx, 'avg');
    case 'GlobalAveragePooling2D': return globalAveragePooling(ctx);
    case 'Flatten':
      channelsLast(ctx);
      return [new Flatten({ name })];
    case 'Reshape': {
      const shape = a.target_shape;
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) throw fail(`target_shape ${JSON.stringify(shape)} is not a list of sizes`);
      return [new Reshape({ name, shape: shape as number[] })];
    }
    case 'Add': return [new Add({ name })];
    case 'Concatenate': return [new Concat({ name, axis: num(a.axis, -1) })];
    case 'Dropout': return [new Dropout({ name, p: num(a.rate, 0.5) })]; // the identity in eval mode
    default:
      if (CONTAINERS.has(node.opType)) throw fail(`a nested model (${node.opType}); the importer runs models whose layers are all at the top level`);
      throw fail(`the engine has no '${node.opType}' layer (it runs ${SUPPORTED_KERAS_LAYERS.join(', ')}); the normalization layers are still listed`);
  }
}

/** The rank of a layer's output, from its input's, where it can be told; LayerNormalization needs it to place Keras 2's positive axes. */
function outputRank(node: GraphNode, rank: number | null): number | null {
  switch (node.opType) {
    case 'Flatten': return 2;
    case 'Reshape': return Array.isArray(node.attributes.target_shape) ? node.attributes.target_shape.length + 1 : null;
    case 'GlobalAveragePooling2D': return node.attributes.keepdims === true || rank === null ? rank : rank - 2;
    default: return rank;
  }
}

const MULTI_INPUT = new Set(['Add', 'Concatenate']);

export function importKeras(description: ModelDescription): ImportedModel {
  const { file, graph } = description;
  if (!graph || (description.format !== 'keras' && description.format !== 'tfjs')) throw new ImportError(file, 'not a Keras or TF.js layers model');
  const constant = description.constant ?? (() => null);
  const inputs = graph.inputs ?? [];
  if (inputs.length === 0) throw new ImportError(file, 'the model config has no InputLayer and its first layer no batch_input_shape');
  const outputs = graph.outputs ?? [];
  if (outputs.length !== 1) throw new ImportError(file, `the model has ${outputs.length} outputs; the engine runs models with one`);

  // Engine nodes carry the Keras layer names (the last node of each layer's chain), so a layer's
  // inputs are the names its config gives; ranks follow the values where the input shape tells them.
  const ranks = new Map<string, number | null>(inputs.map((v) => [v.name, v.shape ? v.shape.length : null]));
  const nodes: ModelNode[] = [];
  const normNodes: string[] = [];
  for (const node of graph.nodes) {
    const where = `layer '${node.name}' (${node.opType})`;
    const fail: ImportFail = (problem, at = where) => new ImportError(file, problem, at);
    if (node.opType === 'InputLayer') throw fail('an InputLayer inside the model; the importer runs models whose layers are all at the top level');
    const weight = (...names: string[]): TensorInfo => {
      for (const n of names) {
        const t = constant(`${node.name}/${n}`);
        if (t) return t;
      }
      throw fail(`its weight '${names[0]}' is not in the file`);
    };
    const rank = ranks.get(node.inputs[0]) ?? null;
    const layers = buildLayers({ node, fail, rank, weight });
    for (const n of node.inputs) if (!ranks.has(n)) throw fail(`input '${n}' is neither a model input nor an earlier layer`);
    if (node.inputs.length === 0) throw fail('no layer feeds it');
    // The readers merge a layer's calls, so a single-input layer with several inputs is called more than once.
    if (!MULTI_INPUT.has(node.opType) && node.inputs.length > 1) throw fail(`fed by ${node.inputs.map((n) => `'${n}'`).join(', ')}; a layer called more than once (shared) is not supported`);
    layers.forEach((layer, k) => nodes.push({ name: layer.name, layer, inputs: k === 0 ? node.inputs : [layers[k - 1].name] }));
    ranks.set(node.name, outputRank(node, rank));
    if (NORM_LAYERS.has(node.opType)) normNodes.push(node.name);
  }
  const outputName = outputs[0].name;
  if (!nodes.some((n) => n.name === outputName)) throw new ImportError(file, `the model output '${outputName}' is not produced by a layer`);
  const model = new Model({ inputs: inputs.map((v) => v.name), nodes, output: outputName });
  return { model, outputName, normNodes };
}
