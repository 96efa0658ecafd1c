// Element-wise activations and Softmax, PyTorch semantics (including the gradient at kinks:
// ReLU'(0) = 0, LeakyReLU'(0) = slope, Clip passes the gradient only strictly inside (min, max) like
// hardtanh/ReLU6). Each layer keeps its input (and output where the derivative is cheaper from it).

import type { ForwardContext, Layer, Parameter } from '../layer';
import { Tensor, type FloatArray } from '../tensor';
import { expectInputs, expectShape, saved } from './common';
import { erf } from './erf';

abstract class ElementwiseActivation implements Layer {
  abstract readonly kind: string;
  readonly name: string;
  private state: { x: Tensor; y: Tensor } | undefined;

  constructor(name: string) {
    this.name = name;
  }

  /** y[i] = f(x[i]). */
  protected abstract apply(x: FloatArray, y: FloatArray): void;
  /** dx[i] = dy[i]·f′(x[i]) (y = f(x) is given too). */
  protected abstract derive(x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void;

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const y = x.zerosLike();
    this.apply(x.data, y.data);
    this.state = { x, y };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { x, y } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, x.shape);
    const dx = x.zerosLike();
    this.derive(x.data, y.data, gradOutput.data, dx.data);
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

export class ReLU extends ElementwiseActivation {
  readonly kind = 'ReLU';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'relu');
  }
  // float32 goes through the bits, without a branch: on real activations (about half negative, in
  // no pattern) `x > 0 ? x : 0` mispredicts so often that it costs ~4× a convolution's output copy.
  // Same results as the float64 loop: a negative number (−0 and −∞ included) and NaN become +0.
  protected apply(x: FloatArray, y: FloatArray): void {
    if (x instanceof Float32Array && y instanceof Float32Array) {
      const xi = bits(x), yi = bits(y);
      for (let i = 0; i < xi.length; i++) {
        const v = xi[i];
        yi[i] = v & ~(v >> 31) & ~nanMask(v);
      }
      return;
    }
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    if (x instanceof Float32Array && dy instanceof Float32Array && dx instanceof Float32Array) {
      const xi = bits(x), dyi = bits(dy), dxi = bits(dx);
      for (let i = 0; i < xi.length; i++) {
        const v = xi[i];
        // All ones when x > 0 (a positive, non-zero, non-NaN float is a positive int32 below 0x7f800001).
        dxi[i] = dyi[i] & ((-v >> 31) & ~(v >> 31) & ~nanMask(v));
      }
      return;
    }
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  }
}

/** The float32 array's bits, as int32 (same memory). */
function bits(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** All ones when the float32 with bits v is NaN, else 0. */
function nanMask(v: number): number {
  return (0x7f800000 - (v & 0x7fffffff)) >> 31;
}

export class LeakyReLU extends ElementwiseActivation {
  readonly kind = 'LeakyReLU';
  /** PyTorch negative_slope, default 0.01 (Keras' default alpha is 0.3: pass it when importing). */
  readonly negativeSlope: number;
  constructor(options: { negativeSlope?: number; name?: string } = {}) {
    super(options.name ?? 'leakyrelu');
    this.negativeSlope = options.negativeSlope ?? 0.01;
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    const s = this.negativeSlope;
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : s * x[i];
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    const s = this.negativeSlope;
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > 0 ? dy[i] : s * dy[i];
  }
}

/** Clamps to [min, max] (ONNX Clip, PyTorch hardtanh). */
export class Clip extends ElementwiseActivation {
  readonly kind: string = 'Clip';
  readonly min: number;
  readonly max: number;
  constructor(options: { min: number; max: number; name?: string }) {
    super(options.name ?? 'clip');
    if (!(options.min <= options.max)) throw new RangeError(`Clip: min ${options.min} > max ${options.max}`);
    this.min = options.min;
    this.max = options.max;
  }
  // float32 without a branch, as ReLU: the comparisons become 0/1 numbers (V8 emits no jump for
  // them) and masks pick x's, min's or max's bits. The same values as the float64 loop (NaN passes).
  protected apply(x: FloatArray, y: FloatArray): void {
    const { min, max } = this;
    if (x instanceof Float32Array && y instanceof Float32Array) {
      const xi = bits(x), yi = bits(y);
      const minBits = bits(Float32Array.of(min))[0], maxBits = bits(Float32Array.of(max))[0];
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        const below = -+(v < min), above = -+(v > max);
        yi[i] = (xi[i] & ~(below | above)) | (minBits & below) | (maxBits & above);
      }
      return;
    }
    for (let i = 0; i < x.length; i++) y[i] = x[i] < min ? min : x[i] > max ? max : x[i];
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    const { min, max } = this;
    if (x instanceof Float32Array && dy instanceof Float32Array && dx instanceof Float32Array) {
      const dyi = bits(dy), dxi = bits(dx);
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        dxi[i] = dyi[i] & -(+(v > min) & +(v < max));
      }
      return;
    }
    for (let i = 0; i < x.length; i++) dx[i] = x[i] > min && x[i] < max ? dy[i] : 0;
  }
}

