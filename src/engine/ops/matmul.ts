// NumPy matmul (ONNX MatMul): the last two axes multiply as matrices, the leading ones broadcast; a
// 1-D operand is a row (first) or column (second) vector whose axis is dropped from the result. Each
// matrix product goes through the engine's GEMM kernel, so a faster backend speeds it up too.

import { kernels } from '../kernels';
import { allocate, sizeOf, Tensor } from '../tensor';
import { broadcastIndex, broadcastShapes, resultDType } from './broadcast';

export function matmul(a: Tensor, b: Tensor): Tensor {
  const a2 = a.rank === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? b.reshape([b.shape[0], 1]) : b;
  if (a2.rank < 2 || b2.rank < 2) throw new RangeError('MatMul needs operands of rank 1 or more');
  const [m, k] = a2.shape.slice(-2);
  const [k2, n] = b2.shape.slice(-2);
  if (k !== k2) throw new RangeError(`MatMul: [${a.shape.join(',')}] × [${b.shape.join(',')}]: inner sizes ${k} and ${k2} differ`);
  const batchShape = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  const batches = sizeOf(batchShape);
  // Which matrix of each operand feeds each batch entry (broadcasting over the batch axes).
  const aIndex = broadcastIndex(a2.shape.slice(0, -2), batchShape);
  const bIndex = broadcastIndex(b2.shape.slice(0, -2), batchShape);
  const out = allocate(resultDType(a, b), batches * m * n);
  const kern = kernels();
  for (let t = 0; t < batches; t++) {
    const ai = (aIndex ? aIndex[t] : t) * m * k;
    const bi = (bIndex ? bIndex[t] : t) * k * n;
    kern.gemm({
      m, n, k, a: a2.data.subarray(ai, ai + m * k), transA: false, b: b2.data.subarray(bi, bi + k * n), transB: false,
      c: out.subarray(t * m * n, (t + 1) * m * n), accumulate: false,
    });
  }
  const shape = [...batchShape, ...(a.rank === 1 ? [] : [m]), ...(b.rank === 1 ? [] : [n])];
  return new Tensor(out, shape);
}

/** ONNX Gemm: α·op(A)·op(B) + β·C with C broadcast to [M, N]. */
export function gemm(a: Tensor, b: Tensor, c: Tensor | undefined, opts: { alpha: number; beta: number; transA: boolean; transB: boolean }): Tensor {
  if (a.rank !== 2 || b.rank !== 2) throw new RangeError(`Gemm needs matrices, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  const [m, k] = opts.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = opts.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== k2) throw new RangeError(`Gemm: inner sizes ${k} and ${k2} differ`);
  const out = allocate(resultDType(a, b), m * n);
  kernels().gemm({ m, n, k, a: a.data, transA: opts.transA, b: b.data, transB: opts.transB, c: out, accumulate: false });
  if (opts.alpha !== 1) for (let i = 0; i < out.length; i++) out[i] *= opts.alpha;
  if (c && opts.beta !== 0) {
    const index = broadcastIndex(c.shape, broadcastShapes(c.shape, [m, n]));
    for (let i = 0; i < out.length; i++) out[i] += opts.beta * c.data[index ? index[i] : i];
  }
  return new Tensor(out, [m, n]);
}
