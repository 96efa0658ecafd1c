// Numbers the views and exports derive from frames: dead ReLU units, per-layer averages of per-channel
// arrays, and how far the batch statistics stray from the running ones.

import type { LayerFrame, LayerSchema } from './types';

/** Activations whose zero output means the unit passed nothing (and no gradient) for the whole batch. */
const RELU_KINDS: ReadonlySet<string> = new Set(['ReLU', 'ReLU6']);

export function isReluKind(kind: string): boolean {
  return RELU_KINDS.has(kind);
}

export function isNormalizationKind(kind: string): boolean {
  return /Norm$/.test(kind);
}

/**
 * Fraction of a ReLU layer's channels (units) that output exactly zero for every sampled value of the
 * batch: the unit is dead for this batch (mean and variance of a non-negative channel are both 0 only
 * then). null for layers that are not ReLUs.
 */
export function deadFraction(layer: LayerFrame, schema: LayerSchema): number | null {
  if (!isReluKind(schema.kind)) return null;
  const { channelMean, channelVariance } = layer.output;
  if (channelMean.length === 0) return null;
  let dead = 0;
  for (let c = 0; c < channelMean.length; c++) if (channelMean[c] === 0 && channelVariance[c] === 0) dead++;
  return dead / channelMean.length;
}

export function average(values: Float32Array | undefined): number {
  if (!values || values.length === 0) return NaN;
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : NaN;
}

/**
 * How far this batch's statistics are from the running ones, averaged over channels, in units of the
 * running standard deviation: |batch mean − running mean| / √(running var + 1e-5). Small for large
 * batches, large for tiny ones (a batch of 2 gives a noisy mean). null without both statistics.
 */
export function batchRunningGap(layer: LayerFrame): number | null {
  const { batchMean, runningMean, runningVariance } = layer;
  if (!batchMean || !runningMean || !runningVariance) return null;
  let sum = 0;
  for (let c = 0; c < batchMean.length; c++) sum += Math.abs(batchMean[c] - runningMean[c]) / Math.sqrt(runningVariance[c] + 1e-5);
  return sum / batchMean.length;
}
