// Element-wise math on whole tensors: unary functions (activations among them) and binary ops with
// NumPy broadcasting. Integer tensors (see ./dtype) stay integer, and integer division truncates as
// ONNX Runtime's does.

import { erf } from '../layers/erf';
import { allocate, sizeOf, Tensor } from '../tensor';
import { binary, broadcastIndex, broadcastShapes, resultDType } from './broadcast';
import { asInteger, isInteger, sameKind } from './dtype';

export type Unary = (x: number) => number;

/** y[i] = f(x[i]), same dtype (and integer-ness) as x. */
export function map(x: Tensor, f: Unary): Tensor {
  const out = allocate(x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = f(d[i]);
  return sameKind(x, new Tensor(out, x.shape));
}

const sigmoid: Unary = (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
/** log(1 + e^v) without overflow for large v. */
const softplus: Unary = (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The parameter-free unary functions, by ONNX operator name. */
export const UNARY: Readonly<Record<string, Unary>> = {
  Abs: Math.abs,
  Neg: (v) => -v,
  Sqrt: Math.sqrt,
  Reciprocal: (v) => 1 / v,
  Exp: Math.exp,
  Log: Math.log,
  Erf: erf,
  Floor: Math.floor,
  Ceil: Math.ceil,
  // ONNX Round rounds half to even.
  Round: (v) => { const r = Math.round(v); return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; },
  Sign: Math.sign,
  Sin: Math.sin,
  Cos: Math.cos,
  Relu: (v) => (v > 0 ? v : 0),
  Sigmoid: sigmoid,
  Tanh: Math.tanh,
  Softplus: softplus,
  Softsign: (v) => v / (1 + Math.abs(v)),
  Mish: (v) => v * Math.tanh(softplus(v)),
  HardSwish: (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)),
  Not: (v) => (v ? 0 : 1),
  IsNaN: (v) => (Number.isNaN(v) ? 1 : 0),
};

export const hardSigmoid = (alpha: number, beta: number): Unary => (v) => Math.max(0, Math.min(1, alpha * v + beta));
export const elu = (alpha: number): Unary => (v) => (v > 0 ? v : alpha * Math.expm1(v));
export const selu = (alpha: number, gamma: number): Unary => (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v));
export const leakyRelu = (alpha: number): Unary => (v) => (v >= 0 ? v : alpha * v);
export const thresholdedRelu = (alpha: number): Unary => (v) => (v > alpha ? v : 0);
export const celu = (alpha: number): Unary => (v) => Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha));
export const gelu = (approximate: 'none' | 'tanh'): Unary => approximate === 'tanh'
  ? (v) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)))
  : (v) => 0.5 * v * (1 + erf(v * SQRT_HALF));
/** ONNX Clip: NaN passes through; min above max gives max (numpy.clip's order). */
export const clip = (min: number, max: number): Unary => (v) => (v < min ? (min > max ? max : min) : v > max ? max : v);

export type Binary = (x: number, y: number) => number;

/**
 * clip(min, max) over a whole tensor. float32 runs without a branch (the comparisons become 0/1
 * numbers and masks pick the bits of x, min or max): ReLU6 activations are about half clipped in no
 * pattern, where `v < min ? …` mispredicts and a per-element function call costs more still.
 */
export function clipTensor(x: Tensor, min: number, max: number): Tensor {
  const d = x.data;
  if (!(d instanceof Float32Array) || !(min <= max)) return map(x, clip(min, max));
  const out = new Float32Array(d.length);
  const xi = new Int32Array(d.buffer, d.byteOffset, d.length), yi = new Int32Array(out.buffer);
  const minBits = new Int32Array(Float32Array.of(min).buffer)[0], maxBits = new Int32Array(Float32Array.of(max).buffer)[0];
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    const below = -+(v < min), above = -+(v > max);
    yi[i] = (xi[i] & ~(below | above)) | (minBits & below) | (maxBits & above);
  }
  return new Tensor(out, x.shape);
}

const SAME_SHAPE_F32: Readonly<Record<string, (a: Float32Array, b: Float32Array, out: Float32Array) => void>> = {
  Add: (a, b, out) => { for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i]; },
  Sub: (a, b, out) => { for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i]; },
  Mul: (a, b, out) => { for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i]; },
  Div: (a, b, out) => { for (let i = 0; i < out.length; i++) out[i] = a[i] / b[i]; },
};

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
}

const intDiv: Binary = (x, y) => Math.trunc(x / y);
const intMod: Binary = (x, y) => { const r = x % y; return r !== 0 && (r < 0) !== (y < 0) ? r + y : r; };

