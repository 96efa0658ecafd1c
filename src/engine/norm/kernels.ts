// The hot loops of every normalization layer, behind one small interface so that a WebAssembly SIMD
// backend can replace them later. All layers view their input as [outer, channels, inner] (row-major):
// element (o, c, i) sits at (o·channels + c)·inner + i. BatchNorm over NCHW is (N, C, H·W), over NHWC
// (N·H·W, C, 1); LayerNorm's rows are (1, rows, features); GroupNorm's groups are (1, N·G, C/G·H·W).
// Per-channel coefficients are Float64Array and sums are accumulated in double (JS arithmetic is double
// anyway), which keeps float32 results closer to the exact value than a float32 accumulator would.
//
// The float32 and float64 kernels are deliberately separate copies of the same code: V8 specializes a
// function on the typed-array kind it sees, and one function fed both Float32Array and Float64Array runs
// the float32 path ~40% slower. Loops are unrolled ×4 with independent accumulators, so that the adds do
// not wait on each other.

import type { DType, FloatArray } from '../tensor';

export interface ChannelLayout {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

export interface NormKernels<A extends FloatArray> {
  /** A zeroed array for results, in memory these kernels can work on (a parallel backend shares it with its threads). */
  allocate(length: number): A;
  /** Per-channel mean and biased variance of x over all outer × inner positions. */
  channelMoments(x: A, layout: ChannelLayout, mean: Float64Array, variance: Float64Array): void;
  /** y = x·scale[c] + shift[c]. x and y may be the same array. */
  channelAffine(x: A, layout: ChannelLayout, scale: Float64Array, shift: Float64Array, y: A): void;
  /** Per channel: sumDy[c] = Σ dy, sumDyCentered[c] = Σ dy·(x − center[c]). */
  channelGradientSums(dy: A, x: A, layout: ChannelLayout, center: Float64Array, sumDy: Float64Array, sumDyCentered: Float64Array): void;
  /** out = dy·a[c] + x·b[c] + d[c] (the shape of every normalization's input gradient). */
  channelLinear(dy: A, x: A, layout: ChannelLayout, a: Float64Array, b: Float64Array, d: Float64Array, out: A): void;
}

// ---------------------------------------------------------------------------------------------- float32

function moments32(x: Float32Array, { outer, channels, inner }: ChannelLayout, mean: Float64Array, variance: Float64Array): void {
  const count = outer * inner;
  if (inner === 1) {
    // Channels last: walk rows, accumulate per channel. Shifting by the first row keeps the one-pass
    // sum of squares accurate when |mean| ≫ std.
    mean.fill(0);
    variance.fill(0);
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) {
        const v = x[row + c] - x[c];
        mean[c] += v;
        variance[c] += v * v;
      }
    }
    for (let c = 0; c < channels; c++) {
      const m = mean[c] / count;
      mean[c] = x[c] + m;
      variance[c] = Math.max(variance[c] / count - m * m, 0);
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const shift = x[c * inner];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let o = 0; o < outer; o++) {
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        const v0 = x[i] - shift, v1 = x[i + 1] - shift, v2 = x[i + 2] - shift, v3 = x[i + 3] - shift;
        s0 += v0; s1 += v1; s2 += v2; s3 += v3;
        q0 += v0 * v0; q1 += v1 * v1; q2 += v2 * v2; q3 += v3 * v3;
      }
      for (; i < end; i++) {
        const v = x[i] - shift;
        s0 += v;
        q0 += v * v;
      }
    }
    const m = (s0 + s1 + s2 + s3) / count;
    mean[c] = shift + m;
    variance[c] = Math.max((q0 + q1 + q2 + q3) / count - m * m, 0);
  }
}

function affine32(x: Float32Array, { outer, channels, inner }: ChannelLayout, scale: Float64Array, shift: Float64Array, y: Float32Array): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) y[row + c] = x[row + c] * scale[c] + shift[c];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const a = scale[c], b = shift[c];
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        y[i] = x[i] * a + b;
        y[i + 1] = x[i + 1] * a + b;
        y[i + 2] = x[i + 2] * a + b;
        y[i + 3] = x[i + 3] * a + b;
      }
      for (; i < end; i++) y[i] = x[i] * a + b;
    }
  }
}

