// ONNX Resize (opsets 10–19) and Upsample (7–9), nearest and (multi)linear, one axis at a time
// (both are separable). The coordinate transformation maps an output index back to the input:
// half_pixel (PyTorch align_corners=False, TF2), pytorch_half_pixel, align_corners, asymmetric
// (Upsample, TF1 nearest), tf_half_pixel_for_nn, half_pixel_symmetric.

import { allocate, sizeOf, Tensor } from '../tensor';
import { stridesOf } from './layout';

export type CoordinateMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'half_pixel_symmetric';
/** 'simple' is Resize-10 / Upsample: truncate when upsampling, round up when downsampling (ONNX Runtime). */
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

export interface ResizeSpec {
  readonly mode: 'nearest' | 'linear';
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

/** Per output index along one axis: up to two source indices and their weights. */
interface AxisPlan { lo: Int32Array; hi: Int32Array; wHi: Float64Array }

function planAxis(spec: ResizeSpec, axis: number, inSize: number): AxisPlan {
  const outSize = spec.sizes[axis];
  const scale = spec.scales[axis];
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const wHi = new Float64Array(outSize);
  for (let x = 0; x < outSize; x++) {
    const src = sourceCoordinate(spec.coordinateMode, x, scale, inSize, outSize);
    if (spec.mode === 'nearest') {
      const i = Math.min(Math.max(nearestIndex(spec.nearestMode, src, scale < 1), 0), inSize - 1);
      lo[x] = i;
      hi[x] = i;
    } else {
      const c = Math.min(Math.max(src, 0), inSize - 1);
      const f = Math.floor(c);
      lo[x] = f;
      hi[x] = Math.min(f + 1, inSize - 1);
      wHi[x] = c - f;
    }
  }
  return { lo, hi, wHi };
}

function resizeAxis(x: Tensor, axis: number, plan: AxisPlan, outSize: number): Tensor {
  const shape = [...x.shape];
  shape[axis] = outSize;
  const inner = stridesOf(x.shape)[axis];
  const outer = sizeOf(x.shape.slice(0, axis));
  const inSize = x.shape[axis];
  const out = allocate(x.dtype, sizeOf(shape));
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < outSize; k++) {
      const a = (o * inSize + plan.lo[k]) * inner;
      const b = (o * inSize + plan.hi[k]) * inner;
      const w = plan.wHi[k];
      const dst = (o * outSize + k) * inner;
      if (w === 0) for (let i = 0; i < inner; i++) out[dst + i] = d[a + i];
      else for (let i = 0; i < inner; i++) out[dst + i] = d[a + i] * (1 - w) + d[b + i] * w;
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
