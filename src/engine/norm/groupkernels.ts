// Normalization over groups of channels within one sample: GroupNorm (G groups of C/G channels) and
// InstanceNorm (G = C). The input [N, C, S…] is read as (1, N·G, C/G·S) for the statistics and as
// (1, N·C, S) for the per-channel affine, so both run on the channel kernels.
//
// With x̂ = (x − μ)·s per group of m = C/G·S values and g = γ_c·dy:
//   dx = s·(g − Σg/m − x̂·Σ(g·x̂)/m),  dγ_c = Σ dy·x̂,  dβ_c = Σ dy.

import type { Parameter } from '../layer';
import type { FloatArray } from '../tensor';
import type { ChannelLayout, NormKernels } from './kernels';
import { formatShape } from './layout';

export interface GroupGeometry {
  batch: number;
  channels: number;
  /** Positions per channel (product of the spatial dims). */
  spatial: number;
  groups: number;
}

/** Geometry of an [N, C, …] input. */
export function groupGeometry(shape: readonly number[], groups: number): GroupGeometry {
  let spatial = 1;
  for (let d = 2; d < shape.length; d++) spatial *= shape[d];
  return { batch: shape[0], channels: shape[1], spatial, groups };
}

export interface GroupStatistics {
  /** Per (sample, group). */
  mean: Float64Array;
  variance: Float64Array;
  invStd: Float64Array;
}

function perChannelLayout({ batch, channels, spatial }: GroupGeometry): ChannelLayout {
  return { outer: 1, channels: batch * channels, inner: spatial };
}

export function groupMoments(kernels: NormKernels<FloatArray>, x: FloatArray, geometry: GroupGeometry, eps: number): GroupStatistics {
  const { batch, channels, spatial, groups } = geometry;
  const count = batch * groups;
  const stats = { mean: new Float64Array(count), variance: new Float64Array(count), invStd: new Float64Array(count) };
  kernels.channelMoments(x, { outer: 1, channels: count, inner: (channels / groups) * spatial }, stats.mean, stats.variance);
  for (let k = 0; k < count; k++) stats.invStd[k] = 1 / Math.sqrt(stats.variance[k] + eps);
  return stats;
}

/** y = (x − μ_group)·s_group·γ_c + β_c. */
export function groupNormalize(
  kernels: NormKernels<FloatArray>, x: FloatArray, geometry: GroupGeometry, stats: GroupStatistics,
  gamma: FloatArray | undefined, beta: FloatArray | undefined, y: FloatArray,
): void {
  const { batch, channels, groups } = geometry;
  const perGroup = channels / groups;
  const scale = new Float64Array(batch * channels);
  const shift = new Float64Array(batch * channels);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const k = n * groups + Math.floor(c / perGroup);
      const a = (gamma ? gamma[c] : 1) * stats.invStd[k];
      scale[n * channels + c] = a;
      shift[n * channels + c] = (beta ? beta[c] : 0) - stats.mean[k] * a;
    }
  }
  kernels.channelAffine(x, perChannelLayout(geometry), scale, shift, y);
}

/** Returns dx and adds dγ, dβ into the parameters' gradients. */
export function groupBackward(
  kernels: NormKernels<FloatArray>, dy: FloatArray, x: FloatArray, geometry: GroupGeometry, stats: GroupStatistics,
  gamma: Parameter | undefined, beta: Parameter | undefined, dx: FloatArray,
): void {
  const { batch, channels, spatial, groups } = geometry;
  const perGroup = channels / groups;
  const rows = batch * channels;
  const groupOf = (n: number, c: number): number => n * groups + Math.floor(c / perGroup);
  const center = new Float64Array(rows);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) center[n * channels + c] = stats.mean[groupOf(n, c)];
  const sumDy = new Float64Array(rows);
  const sumDyCentered = new Float64Array(rows);
  const layout = perChannelLayout(geometry);
  kernels.channelGradientSums(dy, x, layout, center, sumDy, sumDyCentered);

  const g = gamma?.value.data;
  const sumG = new Float64Array(batch * groups);
  const sumGCentered = new Float64Array(batch * groups);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const r = n * channels + c;
      const k = groupOf(n, c);
      if (beta) beta.grad.data[c] += sumDy[r];
      if (gamma) gamma.grad.data[c] += sumDyCentered[r] * stats.invStd[k];
      const gc = g ? g[c] : 1;
      sumG[k] += gc * sumDy[r];
      sumGCentered[k] += gc * sumDyCentered[r];
    }
  }
  const m = perGroup * spatial;
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const d = new Float64Array(rows);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const r = n * channels + c;
      const k = groupOf(n, c);
      const s = stats.invStd[k];
      a[r] = (g ? g[c] : 1) * s;
      b[r] = (-s * s * s * sumGCentered[k]) / m;
      d[r] = (-s * sumG[k]) / m - b[r] * stats.mean[k];
    }
  }
  kernels.channelLinear(dy, x, layout, a, b, d, dx);
}

export function requireChannelsFirst(kind: string, name: string, shape: readonly number[], channels: number, minRank: number): void {
  if (shape.length < minRank) throw new RangeError(`${kind} ${name}: expected an [N, C, …] input of rank ≥ ${minRank}, got ${formatShape(shape)}`);
  if (shape[1] !== channels) throw new RangeError(`${kind} ${name} has ${channels} channels, its input ${formatShape(shape)} has ${shape[1]}`);
}
