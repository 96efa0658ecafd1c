// NumPy broadcasting for element-wise ops (ONNX Add, Mul, Where, Expand, …): shapes are aligned at
// their last axis, and a size-1 axis repeats to match the other.

import { allocate, sizeOf, Tensor, type DType } from '../tensor';

export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] !== 1) throw new RangeError(`shapes ${shapes.map((x) => `[${x.join(',')}]`).join(' and ')} do not broadcast`);
      out[o] = d;
    }
  }
  return out;
}

/** For each output position, the flat index into a tensor of `shape` broadcast to `outShape`. */
export function broadcastIndex(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  const size = sizeOf(outShape);
  if (sizeOf(shape) === size) return null; // same number of elements: the same layout (identity)
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const o = rank - shape.length + i;
    strides[o] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  const index = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let k = 0; k < size; k++) {
    index[k] = src;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      src += strides[d];
      if (counter[d] < outShape[d]) break;
      src -= strides[d] * outShape[d];
      counter[d] = 0;
    }
  }
  return index;
}

/** Float width of a result: float64 only when every operand is float64. */
export function resultDType(...ts: Tensor[]): DType {
  return ts.every((t) => t.dtype === 'float64') ? 'float64' : 'float32';
}

/** out[i] = f(a[i], b[i]) with broadcasting. */
export function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, dtype: DType = resultDType(a, b)): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = allocate(dtype, sizeOf(shape));
  const ad = a.data;
  const bd = b.data;
  if (a.size === out.length && b.size === out.length) {
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[i]);
  } else if (b.size === 1 && a.size === out.length) {
    const y = bd[0];
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], y);
  } else if (a.size === 1 && b.size === out.length) {
    const x = ad[0];
    for (let i = 0; i < out.length; i++) out[i] = f(x, bd[i]);
  } else if (a.size === out.length && blockOf(b.shape, shape)) {
    // The common case (a per-channel constant, a squeeze-excitation gate): b repeats in blocks.
    const { inner, period } = blockOf(b.shape, shape) as Block;
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[Math.floor(i / inner) % period]);
  } else {
    const ai = broadcastIndex(a.shape, shape);
    const bi = broadcastIndex(b.shape, shape);
    for (let i = 0; i < out.length; i++) out[i] = f(ad[ai ? ai[i] : i], bd[bi ? bi[i] : i]);
  }
  return new Tensor(out, shape);
}

interface Block { readonly inner: number; readonly period: number }

/**
 * When `shape`, aligned to `outShape`, is 1 everywhere except one contiguous run of axes where it
 * matches (e.g. [1, C, 1, 1] against [N, C, H, W]), element i of the output reads element
 * ⌊i / inner⌋ mod period of it.
 */
function blockOf(shape: readonly number[], outShape: readonly number[]): Block | null {
  const aligned = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const kept = aligned.map((d, i) => d !== 1 || outShape[i] === 1);
  const first = kept.indexOf(true);
  const last = kept.lastIndexOf(true);
  if (first < 0) return { inner: 1, period: 1 };
  for (let i = first; i <= last; i++) if (aligned[i] !== outShape[i]) return null;
  return { inner: sizeOf(outShape.slice(last + 1)), period: sizeOf(aligned.slice(first, last + 1)) };
}

/** `x` repeated to `shape` (ONNX Expand: the result has the broadcast of both shapes). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const outShape = broadcastShapes(x.shape, shape);
  const index = broadcastIndex(x.shape, outShape);
  if (!index) return new Tensor(x.data.slice(), outShape);
  const out = allocate(x.dtype, index.length);
  for (let i = 0; i < index.length; i++) out[i] = x.data[index[i]];
  return new Tensor(out, outShape);
}
