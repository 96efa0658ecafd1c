// Element-wise ONNX operators: binary ops with NumPy broadcasting, the variadic Sum/Mean/Max/Min,
// Where, parameter-free unary functions, and activations with attributes. Relu, LeakyRelu, Sigmoid,
// Tanh and Gelu become the engine's own activation layers (which have gradients).

import { GELU, LeakyReLU, ReLU, Sigmoid, Tanh } from '../../../engine/layers';
import {
  applyBinary, BINARY, celu, clip, elu, hardSigmoid, map, prelu, selu, thresholdedRelu, UNARY, variadic, where, type Unary,
} from '../../../engine/ops/elementwise';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, scalar, single, stringAttr, type Converter, type ConverterTable, type OnnxContext } from './context';

const binaryOp = (op: string): Converter => () => ({ compute: ([a, b]) => applyBinary(op, a as Tensor, b as Tensor) });

const variadicOp = (op: 'Sum' | 'Mean' | 'Max' | 'Min'): Converter => () => ({
  compute: (operands) => variadic(op, operands.filter((t): t is Tensor => t !== undefined)),
});

const unaryOp = (f: Unary): Converter => () => ({ compute: ([x]) => map(x as Tensor, f) });

/** A unary function whose parameters come from the node's attributes. */
const withAttributes = (f: (ctx: OnnxContext) => Unary): Converter => (ctx) => {
  const g = f(ctx);
  return { compute: ([x]) => map(x as Tensor, g) };
};

/** Clip-6 has min/max attributes; Clip-11 and later take them as optional inputs (maybe computed). */
const clipOp: Converter = ({ node, opset }) => {
  if (opset < 11) {
    const f = clip(floatAttr(node, 'min', -Infinity), floatAttr(node, 'max', Infinity));
    return { compute: ([x]) => map(x as Tensor, f) };
  }
  return { compute: ([x, min, max]) => map(x as Tensor, clip(scalar(min, -Infinity), scalar(max, Infinity))) };
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
