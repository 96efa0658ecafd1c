// Which elements of a tensor the recorder reads. Per channel, the positions (over the batch and every
// other axis) are cut into samplesPerChannel equal strata and one seeded position is drawn in each:
// every part of the batch and of the image is represented, the offsets come out sorted (so the
// gather walks memory forwards), and the same positions are read at every step for a given shape.

import { createRng } from '../rng';
import type { FloatArray } from '../tensor';

export interface SamplePlan {
  readonly shape: readonly number[];
  /** -1 when the tensor is summarized as one channel. */
  readonly channelAxis: number;
  readonly channels: number;
  /** Elements between consecutive channels' first elements (the product of the dims after the channel axis). */
  readonly channelStride: number;
  /** Sampled positions, as offsets from a channel's first element: o·channels·stride + i. */
  readonly offsets: Uint32Array;
  /** Gathered values, channel after channel (channels × offsets.length). */
  readonly values: Float64Array;
}

export function planSample(shape: readonly number[], channelAxis: number, samplesPerChannel: number, seed: number): SamplePlan {
  let outer = 1;
  let stride = 1;
  const channels = channelAxis < 0 ? 1 : shape[channelAxis];
  if (channelAxis < 0) for (const d of shape) stride *= d;
  else {
    for (let d = 0; d < channelAxis; d++) outer *= shape[d];
    for (let d = channelAxis + 1; d < shape.length; d++) stride *= shape[d];
  }
  const positions = outer * stride;
  const count = Math.min(samplesPerChannel, positions);
  const offsets = new Uint32Array(count);
  const rng = createRng(seed);
  for (let j = 0; j < count; j++) {
    const start = Math.floor((j * positions) / count);
    const end = Math.floor(((j + 1) * positions) / count);
    const p = count === positions ? start : start + rng.int(end - start);
    offsets[j] = Math.floor(p / stride) * channels * stride + (p % stride);
  }
  return { shape: [...shape], channelAxis, channels, channelStride: stride, offsets, values: new Float64Array(channels * count) };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Copies the sampled elements of data into plan.values. */
export function gather(data: FloatArray, plan: SamplePlan): Float64Array {
  const { offsets, values, channels, channelStride } = plan;
  const count = offsets.length;
  for (let c = 0; c < channels; c++) {
    const base = c * channelStride;
    const row = c * count;
    for (let j = 0; j < count; j++) values[row + j] = data[base + offsets[j]];
  }
  return values;
}