/** min(max(x, 0), 6) (PyTorch nn.ReLU6 = hardtanh(0, 6)). */
export class ReLU6 extends Clip {
  override readonly kind = 'ReLU6';
  constructor(options: { name?: string } = {}) {
    super({ min: 0, max: 6, name: options.name ?? 'relu6' });
  }
}

export class Sigmoid extends ElementwiseActivation {
  readonly kind = 'Sigmoid';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'sigmoid');
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = sigmoid(x[i]);
  }
  protected derive(_x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    for (let i = 0; i < y.length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
  }
}

export class Tanh extends ElementwiseActivation {
  readonly kind = 'Tanh';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'tanh');
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  }
  protected derive(_x: FloatArray, y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    for (let i = 0; i < y.length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  }
}

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_TANH_C = 0.044715;

/**
 * GELU (Hendrycks & Gimpel). approximate 'none' (default): x·Φ(x) with the exact normal CDF;
 * 'tanh': 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) — PyTorch's nn.GELU(approximate=…).
 */
export class GELU extends ElementwiseActivation {
  readonly kind = 'GELU';
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh'; name?: string } = {}) {
    super(options.name ?? 'gelu');
    this.approximate = options.approximate ?? 'none';
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    if (this.approximate === 'tanh') {
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        y[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_C * v * v * v)));
      }
    } else {
      for (let i = 0; i < x.length; i++) y[i] = 0.5 * x[i] * (1 + erf(x[i] * SQRT_HALF));
    }
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    if (this.approximate === 'tanh') {
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_TANH_C * v * v * v));
        const du = SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_C * v * v);
        dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
      }
    } else {
      for (let i = 0; i < x.length; i++) {
        const v = x[i];
        const cdf = 0.5 * (1 + erf(v * SQRT_HALF));
        const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
        dx[i] = dy[i] * (cdf + v * pdf);
      }
    }
  }
}

/** x·σ(x) (PyTorch nn.SiLU, a.k.a. swish). */
export class SiLU extends ElementwiseActivation {
  readonly kind = 'SiLU';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'silu');
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * sigmoid(x[i]);
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    for (let i = 0; i < x.length; i++) {
      const s = sigmoid(x[i]);
      dx[i] = dy[i] * s * (1 + x[i] * (1 - s));
    }
  }
}

/** Logistic function without overflow for large |x|. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Softmax along one axis (default the last), max-subtracted for stability. */
export class Softmax implements Layer {
  readonly kind = 'Softmax';
  readonly name: string;
  readonly axis: number;
  private state: { y: Tensor; outer: number; size: number; inner: number } | undefined;

