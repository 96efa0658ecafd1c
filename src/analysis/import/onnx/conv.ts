// Operators with weights: Conv (1-D and 2-D; groups, dilations, strides, every auto_pad) and Gemm
// become the engine's Conv1d/Conv2d and Dense layers, whose GEMM goes through the kernel interface;
// ConvTranspose and MatMul (any operands, batch broadcasting) are tensor functions on the same kernel.

import { Conv1d, Conv2d, Dense } from '../../../engine/layers';
import { convTranspose2d, convTransposeOutSize } from '../../../engine/ops/convTranspose';
import { gemm, matmul } from '../../../engine/ops/matmul';
import { createRng } from '../../../engine/rng';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, intsAttr, setValues, single, stringAttr, type Converter, type ConverterTable, type OnnxContext } from './context';

function autoPad(ctx: OnnxContext): 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER' {
  const v = stringAttr(ctx.node, 'auto_pad', 'NOTSET');
  if (v !== 'NOTSET' && v !== 'VALID' && v !== 'SAME_UPPER' && v !== 'SAME_LOWER') throw ctx.fail(`auto_pad '${v}' is not one ONNX defines`);
  return v;
}

const conv: Converter = (ctx) => {
  const { node, fail } = ctx;
  const w = ctx.weight(1, 'W');
  const bias = ctx.present(2) ? ctx.weight(2, 'B') : null;
  const [outC, inPerGroup, ...kernel] = w.shape;
  const groups = intAttr(node, 'group', 1);
  const pad = autoPad(ctx);
  const same = pad === 'SAME_UPPER' ? 'same' : pad === 'SAME_LOWER' ? 'same-lower' : pad === 'VALID' ? 'valid' : null;
  const common = { name: node.name, inChannels: inPerGroup * groups, outChannels: outC, groups, bias: bias !== null };
  let layer: Conv1d | Conv2d;
  if (kernel.length === 2) {
    const pads = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
    layer = new Conv2d({
      ...common, kernelSize: [kernel[0], kernel[1]],
      stride: (intsAttr(node, 'strides') ?? [1, 1]) as [number, number],
      dilation: (intsAttr(node, 'dilations') ?? [1, 1]) as [number, number],
      padding: same ?? [pads[0], pads[1], pads[2], pads[3]],
    }, createRng(0));
  } else if (kernel.length === 1) {
    const pads = intsAttr(node, 'pads') ?? [0, 0];
    layer = new Conv1d({
      ...common, kernelSize: kernel[0], stride: (intsAttr(node, 'strides') ?? [1])[0], dilation: (intsAttr(node, 'dilations') ?? [1])[0],
      padding: same ?? [pads[0], pads[1]],
    }, createRng(0));
  } else {
    throw fail(`a ${kernel.length}-d convolution; the engine has 1-d and 2-d convolutions`);
  }
  setValues(layer.weight.value, w, 'weight', fail);
  if (bias) setValues(layer.bias?.value, bias, 'bias', fail);
  return single(layer);
};

/** Pads [top, left, bottom, right] of a 2-D ConvTranspose from pads, output_shape or auto_pad. */
function transposePads(ctx: OnnxContext, x: Tensor, kernel: readonly number[], strides: number[], dilations: number[], outPad: number[]): [number, number, number, number] {
  const pad = autoPad(ctx);
  const outputShape = intsAttr(ctx.node, 'output_shape');
  if (!outputShape && (pad === 'NOTSET' || pad === 'VALID')) {
    const p = pad === 'VALID' ? [0, 0, 0, 0] : intsAttr(ctx.node, 'pads') ?? [0, 0, 0, 0];
    return [p[0], p[1], p[2], p[3]];
  }
  const result = [0, 0, 0, 0];
  for (let a = 0; a < 2; a++) {
    const inSize = x.shape[2 + a];
    const wanted = outputShape ? outputShape[outputShape.length - 2 + a] : inSize * strides[a];
    const total = convTransposeOutSize(inSize, kernel[a], strides[a], dilations[a], 0, 0, outPad[a]) - wanted;
    // ONNX's rule: SAME_UPPER crops the odd cell at the end, SAME_LOWER at the start.
    const small = Math.floor(total / 2);
    [result[a], result[a + 2]] = pad === 'SAME_LOWER' ? [total - small, small] : [small, total - small];
  }
  return [result[0], result[1], result[2], result[3]];
}

