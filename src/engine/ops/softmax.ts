// Softmax and LogSoftmax along one axis (opset 13 and later), or, as opsets 1–12 define them, over
// the input flattened to 2-D at `axis` (every axis from `axis` on is one row).

import { allocate, sizeOf, Tensor } from '../tensor';

export function softmax(x: Tensor, axis: number, opts: { log: boolean; coerce2d: boolean }): Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a < 0 || a >= Math.max(x.rank, 1)) throw new RangeError(`Softmax: axis ${axis} is out of range for rank ${x.rank}`);
  const outer = sizeOf(x.shape.slice(0, a));
  const dim = opts.coerce2d ? sizeOf(x.shape.slice(a)) : x.shape[a];
  const inner = opts.coerce2d ? 1 : sizeOf(x.shape.slice(a + 1));
  const out = allocate(x.dtype, x.size);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * dim * inner + i;
      let max = -Infinity;
      for (let k = 0; k < dim; k++) max = Math.max(max, d[base + k * inner]);
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += Math.exp(d[base + k * inner] - max);
      const logSum = Math.log(sum);
      for (let k = 0; k < dim; k++) {
        const shifted = d[base + k * inner] - max;
        out[base + k * inner] = opts.log ? shifted - logSum : Math.exp(shifted) / sum;
      }
    }
  }
  return new Tensor(out, x.shape);
}

/**
 * Local response normalization across channels (ONNX LRN, AlexNet/GoogLeNet-v1 era):
 * y = x / (bias + α/size · Σ x²)^β over the `size` channels centred on each one.
 */
export function lrn(x: Tensor, size: number, alpha: number, beta: number, bias: number): Tensor {
  if (x.rank < 2) throw new RangeError('LRN needs an [N, C, …] input');
  const [n, c] = x.shape;
  const spatial = sizeOf(x.shape.slice(2));
  const out = allocate(x.dtype, x.size);
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const lo = Math.max(0, ch - before);
      const hi = Math.min(c - 1, ch + after);
      for (let s = 0; s < spatial; s++) {
        let sq = 0;
        for (let k = lo; k <= hi; k++) {
          const v = x.data[(b * c + k) * spatial + s];
          sq += v * v;
        }
        const i = (b * c + ch) * spatial + s;
        out[i] = x.data[i] / Math.pow(bias + (alpha / size) * sq, beta);
      }
    }
  }
  return new Tensor(out, x.shape);
}
