// A labelled classification dataset: samples stacked along the first axis of `x`, one integer class
// per sample in `y`. Helpers to take rows, split and standardize (statistics from the training split
// only, so nothing of the validation data leaks into training).

import type { Rng } from '../layer';
import { permutation } from '../rng';
import { Tensor } from '../tensor';

export interface Dataset {
  /** [samples, ...sampleShape]. */
  readonly x: Tensor;
  /** Class index of each sample. */
  readonly y: Int32Array;
  readonly numClasses: number;
  readonly featureNames?: readonly string[];
  readonly classNames?: readonly string[];
}

/** Uniform in [low, high). */
export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.next();
}

export function sampleCount(ds: Dataset): number {
  return ds.x.shape[0];
}

/** The samples at `indices`, in that order. */
export function takeRows(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const per = ds.x.size / ds.x.shape[0];
  const x = Tensor.zeros([indices.length, ...ds.x.shape.slice(1)], ds.x.dtype);
  const y = new Int32Array(indices.length);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    x.data.set(ds.x.data.subarray(i * per, (i + 1) * per), r * per);
    y[r] = ds.y[i];
  }
  return { ...ds, x, y };
}

/** A seeded random split; `validationFraction` of the samples (rounded) go to validation. */
export function splitDataset(ds: Dataset, validationFraction: number, rng: Rng): { train: Dataset; validation: Dataset } {
  if (!(validationFraction >= 0 && validationFraction < 1)) throw new RangeError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  const n = sampleCount(ds);
  const order = permutation(n, rng);
  const nVal = Math.round(n * validationFraction);
  return { train: takeRows(ds, order.subarray(nVal)), validation: takeRows(ds, order.subarray(0, nVal)) };
}

export interface Standardizer {
  /** Per feature (each position of the sample shape). */
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Per-feature mean and (population) standard deviation; constant features get std 1. */
export function fitStandardizer(train: Dataset): Standardizer {
  const n = sampleCount(train);
  const per = train.x.size / n;
  const mean = new Float64Array(per);
  const std = new Float64Array(per);
  for (let r = 0; r < n; r++) for (let f = 0; f < per; f++) mean[f] += train.x.data[r * per + f] / n;
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < per; f++) {
      const d = train.x.data[r * per + f] - mean[f];
      std[f] += (d * d) / n;
    }
  }
  for (let f = 0; f < per; f++) std[f] = std[f] > 0 ? Math.sqrt(std[f]) : 1;
  return { mean, std };
}

export function standardize(ds: Dataset, s: Standardizer): Dataset {
  const per = s.mean.length;
  const x = ds.x.clone();
  for (let i = 0; i < x.size; i++) x.data[i] = (x.data[i] - s.mean[i % per]) / s.std[i % per];
  return { ...ds, x };
}