  constructor(options: { axis?: number; name?: string } = {}) {
    this.axis = options.axis ?? -1;
    this.name = options.name ?? 'softmax';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const axis = this.axis < 0 ? this.axis + x.rank : this.axis;
    if (axis < 0 || axis >= x.rank) throw new RangeError(`Softmax: axis ${this.axis} out of range for rank ${x.rank}`);
    const size = x.shape[axis];
    const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = x.size / (size * inner);
    const y = x.zerosLike();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let max = -Infinity;
        for (let k = 0; k < size; k++) max = Math.max(max, x.data[base + k * inner]);
        let sum = 0;
        for (let k = 0; k < size; k++) {
          const e = Math.exp(x.data[base + k * inner] - max);
          y.data[base + k * inner] = e;
          sum += e;
        }
        for (let k = 0; k < size; k++) y.data[base + k * inner] /= sum;
      }
    }
    this.state = { y, outer, size, inner };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { y, outer, size, inner } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, y.shape);
    const dy = gradOutput.data;
    const dx = y.zerosLike();
    // dx = y ⊙ (dy − Σ_k dy_k·y_k)
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * size * inner + i;
        let dot = 0;
        for (let k = 0; k < size; k++) dot += dy[base + k * inner] * y.data[base + k * inner];
        for (let k = 0; k < size; k++) {
          const idx = base + k * inner;
          dx.data[idx] = y.data[idx] * (dy[idx] - dot);
        }
      }
    }
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

/** x for x > 0, α·(eˣ − 1) otherwise (PyTorch nn.ELU, Keras elu; α defaults to 1). */
export class ELU extends ElementwiseActivation {
  readonly kind: string = 'ELU';
  readonly alpha: number;
  protected readonly gain: number;
  constructor(options: { alpha?: number; name?: string; gain?: number } = {}) {
    super(options.name ?? 'elu');
    this.alpha = options.alpha ?? 1;
    this.gain = options.gain ?? 1;
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    const { alpha, gain } = this;
    for (let i = 0; i < x.length; i++) y[i] = gain * (x[i] > 0 ? x[i] : alpha * Math.expm1(x[i]));
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    const { alpha, gain } = this;
    for (let i = 0; i < x.length; i++) dx[i] = dy[i] * gain * (x[i] > 0 ? 1 : alpha * Math.exp(x[i]));
  }
}

/** scale·ELU_α(x) with the self-normalizing constants of Klambauer et al. (PyTorch nn.SELU, Keras selu). */
export class SELU extends ELU {
  override readonly kind = 'SELU';
  constructor(options: { name?: string } = {}) {
    super({ name: options.name ?? 'selu', alpha: 1.6732632423543772, gain: 1.0507009873554805 });
  }
}

/** log(1 + eˣ), computed without overflow (PyTorch nn.Softplus with β = 1, Keras softplus). */
export class Softplus extends ElementwiseActivation {
  readonly kind = 'Softplus';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'softplus');
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    for (let i = 0; i < x.length; i++) dx[i] = dy[i] * sigmoid(x[i]);
  }
}

/**
 * clip(slope·x + offset, 0, 1). The frameworks disagree on the slope: PyTorch, ONNX's default for
 * HardSwish and Keras 3 use x/6 + 1/2; Keras 2, TF.js and ONNX HardSigmoid's default 0.2·x + 0.5.
 */
export class HardSigmoid extends ElementwiseActivation {
  readonly kind = 'HardSigmoid';
  readonly slope: number;
  readonly offset: number;
  constructor(options: { slope?: number; offset?: number; name?: string } = {}) {
    super(options.name ?? 'hardsigmoid');
    this.slope = options.slope ?? 1 / 6;
    this.offset = options.offset ?? 0.5;
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    const { slope, offset } = this;
    for (let i = 0; i < x.length; i++) y[i] = Math.min(1, Math.max(0, slope * x[i] + offset));
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    const { slope, offset } = this;
    for (let i = 0; i < x.length; i++) {
      const v = slope * x[i] + offset;
      dx[i] = v > 0 && v < 1 ? dy[i] * slope : 0;
    }
  }
}

/** x·clip(x/6 + 1/2, 0, 1) (PyTorch nn.Hardswish, Keras 3 hard_silu/hard_swish, MobileNetV3). */
export class HardSwish extends ElementwiseActivation {
  readonly kind = 'HardSwish';
  constructor(options: { name?: string } = {}) {
    super(options.name ?? 'hardswish');
  }
  protected apply(x: FloatArray, y: FloatArray): void {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * Math.min(1, Math.max(0, x[i] / 6 + 0.5));
  }
  protected derive(x: FloatArray, _y: FloatArray, dy: FloatArray, dx: FloatArray): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      dx[i] = dy[i] * (v <= -3 ? 0 : v >= 3 ? 1 : v / 3 + 0.5);
    }
  }
}
