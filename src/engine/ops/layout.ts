// Ops that move values without computing on them (ONNX Transpose, Slice, Split, Concat, Gather, Pad,
// Tile, Squeeze/Unsqueeze): each keeps its input's element type. Negative axes count from the end.

import { permute } from '../layers/shape';
import { allocate, sizeOf, Tensor } from '../tensor';
import { sameKind } from './dtype';

export function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm && perm.length ? perm : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new RangeError(`Transpose: perm [${p.join(',')}] is not a permutation of the input's ${x.rank} axes`);
  }
  return sameKind(x, permute(x, p));
}

/** Product of dims before and after an axis. */
function around(shape: readonly number[], axis: number): { outer: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), inner: sizeOf(shape.slice(axis + 1)) };
}

export function concat(inputs: readonly Tensor[], axis: number): Tensor {
  if (inputs.length === 0) throw new RangeError('Concat needs at least one input');
  const rank = inputs[0].rank;
  const a = normalizeAxis(axis, rank, 'Concat');
  for (const x of inputs) {
    if (x.rank !== rank || x.shape.some((d, i) => i !== a && d !== inputs[0].shape[i])) {
      throw new RangeError(`Concat: shapes ${inputs.map((t) => `[${t.shape.join(',')}]`).join(', ')} differ off axis ${a}`);
    }
  }
  const shape = [...inputs[0].shape];
  shape[a] = inputs.reduce((s, x) => s + x.shape[a], 0);
  const out = allocate(inputs.every((x) => x.dtype === 'float64') ? 'float64' : 'float32', sizeOf(shape));
  const { outer, inner } = around(shape, a);
  const outRow = shape[a] * inner;
  let offset = 0;
  for (const x of inputs) {
    const row = x.shape[a] * inner;
    for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * row, (o + 1) * row), o * outRow + offset);
    offset += row;
  }
  return sameKind(inputs[0], new Tensor(out, shape));
}