function gradientSums32(
  dy: Float32Array, x: Float32Array, { outer, channels, inner }: ChannelLayout,
  center: Float64Array, sumDy: Float64Array, sumDyCentered: Float64Array,
): void {
  if (inner === 1) {
    sumDy.fill(0);
    sumDyCentered.fill(0);
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) {
        const g = dy[row + c];
        sumDy[c] += g;
        sumDyCentered[c] += g * (x[row + c] - center[c]);
      }
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const mu = center[c];
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
    for (let o = 0; o < outer; o++) {
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        const d0 = dy[i], d1 = dy[i + 1], d2 = dy[i + 2], d3 = dy[i + 3];
        g0 += d0; g1 += d1; g2 += d2; g3 += d3;
        p0 += d0 * (x[i] - mu); p1 += d1 * (x[i + 1] - mu); p2 += d2 * (x[i + 2] - mu); p3 += d3 * (x[i + 3] - mu);
      }
      for (; i < end; i++) {
        g0 += dy[i];
        p0 += dy[i] * (x[i] - mu);
      }
    }
    sumDy[c] = g0 + g1 + g2 + g3;
    sumDyCentered[c] = p0 + p1 + p2 + p3;
  }
}

function linear32(
  dy: Float32Array, x: Float32Array, { outer, channels, inner }: ChannelLayout,
  a: Float64Array, b: Float64Array, d: Float64Array, out: Float32Array,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) out[row + c] = dy[row + c] * a[c] + x[row + c] * b[c] + d[c];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const ac = a[c], bc = b[c], dc = d[c];
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        out[i] = dy[i] * ac + x[i] * bc + dc;
        out[i + 1] = dy[i + 1] * ac + x[i + 1] * bc + dc;
        out[i + 2] = dy[i + 2] * ac + x[i + 2] * bc + dc;
        out[i + 3] = dy[i + 3] * ac + x[i + 3] * bc + dc;
      }
      for (; i < end; i++) out[i] = dy[i] * ac + x[i] * bc + dc;
    }
  }
}

// ---------------------------------------------------------------------------------------------- float64
// Line for line the float32 kernels above, with Float64Array.

function moments64(x: Float64Array, { outer, channels, inner }: ChannelLayout, mean: Float64Array, variance: Float64Array): void {
  const count = outer * inner;
  if (inner === 1) {
    mean.fill(0);
    variance.fill(0);
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) {
        const v = x[row + c] - x[c];
        mean[c] += v;
        variance[c] += v * v;
      }
    }
    for (let c = 0; c < channels; c++) {
      const m = mean[c] / count;
      mean[c] = x[c] + m;
      variance[c] = Math.max(variance[c] / count - m * m, 0);
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const shift = x[c * inner];
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let o = 0; o < outer; o++) {
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        const v0 = x[i] - shift, v1 = x[i + 1] - shift, v2 = x[i + 2] - shift, v3 = x[i + 3] - shift;
        s0 += v0; s1 += v1; s2 += v2; s3 += v3;
        q0 += v0 * v0; q1 += v1 * v1; q2 += v2 * v2; q3 += v3 * v3;
      }
      for (; i < end; i++) {
        const v = x[i] - shift;
        s0 += v;
        q0 += v * v;
      }
    }
    const m = (s0 + s1 + s2 + s3) / count;
    mean[c] = shift + m;
    variance[c] = Math.max((q0 + q1 + q2 + q3) / count - m * m, 0);
  }
}

function affine64(x: Float64Array, { outer, channels, inner }: ChannelLayout, scale: Float64Array, shift: Float64Array, y: Float64Array): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) y[row + c] = x[row + c] * scale[c] + shift[c];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const a = scale[c], b = shift[c];
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        y[i] = x[i] * a + b;
        y[i + 1] = x[i + 1] * a + b;
        y[i + 2] = x[i + 2] * a + b;
        y[i + 3] = x[i + 3] * a + b;
      }
      for (; i < end; i++) y[i] = x[i] * a + b;
    }
  }
}

