// Element-wise ONNX operators: binary ops with NumPy broadcasting, the variadic Sum/Mean/Max/Min,
// Where, parameter-free unary functions, and activations with attributes. Relu, LeakyRelu, Sigmoid,
// Tanh and Gelu become the engine's own activation layers (which have gradients).

import { Clip, GELU, LeakyReLU, ReLU, Sigmoid, Tanh } from '../../../engine/layers';
import {
  applyBinary, BINARY, celu, clipTensor, elu, hardSigmoid, map, prelu, selu, thresholdedRelu, UNARY, variadic, where, type Unary,
} from '../../../engine/ops/elementwise';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, scalar, single, stringAttr, type Converter, type ConverterTable, type OnnxContext } from './context';

/**
 * Before opset 7, Add/Sub/Mul/Div broadcast only with broadcast=1, and `axis` says where B's axes
 * start in A (caffe2-era files: a per-channel B of shape [C] with axis=1); from 7 on, NumPy rules.
 */
const binaryOp = (op: string): Converter => ({ node, opset }) => {
  const legacyAxis = opset < 7 && intAttr(node, 'broadcast', 0) === 1 && typeof node.attributes.axis === 'number' ? node.attributes.axis : null;
  if (legacyAxis === null) return { compute: ([a, b]) => applyBinary(op, a as Tensor, b as Tensor) };
  return { compute: ([a, b]) => {
    const [x, y] = [a as Tensor, b as Tensor];
    const start = legacyAxis < 0 ? legacyAxis + x.rank : legacyAxis;
    const trailing = x.rank - start - y.rank;
    if (trailing < 0) throw new RangeError(`${op}: B of shape [${y.shape.join(',')}] does not fit A [${x.shape.join(',')}] from axis ${legacyAxis}`);
    return applyBinary(op, x, y.reshape([...y.shape, ...new Array<number>(trailing).fill(1)]));
  } };
};

const variadicOp = (op: 'Sum' | 'Mean' | 'Max' | 'Min'): Converter => () => ({
  compute: (operands) => variadic(op, operands.filter((t): t is Tensor => t !== undefined)),
});

const unaryOp = (f: Unary): Converter => () => ({ compute: ([x]) => map(x as Tensor, f) });

/** A unary function whose parameters come from the node's attributes. */
const withAttributes = (f: (ctx: OnnxContext) => Unary): Converter => (ctx) => {
  const g = f(ctx);
  return { compute: ([x]) => map(x as Tensor, g) };
};

/**
 * Clip-6 has min/max attributes; Clip-11 and later take them as optional inputs (maybe computed).
 * Bounds known at import time (min ≤ max) make the engine's Clip layer, which an inference pass folds
 * into the convolution before it (MobileNet's ReLU6); computed ones, a function of them.
 */
const clipOp: Converter = (ctx) => {
  const { node, opset } = ctx;
  /** The attribute before opset 11, else input i (absent: the fallback); null when only known at run time. */
  const bound = (i: number, name: string, fallback: number): number | null => {
    if (opset < 11) return floatAttr(node, name, fallback);
    if (!ctx.present(i)) return fallback;
    const t = ctx.constant(i);
    return t ? scalar(t, fallback) : null;
  };
  const min = bound(1, 'min', -Infinity);
  const max = bound(2, 'max', Infinity);
  if (min !== null && max !== null && min <= max) return single(new Clip({ name: node.name, min, max }));
  return { compute: ([x, lo, hi]) => clipTensor(x as Tensor, min ?? scalar(lo, -Infinity), max ?? scalar(hi, Infinity)) };
};

const binaries: Record<string, Converter> = Object.fromEntries(
  Object.keys(BINARY).filter((op) => op !== 'Max' && op !== 'Min').map((op) => [op, binaryOp(op)]),
);
const unaries: Record<string, Converter> = Object.fromEntries(
  Object.entries(UNARY).filter(([op]) => !['Relu', 'Sigmoid', 'Tanh'].includes(op)).map(([op, f]) => [op, unaryOp(f)]),
);

export const ELEMENTWISE: ConverterTable = {
  ...binaries,
  ...unaries,
  Sum: variadicOp('Sum'),
  Mean: variadicOp('Mean'),
  Max: variadicOp('Max'),
  Min: variadicOp('Min'),
  Mod: ({ node }) => {
    const fmod = intAttr(node, 'fmod', 0) === 1;
    return { compute: ([a, b]) => applyBinary('Mod', a as Tensor, b as Tensor, fmod) };
  },
  Where: () => ({ compute: ([c, x, y]) => where(c as Tensor, x as Tensor, y as Tensor) }),
  Clip: clipOp,
  PRelu: () => ({ compute: ([x, slope]) => prelu(x as Tensor, slope as Tensor) }),
  Relu: ({ node }) => single(new ReLU({ name: node.name })),
  Sigmoid: ({ node }) => single(new Sigmoid({ name: node.name })),
  Tanh: ({ node }) => single(new Tanh({ name: node.name })),
  LeakyRelu: ({ node }) => single(new LeakyReLU({ name: node.name, negativeSlope: floatAttr(node, 'alpha', 0.01) })),
  Gelu: ({ node }) => single(new GELU({ name: node.name, approximate: stringAttr(node, 'approximate', 'none') === 'tanh' ? 'tanh' : 'none' })),
  HardSigmoid: withAttributes(({ node }) => hardSigmoid(floatAttr(node, 'alpha', 0.2), floatAttr(node, 'beta', 0.5))),
  Elu: withAttributes(({ node }) => elu(floatAttr(node, 'alpha', 1))),
  Celu: withAttributes(({ node }) => celu(floatAttr(node, 'alpha', 1))),
  Selu: withAttributes(({ node }) => selu(floatAttr(node, 'alpha', 1.67326319217681884765625), floatAttr(node, 'gamma', 1.05070102214813232421875))),
  ThresholdedRelu: withAttributes(({ node }) => thresholdedRelu(floatAttr(node, 'alpha', 1))),
};
