// Reductions over a set of axes (ONNX ReduceMean/Sum/Max/Min/Prod/L1/L2/SumSquare/LogSumExp), keeping
// the reduced axes as size 1 when keepdims; an empty axis list reduces every axis, unless
// noop_with_empty_axes asks for the identity (opset 18).

import { allocate, sizeOf, Tensor } from '../tensor';
import { asInteger, sameKind } from './dtype';
import { normalizeAxis, stridesOf } from './layout';

export type ReduceKind = 'Mean' | 'Sum' | 'Max' | 'Min' | 'Prod' | 'L1' | 'L2' | 'SumSquare' | 'LogSumExp';

const START: Record<ReduceKind, number> = { Mean: 0, Sum: 0, Max: -Infinity, Min: Infinity, Prod: 1, L1: 0, L2: 0, SumSquare: 0, LogSumExp: 0 };

export function reduce(x: Tensor, kind: ReduceKind, axes: readonly number[], keepDims: boolean): Tensor {
  const rank = x.rank;
  const set = new Set(axes.length ? axes.map((a) => normalizeAxis(a, rank, `Reduce${kind}`)) : x.shape.map((_, i) => i));
  const keptShape = x.shape.map((d, i) => (set.has(i) ? 1 : d));
  const count = sizeOf(x.shape.filter((_, i) => set.has(i)));
  const out = allocate(x.dtype, sizeOf(keptShape)).fill(START[kind]);
  // Walk the input in order; the output index drops the reduced axes' contribution.
  const outStrides = stridesOf(keptShape).map((s, i) => (set.has(i) ? 0 : s));
  const index = new Array<number>(rank).fill(0);
  let dst = 0;
  const max = kind === 'LogSumExp' ? reduce(x, 'Max', [...set], true).data : null;
  for (let i = 0; i < x.size; i++) {
    const v = x.data[i];
    switch (kind) {
      case 'Max': if (v > out[dst] || Number.isNaN(v)) out[dst] = v; break;
      case 'Min': if (v < out[dst] || Number.isNaN(v)) out[dst] = v; break;
      case 'Prod': out[dst] *= v; break;
      case 'L1': out[dst] += Math.abs(v); break;
      case 'L2': case 'SumSquare': out[dst] += v * v; break;
      case 'LogSumExp': out[dst] += Math.exp(v - (max as Float32Array | Float64Array)[dst]); break;
      default: out[dst] += v;
    }
    for (let d = rank - 1; d >= 0; d--) {
      dst += outStrides[d];
      if (++index[d] < x.shape[d]) break;
      dst -= outStrides[d] * x.shape[d];
      index[d] = 0;
    }
  }
  if (kind === 'Mean') for (let i = 0; i < out.length; i++) out[i] /= count;
  if (kind === 'L2') for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
  if (kind === 'LogSumExp') for (let i = 0; i < out.length; i++) out[i] = Math.log(out[i]) + (max as Float32Array | Float64Array)[i];
  const shape = keepDims ? keptShape : x.shape.filter((_, i) => !set.has(i));
  return sameKind(x, new Tensor(out, shape));
}

/** ArgMax/ArgMin along one axis (first occurrence unless selectLastIndex), as integers. */
export function argExtreme(x: Tensor, axis: number, keepDims: boolean, max: boolean, selectLastIndex: boolean): Tensor {
  const a = normalizeAxis(axis, x.rank, max ? 'ArgMax' : 'ArgMin');
  const dim = x.shape[a];
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let bestValue = x.data[o * dim * inner + i];
      for (let k = 1; k < dim; k++) {
        const v = x.data[(o * dim + k) * inner + i];
        const better = max ? v > bestValue || (selectLastIndex && v === bestValue) : v < bestValue || (selectLastIndex && v === bestValue);
        if (better) { best = k; bestValue = v; }
      }
      out[o * inner + i] = best;
    }
  }
  const shape = keepDims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  return asInteger(new Tensor(out, shape));
}