function gradientSums64(
  dy: Float64Array, x: Float64Array, { outer, channels, inner }: ChannelLayout,
  center: Float64Array, sumDy: Float64Array, sumDyCentered: Float64Array,
): void {
  if (inner === 1) {
    sumDy.fill(0);
    sumDyCentered.fill(0);
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) {
        const g = dy[row + c];
        sumDy[c] += g;
        sumDyCentered[c] += g * (x[row + c] - center[c]);
      }
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const mu = center[c];
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
    for (let o = 0; o < outer; o++) {
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        const d0 = dy[i], d1 = dy[i + 1], d2 = dy[i + 2], d3 = dy[i + 3];
        g0 += d0; g1 += d1; g2 += d2; g3 += d3;
        p0 += d0 * (x[i] - mu); p1 += d1 * (x[i + 1] - mu); p2 += d2 * (x[i + 2] - mu); p3 += d3 * (x[i + 3] - mu);
      }
      for (; i < end; i++) {
        g0 += dy[i];
        p0 += dy[i] * (x[i] - mu);
      }
    }
    sumDy[c] = g0 + g1 + g2 + g3;
    sumDyCentered[c] = p0 + p1 + p2 + p3;
  }
}

function linear64(
  dy: Float64Array, x: Float64Array, { outer, channels, inner }: ChannelLayout,
  a: Float64Array, b: Float64Array, d: Float64Array, out: Float64Array,
): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const row = o * channels;
      for (let c = 0; c < channels; c++) out[row + c] = dy[row + c] * a[c] + x[row + c] * b[c] + d[c];
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const ac = a[c], bc = b[c], dc = d[c];
      let i = (o * channels + c) * inner;
      const end = i + inner;
      for (; i + 3 < end; i += 4) {
        out[i] = dy[i] * ac + x[i] * bc + dc;
        out[i + 1] = dy[i + 1] * ac + x[i + 1] * bc + dc;
        out[i + 2] = dy[i + 2] * ac + x[i + 2] * bc + dc;
        out[i + 3] = dy[i + 3] * ac + x[i + 3] * bc + dc;
      }
      for (; i < end; i++) out[i] = dy[i] * ac + x[i] * bc + dc;
    }
  }
}

export const float32Kernels: NormKernels<Float32Array> = {
  allocate: (length) => new Float32Array(length),
  channelMoments: moments32,
  channelAffine: affine32,
  channelGradientSums: gradientSums32,
  channelLinear: linear32,
};

export const float64Kernels: NormKernels<Float64Array> = {
  allocate: (length) => new Float64Array(length),
  channelMoments: moments64,
  channelAffine: affine64,
  channelGradientSums: gradientSums64,
  channelLinear: linear64,
};

/** One backend: kernels for each dtype. */
export interface NormKernelSet {
  readonly float32: NormKernels<Float32Array>;
  readonly float64: NormKernels<Float64Array>;
}

/** Plain JavaScript on the calling thread. */
export const jsKernels: NormKernelSet = { float32: float32Kernels, float64: float64Kernels };

let activeSet: NormKernelSet = jsKernels;

/**
 * Installs the kernels a BatchNorm built without its own uses from its next call on (the kernel
 * backend installs a NormThreadPool's with its threads); returns the previous set.
 */
export function setNormKernels(set: NormKernelSet): NormKernelSet {
  const previous = activeSet;
  activeSet = set;
  return previous;
}

/** A set's kernels for a dtype (the installed set's by default), typed for arrays of either kind (each is only ever handed its own kind). */
export function kernelsFor(dtype: DType, set: NormKernelSet = activeSet): NormKernels<FloatArray> {
  return (dtype === 'float64' ? set.float64 : set.float32) as NormKernels<FloatArray>;
}