/**
 * ONNX Slice: per listed axis, indices start, start+step, … up to (not including) end; negative
 * starts/ends count from the end and out-of-range ones are clamped, as in NumPy.
 */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  const rank = x.rank;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const shape = [...x.shape];
  starts.forEach((s, k) => {
    const a = normalizeAxis(axes?.[k] ?? k, rank, 'Slice');
    const dim = x.shape[a];
    const st = steps?.[k] ?? 1;
    if (st === 0) throw new RangeError('Slice: a step of 0');
    let b = s < 0 ? s + dim : s;
    let e = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (st > 0) {
      b = Math.min(Math.max(b, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
      shape[a] = Math.max(0, Math.ceil((e - b) / st));
    } else {
      b = Math.min(Math.max(b, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
      shape[a] = Math.max(0, Math.ceil((e - b) / st));
    }
    begin[a] = b;
    step[a] = st;
  });
  const out = allocate(x.dtype, sizeOf(shape));
  const strides = stridesOf(x.shape);
  const index = new Array<number>(rank).fill(0);
  let src = begin.reduce((s, b, d) => s + b * strides[d], 0);
  for (let o = 0; o < out.length; o++) {
    out[o] = x.data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += step[d] * strides[d];
      if (index[d] < shape[d]) break;
      src -= step[d] * strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return sameKind(x, new Tensor(out, shape));
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** ONNX Split: pieces along `axis` of the given sizes (or `count` equal pieces, the last one smaller when uneven, as Split-18). */
export function split(x: Tensor, axis: number, sizes: readonly number[] | null, count: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank, 'Split');
  const dim = x.shape[a];
  let parts = sizes ? [...sizes] : [];
  if (!sizes) {
    const each = Math.ceil(dim / count);
    parts = Array.from({ length: count }, (_, k) => Math.max(0, Math.min(each, dim - k * each)));
  }
  if (parts.reduce((s, v) => s + v, 0) !== dim) throw new RangeError(`Split: sizes [${parts.join(',')}] do not add up to ${dim}`);
  let at = 0;
  return parts.map((size) => {
    const piece = slice(x, [at], [at + size], [a]);
    at += size;
    return piece;
  });
}

/** ONNX Gather: indices into `axis` (negative ones count from the end); the result's shape splices the indices' shape in. */
export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank, 'Gather');
  const dim = x.shape[a];
  const { outer, inner } = around(x.shape, a);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  const out = allocate(x.dtype, sizeOf(shape));
  const n = indices.size;
  for (let k = 0; k < n; k++) {
    let i = indices.data[k];
    if (i < 0) i += dim;
    if (!(i >= 0 && i < dim)) throw new RangeError(`Gather: index ${indices.data[k]} is out of range for an axis of ${dim}`);
    for (let o = 0; o < outer; o++) {
      const src = (o * dim + i) * inner;
      out.set(x.data.subarray(src, src + inner), (o * n + k) * inner);
    }
  }
  return sameKind(x, new Tensor(out, shape));
}

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/** ONNX Pad: pads [begin_0, …, begin_r−1, end_0, …, end_r−1] (negative ones crop). */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode, value = 0): Tensor {
  const rank = x.rank;
  if (pads.length !== 2 * rank) throw new RangeError(`Pad: ${pads.length} pads for a rank-${rank} input (needs ${2 * rank})`);
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  if (shape.some((d) => d < 0)) throw new RangeError(`Pad: pads [${pads.join(',')}] crop more than [${x.shape.join(',')}] holds`);
  const out = allocate(x.dtype, sizeOf(shape));
  const inStrides = stridesOf(x.shape);
  const index = new Array<number>(rank).fill(0);
  const source = (d: number, i: number): number => {
    const n = x.shape[d];
    let s = i - pads[d];
    if (s >= 0 && s < n) return s;
    if (mode === 'constant' || n === 0) return -1;
    if (mode === 'edge') return s < 0 ? 0 : n - 1;
    if (mode === 'wrap') return ((s % n) + n) % n;
    if (n === 1) return 0;
    const period = 2 * (n - 1); // reflect without repeating the edge
    s = ((s % period) + period) % period;
    return s < n ? s : period - s;
  };
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    let inside = true;
    for (let d = 0; d < rank && inside; d++) {
      const s = source(d, index[d]);
      if (s < 0) inside = false;
      else src += s * inStrides[d];
    }
    out[o] = inside ? x.data[src] : value;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return sameKind(x, new Tensor(out, shape));
}

/** ONNX Tile: the input repeated repeats[d] times along each axis. */
export function tile(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length !== x.rank) throw new RangeError(`Tile: ${repeats.length} repeats for a rank-${x.rank} input`);
  const shape = x.shape.map((d, i) => d * repeats[i]);
  const out = allocate(x.dtype, sizeOf(shape));
  const inStrides = stridesOf(x.shape);
  const index = new Array<number>(x.rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < x.rank; d++) src += (index[d] % x.shape[d]) * inStrides[d];
    out[o] = x.data[src];
    for (let d = x.rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return sameKind(x, new Tensor(out, shape));
}

/** ONNX Reshape's target: 0 copies the input's dimension (unless allowzero), one −1 is inferred. */
export function reshapeTarget(inShape: readonly number[], target: readonly number[], allowZero = false): number[] {
  const shape = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  if (shape.some((d) => d === undefined)) throw new RangeError(`Reshape: target [${target.join(',')}] copies an axis the input [${inShape.join(',')}] lacks`);
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new RangeError(`Reshape: target [${target.join(',')}] has more than one -1`);
  const total = sizeOf(inShape);
  if (unknown === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    const inferred = known === 0 ? 0 : total / known;
    shape[shape.indexOf(-1)] = inferred;
  }
  if (sizeOf(shape) !== total || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`Reshape: cannot reshape [${inShape.join(',')}] to [${target.join(',')}]`);
  }
  return shape;
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return sameKind(x, new Tensor(x.data, shape));
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank + axes.length;
  const set = new Set(axes.map((a) => normalizeAxis(a, rank, 'Unsqueeze')));
  const shape: number[] = [];
  let k = 0;
  for (let d = 0; d < rank; d++) shape.push(set.has(d) ? 1 : x.shape[k++]);
  return reshape(x, shape);
}

export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const set = axes && axes.length ? new Set(axes.map((a) => normalizeAxis(a, x.rank, 'Squeeze'))) : null;
  if (set) for (const a of set) if (x.shape[a] !== 1) throw new RangeError(`Squeeze: axis ${a} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((d, i) => (set ? !set.has(i) : d !== 1)));
}

/** ONNX Flatten: a matrix of the dims before `axis` by the dims from it. */
export function flatten(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a > x.rank) throw new RangeError(`Flatten: axis ${axis} is out of range for rank ${x.rank}`);
  return reshape(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))]);
}

/** DepthToSpace (DCR or CRD order), as pixel-shuffle upsamplers export it. */
export function depthToSpace(x: Tensor, block: number, mode: 'DCR' | 'CRD'): Tensor {
  const [n, c, h, w] = x.shape;
  const oc = c / (block * block);
  const six = mode === 'DCR' ? reshape(x, [n, block, block, oc, h, w]) : reshape(x, [n, oc, block, block, h, w]);
  const moved = transpose(six, mode === 'DCR' ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3]);
  return reshape(moved, [n, oc, h * block, w * block]);
}