/** The binary ops by ONNX operator name; comparisons give 0/1. */
export const BINARY: Readonly<Record<string, Binary>> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => x / y,
  Pow: Math.pow,
  Max: Math.max,
  Min: Math.min,
  Equal: (x, y) => (x === y ? 1 : 0),
  Less: (x, y) => (x < y ? 1 : 0),
  LessOrEqual: (x, y) => (x <= y ? 1 : 0),
  Greater: (x, y) => (x > y ? 1 : 0),
  GreaterOrEqual: (x, y) => (x >= y ? 1 : 0),
  And: (x, y) => (x && y ? 1 : 0),
  Or: (x, y) => (x || y ? 1 : 0),
  Xor: (x, y) => ((x ? 1 : 0) ^ (y ? 1 : 0)),
};

const COMPARISONS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/**
 * a (op) b with broadcasting; integer operands give an integer result (Div truncates). Mod takes the
 * divisor's sign (Python's %) on integers unless `fmod`, and C's fmod (the dividend's sign) otherwise.
 */
export function applyBinary(op: string, a: Tensor, b: Tensor, fmod = false): Tensor {
  const ints = isInteger(a) && isInteger(b);
  if (COMPARISONS.has(op)) return binary(a, b, BINARY[op], 'float32');
  if (op === 'Mod') return sameKind(a, binary(a, b, ints && !fmod ? intMod : (x, y) => x % y));
  const direct = SAME_SHAPE_F32[op];
  // Float32 operands of one shape (a residual block's Add): a plain loop, no index arithmetic or call per element.
  if (direct && a.data instanceof Float32Array && b.data instanceof Float32Array && sameShape(a, b)) {
    const out = new Float32Array(a.size);
    direct(a.data, b.data, out);
    return new Tensor(out, a.shape);
  }
  const f = ints && op === 'Div' ? intDiv : BINARY[op];
  if (!f) throw new RangeError(`no element-wise op '${op}'`);
  // Pow keeps the base's type (ONNX allows an integer exponent on a float base).
  const dtype = op === 'Pow' ? a.dtype : resultDType(a, b);
  const out = binary(a, b, f, dtype);
  return ints || (op === 'Pow' && isInteger(a)) ? sameKind(a, out) : out;
}

/** Sum, Mean, Max, Min over any number of inputs (ONNX variadic ops), with broadcasting. */
export function variadic(op: 'Sum' | 'Mean' | 'Max' | 'Min', inputs: readonly Tensor[]): Tensor {
  if (inputs.length === 0) throw new RangeError(`${op} needs at least one input`);
  const f = op === 'Max' ? BINARY.Max : op === 'Min' ? BINARY.Min : BINARY.Add;
  let acc = inputs[0];
  for (let k = 1; k < inputs.length; k++) acc = sameKind(inputs[0], binary(acc, inputs[k], f));
  if (inputs.length === 1) acc = acc.clone();
  if (op === 'Mean') for (let i = 0; i < acc.size; i++) acc.data[i] /= inputs.length;
  return acc;
}

/** ONNX Where: cond ? x : y, all three broadcast. */
export function where(cond: Tensor, x: Tensor, y: Tensor): Tensor {
  const shape = broadcastShapes(cond.shape, x.shape, y.shape);
  const [ci, xi, yi] = [cond, x, y].map((t) => broadcastIndex(t.shape, shape));
  const out = allocate(x.dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    out[i] = cond.data[ci ? ci[i] : i] ? x.data[xi ? xi[i] : i] : y.data[yi ? yi[i] : i];
  }
  return sameKind(x, new Tensor(out, shape));
}

/** PRelu: x where x ≥ 0, slope·x elsewhere; the slope broadcasts to x. */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  return binary(x, slope, (v, s) => (v < 0 ? s * v : v), x.dtype);
}

/** ONNX Cast to a float type (float32/float64) or to an integer or bool type (rounded toward zero). */
export function cast(x: Tensor, to: 'float32' | 'float64' | 'integer' | 'bool'): Tensor {
  if (to === 'float32' || to === 'float64') return Tensor.fromArray(x.data, x.shape, to);
  if (to === 'bool') return map(Tensor.fromArray(x.data, x.shape, 'float32'), (v) => (v ? 1 : 0));
  const out = Tensor.fromArray(x.data, x.shape, 'float64');
  for (let i = 0; i < out.size; i++) out.data[i] = Math.trunc(out.data[i]);
  return asInteger(out);
}
