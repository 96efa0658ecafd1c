// Statistics of a gathered sample: min, max, mean, std, zero and saturation fractions, a fixed-edge
// histogram and per-channel moments, in one pass over the values.

import type { Histogram, TensorSummary } from './types';
import type { SamplePlan } from './sampling';

/**
 * When a value counts as saturated. 'magnitude': |x| ≥ threshold — for a normalized tensor feeding a
 * tanh- or sigmoid-like activation, the flat tails (tanh'(3) < 0.01). 'bounds': x ≤ low or x ≥ high
 * — for outputs of clipping activations at their clip values (ReLU6: 0 and 6, hardtanh: −1 and 1).
 */
export type SaturationRule =
  | { readonly kind: 'magnitude'; readonly threshold: number }
  | { readonly kind: 'bounds'; readonly low: number; readonly high: number };

/** The central share of the first sample that the histogram range covers; the rest is under/overflow. */
const EDGE_QUANTILES = [0.005, 0.995] as const;
/** Margin added on each side of the quantile range, as a share of its width. */
const EDGE_MARGIN = 0.1;

/**
 * bins + 1 equal-width edges over the [0.5%, 99.5%] quantile range of the finite values, widened by
 * 10% each side: outliers of the first step do not stretch the range, later steps can drift a little
 * before values land in under/overflow, and a normal sample keeps ~99.8% inside (±3.09σ). A constant
 * sample gets [v − 0.5, v + 0.5].
 */
export function histogramEdges(values: Float64Array, bins: number): Float64Array {
  const finite = values.filter((v) => Number.isFinite(v)).sort();
  let low = 0;
  let high = 0;
  if (finite.length > 0) {
    low = finite[Math.floor(EDGE_QUANTILES[0] * (finite.length - 1))];
    high = finite[Math.ceil(EDGE_QUANTILES[1] * (finite.length - 1))];
  }
  if (high > low) {
    const margin = (high - low) * EDGE_MARGIN;
    low -= margin;
    high += margin;
  } else {
    low -= 0.5;
    high += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = low + ((high - low) * i) / bins;
  return edges;
}

export function summarize(plan: SamplePlan, edges: Float64Array, saturation: SaturationRule): TensorSummary {
  const { values, channels, offsets } = plan;
  const perChannel = offsets.length;
  const bins = edges.length - 1;
  const low = edges[0];
  const high = edges[bins];
  const binScale = bins / (high - low);
  // Four interleaved histograms, summed at the end: consecutive values often fall in the same bin, and
  // one array's increments would then wait on each other.
  const lanes = new Uint32Array(4 * bins);
  let underflow = 0;
  let overflow = 0;
  const satLow = saturation.kind === 'magnitude' ? -saturation.threshold : saturation.low;
  const satHigh = saturation.kind === 'magnitude' ? saturation.threshold : saturation.high;
  const channelMean = new Float64Array(channels);
  const channelVariance = new Float64Array(channels);
  const channelCount = new Uint32Array(channels);
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  let saturated = 0;
  let nonFinite = 0;
  let n = 0;
  let totalSum = 0;
  for (let c = 0; c < channels; c++) {
    const row = c * perChannel;
    let shift = NaN;
    let count = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let j = 0; j < perChannel; j++) {
      const v = values[row + j];
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      // Shifting by the channel's first value keeps the one-pass variance accurate when |mean| ≫ std.
      if (count === 0) shift = v;
      const d = v - shift;
      count++;
      sum += d;
      sumSquares += d * d;
      if (v < min) min = v;
      if (v > max) max = v;
      if (v === 0) zeros++;
      if (v <= satLow || v >= satHigh) saturated++;
      if (v < low) underflow++;
      else if (v > high) overflow++;
      else lanes[(j & 3) * bins + Math.min(((v - low) * binScale) | 0, bins - 1)]++;
    }
    const m = count > 0 ? sum / count : 0;
    channelMean[c] = count > 0 ? shift + m : NaN;
    channelVariance[c] = count > 0 ? Math.max(sumSquares / count - m * m, 0) : NaN;
    channelCount[c] = count;
    n += count;
    totalSum += count > 0 ? count * channelMean[c] : 0;
  }
  // Overall mean and variance from the channels' (Chan et al.: M2 = Σ n_c·(σ²_c + (μ_c − μ)²)).
  const mean = n > 0 ? totalSum / n : NaN;
  let m2 = 0;
  for (let c = 0; c < channels; c++) {
    if (channelCount[c] > 0) m2 += channelCount[c] * (channelVariance[c] + (channelMean[c] - mean) ** 2);
  }
  const counts = new Uint32Array(bins);
  for (let b = 0; b < bins; b++) counts[b] = lanes[b] + lanes[bins + b] + lanes[2 * bins + b] + lanes[3 * bins + b];
  const histogram: Histogram = { edges: edges.slice(), counts, underflow, overflow };
  return {
    shape: plan.shape,
    sampled: n,
    min: n > 0 ? min : NaN,
    max: n > 0 ? max : NaN,
    mean,
    std: n > 0 ? Math.sqrt(m2 / n) : NaN,
    zeroFraction: n > 0 ? zeros / n : NaN,
    saturatedFraction: n > 0 ? saturated / n : NaN,
    nonFinite,
    histogram,
    channelAxis: plan.channelAxis,
    channelMean,
    channelVariance,
  };
}
