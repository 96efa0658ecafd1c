// ONNX Resize (opsets 10–19) and Upsample (7–9), nearest, (multi)linear and cubic, one axis at a time
// (both are separable). The coordinate transformation maps an output index back to the input:
// half_pixel (PyTorch align_corners=False, TF2), pytorch_half_pixel, align_corners, asymmetric
// (Upsample, TF1 nearest), tf_half_pixel_for_nn, half_pixel_symmetric.

import { allocate, sizeOf, Tensor } from '../tensor';
import { stridesOf } from './layout';

export type CoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'half_pixel_symmetric';
/** 'simple' is Resize-10 / Upsample: truncate when upsampling, round up when downsampling (ONNX Runtime). */
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

export interface ResizeSpec {
  readonly mode: 'nearest' | 'linear' | 'cubic';
  /** Cubic only: the kernel's a (ONNX default −0.75) and whether taps outside the input are dropped. */
  readonly cubicCoeffA: number;
  readonly excludeOutside: boolean;
  readonly coordinateMode: CoordinateMode;
  readonly nearestMode: NearestMode;
  /** Output size per axis. */
  readonly sizes: readonly number[];
  /** Scale per axis (output/input, as given or derived from the sizes). */
  readonly scales: readonly number[];
}

export const COORDINATE_MODES: readonly CoordinateMode[] = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'half_pixel_symmetric'];
export const NEAREST_MODES: readonly NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil', 'simple'];

function sourceCoordinate(mode: CoordinateMode, x: number, scale: number, inSize: number, outSize: number): number {
  switch (mode) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outSize === 1 ? 0 : (x * (inSize - 1)) / (outSize - 1);
    case 'asymmetric': return x / scale;
    case 'tf_half_pixel_for_nn': return (x + 0.5) / scale;
    case 'half_pixel_symmetric': {
      const adjustment = outSize / (scale * inSize);
      const offset = (inSize / 2) * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
  }
}

function nearestIndex(mode: NearestMode, v: number, downsampling: boolean): number {
  switch (mode) {
    case 'round_prefer_floor': return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil': return Math.round(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    case 'simple': return downsampling ? Math.ceil(v) : Math.trunc(v);
  }
}

/** Per output index along one axis: `taps` source indices and their weights (flattened). */
interface AxisPlan { readonly taps: number; readonly index: Int32Array; readonly weight: Float64Array }

/** Keys' cubic convolution kernel with parameter a (−0.75 in PyTorch and ONNX Runtime, −0.5 in TF). */
function cubicWeights(t: number, a: number): [number, number, number, number] {
  const w = (x: number): number => {
    const d = Math.abs(x);
    if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
    if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

function planAxis(spec: ResizeSpec, axis: number, inSize: number): AxisPlan {
  const outSize = spec.sizes[axis];
  const scale = spec.scales[axis];
  const taps = spec.mode === 'nearest' ? 1 : spec.mode === 'linear' ? 2 : 4;
  const index = new Int32Array(outSize * taps);
  const weight = new Float64Array(outSize * taps);
  const clampIndex = (i: number): number => Math.min(Math.max(i, 0), inSize - 1);
  for (let x = 0; x < outSize; x++) {
    const src = sourceCoordinate(spec.coordinateMode, x, scale, inSize, outSize);
    const o = x * taps;
    if (spec.mode === 'nearest') {
      index[o] = clampIndex(nearestIndex(spec.nearestMode, src, scale < 1));
      weight[o] = 1;
    } else if (spec.mode === 'linear') {
      const c = Math.min(Math.max(src, 0), inSize - 1);
      const f = Math.floor(c);
      index[o] = f;
      index[o + 1] = Math.min(f + 1, inSize - 1);
      weight[o] = 1 - (c - f);
      weight[o + 1] = c - f;
    } else {
      // Cubic: four taps around the source position, edges replicated; with exclude_outside the
      // taps outside the input get weight 0 and the rest are renormalized.
      const f = Math.floor(src);
      const w = cubicWeights(src - f, spec.cubicCoeffA);
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const i = f - 1 + k;
        const outside = i < 0 || i >= inSize;
        index[o + k] = clampIndex(i);
        weight[o + k] = spec.excludeOutside && outside ? 0 : w[k];
        total += weight[o + k];
      }
      if (spec.excludeOutside) for (let k = 0; k < 4; k++) weight[o + k] /= total;
    }
  }
  return { taps, index, weight };
}

function resizeAxis(x: Tensor, axis: number, plan: AxisPlan, outSize: number): Tensor {
  const shape = [...x.shape];
  shape[axis] = outSize;
  const inner = stridesOf(x.shape)[axis];
  const outer = sizeOf(x.shape.slice(0, axis));
  const inSize = x.shape[axis];
  const out = allocate(x.dtype, sizeOf(shape));
  const d = x.data;
  const { taps, index, weight } = plan;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < outSize; k++) {
      const dst = (o * outSize + k) * inner;
      for (let t = 0; t < taps; t++) {
        const w = weight[k * taps + t];
        if (w === 0) continue;
        const src = (o * inSize + index[k * taps + t]) * inner;
        for (let i = 0; i < inner; i++) out[dst + i] += d[src + i] * w;
      }
    }
  }
  return new Tensor(out, shape);
}

export function resize(x: Tensor, spec: ResizeSpec): Tensor {
  if (spec.sizes.length !== x.rank || spec.scales.length !== x.rank) {
    throw new RangeError(`Resize: ${spec.sizes.length} sizes for a rank-${x.rank} input [${x.shape.join(',')}]`);
  }
  let y = x;
  for (let axis = 0; axis < x.rank; axis++) {
    const inSize = x.shape[axis];
    if (spec.sizes[axis] === inSize && spec.scales[axis] === 1) continue;
    if (spec.sizes[axis] < 1) throw new RangeError(`Resize: axis ${axis} would have size ${spec.sizes[axis]}`);
    y = resizeAxis(y, axis, planAxis(spec, axis, inSize), spec.sizes[axis]);
  }
  return y === x ? x.clone() : y;
}