const convTranspose: Converter = (ctx) => {
  const { node, fail } = ctx;
  const w = ctx.weight(1, 'W');
  const bias = ctx.present(2) ? ctx.weight(2, 'B') : undefined;
  const spatial = w.rank - 2;
  if (spatial !== 1 && spatial !== 2) throw fail(`a ${spatial}-d transposed convolution; the engine has 1-d and 2-d ones`);
  const pick = (name: string, fallback: number): number[] => {
    const v = intsAttr(node, name) ?? new Array<number>(spatial).fill(fallback);
    return spatial === 1 ? [fallback === 0 ? 0 : 1, v[0]] : v;
  };
  const strides = pick('strides', 1);
  const dilations = pick('dilations', 1);
  const outPad = pick('output_padding', 0);
  const groups = intAttr(node, 'group', 1);
  // 1-D runs as 2-D with height 1.
  const w2 = spatial === 1 ? w.reshape([w.shape[0], w.shape[1], 1, w.shape[2]]) : w;
  const pads1d = spatial === 1 ? intsAttr(node, 'pads') : null;
  return { compute: ([x]) => {
    const t = x as Tensor;
    const x2 = spatial === 1 ? t.reshape([t.shape[0], t.shape[1], 1, t.shape[2]]) : t;
    const pads = pads1d ? [0, pads1d[0], 0, pads1d[1]] as [number, number, number, number] : transposePads(ctx, x2, w2.shape.slice(2), strides, dilations, outPad);
    const y = convTranspose2d(x2, w2, bias, { groups, strides: [strides[0], strides[1]], dilations: [dilations[0], dilations[1]], pads, outputPadding: [outPad[0], outPad[1]] });
    return spatial === 1 ? y.reshape([y.shape[0], y.shape[1], y.shape[3]]) : y;
  } };
};

/** Gemm: a Dense layer (x·Wᵀ + b) when B and C are weights and A is not transposed; else the general product. */
const gemmOp: Converter = (ctx) => {
  const { node, fail } = ctx;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const transA = intAttr(node, 'transA', 0) === 1;
  const transB = intAttr(node, 'transB', 0) === 1;
  const b = ctx.constant(1);
  const c = ctx.present(2) ? ctx.constant(2) : null;
  if (transA || !b || b.rank !== 2 || (ctx.present(2) && (!c || c.size === 0))) {
    return { compute: ([x, bb, cc]) => gemm(x as Tensor, bb as Tensor, cc, { alpha, beta, transA, transB }) };
  }
  const [outF, inF] = transB ? b.shape : [b.shape[1], b.shape[0]];
  if (c && c.size !== outF && c.size !== 1) {
    return { compute: ([x, bb, cc]) => gemm(x as Tensor, bb as Tensor, cc, { alpha, beta, transA, transB }) };
  }
  const layer = new Dense({ name: node.name, inFeatures: inF, outFeatures: outF, bias: c !== null }, createRng(0));
  const weight = new Float64Array(outF * inF);
  for (let o = 0; o < outF; o++) {
    for (let i = 0; i < inF; i++) weight[o * inF + i] = alpha * (transB ? b.data[o * inF + i] : b.data[i * outF + o]);
  }
  setValues(layer.weight.value, weight, 'weight', fail);
  if (c) setValues(layer.bias?.value, Float64Array.from({ length: outF }, (_, j) => beta * c.data[c.size === 1 ? 0 : j]), 'bias', fail);
  return single(layer);
};

export const CONV: ConverterTable = {
  Conv: conv,
  ConvTranspose: convTranspose,
  Gemm: gemmOp,
  MatMul: () => ({ compute: ([a, b]) => matmul(a as Tensor, b as Tensor) }),
};
