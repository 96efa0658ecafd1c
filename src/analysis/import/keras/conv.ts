// Convolutions: Conv2D (with groups), DepthwiseConv2D (depth_multiplier), SeparableConv2D and
// Conv2DTranspose. The
// engine convolves NCHW, so each runs between Transposes, with Keras's [kH, kW, in, out] kernels
// turned into the engine's [out, in, kH, kW].

import type { Layer } from '../../../engine/layer';
import { Conv2d } from '../../../engine/layers';
import { convTranspose2d } from '../../../engine/ops/convTranspose';
import { FunctionLayer } from '../../../engine/ops/functionLayer';
import { createRng } from '../../../engine/rng';
import { Tensor } from '../../../engine/tensor';
import { activationLayer } from './activations';
import { channelsFirst, channelsLast, hwioToOihw, num, pairOf, set, type Context } from './context';

function convPadding({ node, fail }: Context): 'same' | 'valid' {
  const p = node.attributes.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw fail(`padding ${JSON.stringify(p)}; the importer supports 'same' and 'valid'`);
  return p;
}

function fusedActivation(ctx: Context): Layer | null {
  return activationLayer(ctx.node.attributes.activation, ctx.node.name, ctx.dialect, ctx.fail);
}

export function conv2d(ctx: Context): Layer[] {
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
  return channelsFirst(node.name, [conv], fusedActivation(ctx));
}

/**
 * A depthwise convolution is a grouped one with a group per input channel; output channel c·m + k, as
 * in TensorFlow. Keras 3 names the kernel "kernel", Keras 2 and TF.js "depthwise_kernel".
 */
function depthwise(ctx: Context, name: string, bias: boolean): Conv2d {
  const { node, fail } = ctx;
  const a = node.attributes;
  const kernel = ctx.weight('depthwise_kernel', 'kernel');
  if (kernel.shape.length !== 4) throw fail(`depthwise kernel has shape [${kernel.shape.join(',')}], not [kH, kW, channels, multiplier]`);
  const [kH, kW, channels, multiplier] = kernel.shape;
  const conv = new Conv2d({
    name, inChannels: channels, outChannels: channels * multiplier, groups: channels, bias, kernelSize: [kH, kW],
    stride: pairOf(a.strides, 1), dilation: pairOf(a.dilation_rate, 1), padding: convPadding(ctx),
  }, createRng(0));
  // [kH, kW, C, m] read as [kH, kW, 1, C·m] is already HWIO for one input channel per group.
  set(conv.weight.value, hwioToOihw(kernel.values(), [kH, kW, 1, channels * multiplier]), 'depthwise kernel', fail);
  return conv;
}

export function depthwiseConv2d(ctx: Context): Layer[] {
  channelsLast(ctx);
  const bias = ctx.node.attributes.use_bias !== false;
  const conv = depthwise(ctx, `${ctx.node.name}/conv`, bias);
  if (bias) set(conv.bias?.value, ctx.weight('bias'), 'bias', ctx.fail);
  return channelsFirst(ctx.node.name, [conv], fusedActivation(ctx));
}

/** A depthwise convolution (strides, dilation, padding) then a 1×1 pointwise one that has the bias. */
export function separableConv2d(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  channelsLast(ctx);
  const dw = depthwise(ctx, `${node.name}/depthwise`, false);
  const pointwise = ctx.weight('pointwise_kernel');
  if (pointwise.shape.length !== 4 || pointwise.shape[0] !== 1 || pointwise.shape[1] !== 1) {
    throw fail(`pointwise kernel has shape [${pointwise.shape.join(',')}], not [1, 1, in, out]`);
  }
  const bias = node.attributes.use_bias !== false;
  const pw = new Conv2d({ name: `${node.name}/pointwise`, inChannels: pointwise.shape[2], outChannels: pointwise.shape[3], bias, kernelSize: [1, 1] }, createRng(0));
  set(pw.weight.value, hwioToOihw(pointwise.values(), pointwise.shape), 'pointwise kernel', fail);
  if (bias) set(pw.bias?.value, ctx.weight('bias'), 'bias', fail);
  return channelsFirst(node.name, [dw, pw], fusedActivation(ctx));
}

/** Keras's deconv_output_length: the output size of a transposed convolution along one axis. */
function transposedLength(inSize: number, k: number, s: number, padding: 'same' | 'valid', outputPadding: number | null): number {
  if (outputPadding === null) return padding === 'valid' ? inSize * s + Math.max(k - s, 0) : inSize * s;
  const pad = padding === 'same' ? Math.floor(k / 2) : 0;
  return (inSize - 1) * s + k - 2 * pad + outputPadding;
}

/**
 * Conv2DTranspose: TensorFlow's conv2d_transpose to Keras's output size, i.e. the adjoint of the
 * convolution (same or valid padding) that maps that size back to the input's. Kernel [kH, kW, out, in]
 * becomes the engine's [in, out, kH, kW]; runs forward only (the engine op has no gradient).
 */
export function conv2dTranspose(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  channelsLast(ctx);
  const kernel = ctx.weight('kernel');
  if (kernel.shape.length !== 4) throw fail(`kernel has shape [${kernel.shape.join(',')}], not [kH, kW, out, in]`);
  const [kH, kW, co, ci] = kernel.shape;
  const strides = pairOf(a.strides, 1);
  const dilations = pairOf(a.dilation_rate, 1);
  const padding = convPadding(ctx);
  const outputPadding = Array.isArray(a.output_padding) || typeof a.output_padding === 'number' ? pairOf(a.output_padding, 0) : null;
  const k = (v: Float32Array | Float64Array): Float64Array => {
    const out = new Float64Array(v.length);
    for (let h = 0; h < kH; h++) for (let w = 0; w < kW; w++) for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) out[((i * co + o) * kH + h) * kW + w] = v[((h * kW + w) * co + o) * ci + i];
    return out;
  };
  const weight = new Tensor(Float32Array.from(k(kernel.values())), [ci, co, kH, kW]);
  const bias = a.use_bias !== false ? new Tensor(Float32Array.from(ctx.weight('bias').values()), [co]) : undefined;
  const run = ([x]: readonly (Tensor | undefined)[]): Tensor => {
    const [, , inH, inW] = (x as Tensor).shape;
    // Per axis: the leading padding of the convolution this is the adjoint of, and the output size.
    const axis = (inSize: number, kk: number, s: number, d: number, op: number | null): [number, number, number] => {
      const span = (kk - 1) * d + 1;
      const target = transposedLength(inSize, span, s, padding, op);
      const before = padding === 'same' ? Math.floor(Math.max((inSize - 1) * s + span - target, 0) / 2) : 0;
      const excess = s * (inSize - 1) + span - before - target;
      return excess >= 0 ? [before, excess, 0] : [before, 0, -excess];
    };
    const [top, bottom, padH] = axis(inH, kH, strides[0], dilations[0], outputPadding?.[0] ?? null);
    const [left, right, padW] = axis(inW, kW, strides[1], dilations[1], outputPadding?.[1] ?? null);
    return convTranspose2d(x as Tensor, weight, bias, { groups: 1, strides, dilations, pads: [top, left, bottom, right], outputPadding: [padH, padW] });
  };
  return channelsFirst(node.name, [new FunctionLayer(`${node.name}/conv`, 'ConvTranspose', run, [null])], fusedActivation(ctx));
}
