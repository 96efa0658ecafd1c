// 2-D max and average pooling as ONNX defines them (1-D runs with height 1): asymmetric pads,
// dilations, ceil_mode (a last window may hang over the end, but must start inside the input or its
// left padding, PyTorch's rule that ONNX Runtime follows), and count_include_pad for the average. The
// max runs on the kernel backend (kernels().maxPool2d); the average here.

import { kernels } from '../kernels';
import { allocate, Tensor } from '../tensor';

export interface PoolSpec {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
}

function outSize(inSize: number, k: number, s: number, d: number, begin: number, end: number, ceil: boolean): number {
  const span = (k - 1) * d + 1;
  const exact = (inSize + begin + end - span) / s;
  let out = (ceil ? Math.ceil(exact) : Math.floor(exact)) + 1;
  if (ceil && (out - 1) * s >= inSize + begin) out--;
  if (out < 1) throw new RangeError(`pooling: input size ${inSize} is smaller than the (dilated) window ${span}`);
  return out;
}

/** Pads for auto_pad SAME_UPPER/SAME_LOWER: output ⌈in/stride⌉, the odd cell at the end (upper) or start (lower). */
export function samePads(inSize: number, k: number, s: number, d: number, lower: boolean): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

export function pool2d(x: Tensor, kind: 'max' | 'avg', spec: PoolSpec): Tensor {
  if (x.rank !== 4) throw new RangeError(`pooling expects [N, C, H, W], got [${x.shape.join(',')}]`);
  const [n, c, inH, inW] = x.shape;
  const [kH, kW] = spec.kernel;
  const [sH, sW] = spec.strides;
  const [dH, dW] = spec.dilations;
  const [pT, pL, pB, pR] = spec.pads;
  const outH = outSize(inH, kH, sH, dH, pT, pB, spec.ceilMode);
  const outW = outSize(inW, kW, sW, dW, pL, pR, spec.ceilMode);
  const out = allocate(x.dtype, n * c * outH * outW);
  if (kind === 'max') {
    const geometry = { channels: 1, inH, inW, kH, kW, strideH: sH, strideW: sW, padTop: pT, padLeft: pL, dilationH: dH, dilationW: dW, outH, outW };
    kernels().maxPool2d(geometry, n * c, x.data, out);
    return new Tensor(out, [n, c, outH, outW]);
  }
  const d = x.data;
  let o = 0;
  for (let plane = 0; plane < n * c; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * sH - pT;
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * sW - pL;
        let acc = 0;
        let valid = 0;
        for (let i = 0; i < kH; i++) {
          const h = h0 + i * dH;
          if (h < 0 || h >= inH) continue;
          for (let j = 0; j < kW; j++) {
            const w = w0 + j * dW;
            if (w < 0 || w >= inW) continue;
            const v = d[base + h * inW + w];
            acc += v;
            valid++;
          }
        }
        let divisor = valid;
        if (spec.countIncludePad) {
          // The window counted within the padded input (not the ceil_mode overhang beyond it).
          const hEnd = Math.min(h0 + (kH - 1) * dH + 1, inH + pB);
          const wEnd = Math.min(w0 + (kW - 1) * dW + 1, inW + pR);
          divisor = Math.ceil((hEnd - h0) / dH) * Math.ceil((wEnd - w0) / dW);
        }
        out[o] = acc / divisor;
      }
    }
  }
  return new Tensor(out, [n, c, outH, outW]);
}

/** GlobalMaxPool / GlobalAveragePool: one value per channel, the spatial axes kept as size 1. */
export function globalPool(x: Tensor, kind: 'max' | 'avg'): Tensor {
  if (x.rank < 3) throw new RangeError(`global pooling expects [N, C, …spatial], got [${x.shape.join(',')}]`);
  const [n, c] = x.shape;
  const spatial = x.size / (n * c);
  const out = allocate(x.dtype, n * c);
  for (let p = 0; p < n * c; p++) {
    let acc = kind === 'max' ? -Infinity : 0;
    for (let i = 0; i < spatial; i++) {
      const v = x.data[p * spatial + i];
      acc = kind === 'max' ? (v > acc ? v : acc) : acc + v;
    }
    out[p] = kind === 'max' ? acc : acc / spatial;
  }
  return new Tensor(out, [n, c, ...x.shape.slice(2).map(() => 1)]);
}
