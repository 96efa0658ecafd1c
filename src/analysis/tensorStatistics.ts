// Summary statistics of a tensor, pooled and per channel, in float64 and in two passes (the mean
// first, then squared deviations), since E[x²] − E[x]² loses every digit when the mean is large.

import type { Tensor } from '../engine/tensor';

export interface TensorStatistics {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Population (biased) standard deviation, as BN's normalization uses. */
  readonly std: number;
  /** Per channel along the channel axis: mean and biased variance. */
  readonly channelMean: Float64Array;
  readonly channelVar: Float64Array;
}

/** Visits the tensor as [outer, channels, inner] blocks: f(channel, start, end) for each contiguous run. */
function forEachRun(shape: readonly number[], axis: number, f: (c: number, start: number, end: number) => void): void {
  const channels = shape[axis] ?? 1;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const start = (o * channels + c) * inner;
      f(c, start, start + inner);
    }
  }
}

export function summarizeTensor(t: Tensor, channelAxis: number): TensorStatistics {
  const axis = channelAxis < 0 ? channelAxis + t.rank : channelAxis;
  const channels = t.shape[axis] ?? 1;
  const data = t.data;
  const perChannel = data.length / channels;
  const channelMean = new Float64Array(channels);
  const channelVar = new Float64Array(channels);
  let min = Infinity;
  let max = -Infinity;
  forEachRun(t.shape, axis, (c, start, end) => {
    let s = 0;
    for (let i = start; i < end; i++) {
      const v = data[i];
      s += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    channelMean[c] += s;
  });
  let total = 0;
  for (let c = 0; c < channels; c++) {
    total += channelMean[c];
    channelMean[c] /= perChannel;
  }
  const mean = total / data.length;
  let pooledSq = 0;
  forEachRun(t.shape, axis, (c, start, end) => {
    const m = channelMean[c];
    let s = 0;
    let p = 0;
    for (let i = start; i < end; i++) {
      const d = data[i] - m;
      s += d * d;
      const e = data[i] - mean;
      p += e * e;
    }
    channelVar[c] += s;
    pooledSq += p;
  });
  for (let c = 0; c < channels; c++) channelVar[c] /= perChannel;
  return { min, max, mean, std: Math.sqrt(pooledSq / data.length), channelMean, channelVar };
}
