// Whole convolutions in plain JavaScript over the GEMM and im2col of the same backend: one GEMM per
// image and group, the bias fused into it. The backward pass recomputes the columns instead of
// keeping them from the forward pass, trading a cheap unfold for much less memory.

import { allocate, type FloatArray } from '../tensor';
import type { ConvEpilogue, ConvProblem, Kernels } from './types';

type ConvParts = Pick<Kernels, 'gemm' | 'im2col' | 'col2im'>;

let colCache: FloatArray | undefined;

/** Scratch for one image's columns, reused across calls (the engine is single-threaded per isolate). */
function columns(length: number, like: FloatArray): FloatArray {
  const wantF64 = like instanceof Float64Array;
  if (!colCache || colCache.length < length || (colCache instanceof Float64Array) !== wantF64) {
    colCache = allocate(wantF64 ? 'float64' : 'float32', length);
  }
  return colCache.subarray(0, length);
}

function sizes({ geometry: g, groups, outChannels }: ConvProblem) {
  const cinG = g.channels;
  const coutG = outChannels / groups;
  const kDim = cinG * g.kH * g.kW;
  return { cinG, coutG, kDim, inSize: g.inH * g.inW, outSize: g.outH * g.outW };
}

export function convForwardWith(k: ConvParts, p: ConvProblem, x: FloatArray, w: FloatArray, bias: FloatArray | undefined, y: FloatArray): void {
  const { cinG, coutG, kDim, inSize, outSize } = sizes(p);
  const col = columns(kDim * outSize, x);
  for (let n = 0; n < p.batch; n++) {
    for (let grp = 0; grp < p.groups; grp++) {
      k.im2col(p.geometry, x, (n * p.groups + grp) * cinG * inSize, col);
      const yOff = (n * p.groups + grp) * coutG * outSize;
      k.gemm({
        m: coutG, n: outSize, k: kDim,
        a: w.subarray(grp * coutG * kDim, (grp + 1) * coutG * kDim), transA: false,
        b: col, transB: false, c: y.subarray(yOff, yOff + coutG * outSize), accumulate: false,
        bias: bias?.subarray(grp * coutG, (grp + 1) * coutG), biasAxis: 'row',
      });
    }
  }
}

/**
 * The reference epilogue: y = act(y·scale[c] + shift[c] + residual) over `batch` images of
 * `channels` planes of `plane` values, each step rounded to the array's precision like the separate
 * layers it stands for (BatchNorm, Add, then ReLU, which turns NaN and −0 into +0 as the ReLU layer
 * does, or Clip, which keeps NaN as the Clip layer does).
 */
export function applyEpilogue(y: FloatArray, batch: number, channels: number, plane: number, e: ConvEpilogue): void {
  const round = y instanceof Float32Array ? Math.fround : (v: number) => v;
  const { scale, shift, residual, relu } = e;
  const [low, high] = e.clip ? [round(e.clip[0]), round(e.clip[1])] : [-Infinity, Infinity];
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const a = scale ? round(scale[c]) : 1;
      const b = shift ? round(shift[c]) : 0;
      const base = (n * channels + c) * plane;
      for (let i = base; i < base + plane; i++) {
        let v = scale || shift ? round(round(y[i] * a) + b) : y[i];
        if (residual) v = round(v + residual[i]);
        y[i] = relu ? (v > 0 ? v : 0) : v < low ? low : v > high ? high : v;
      }
    }
  }
}

export function convBackwardWith(k: ConvParts, p: ConvProblem, x: FloatArray, w: FloatArray, dy: FloatArray, dx: FloatArray, dw: FloatArray): void {
  const { cinG, coutG, kDim, inSize, outSize } = sizes(p);
  const col = columns(kDim * outSize, x);
  const gradCol = allocate(x instanceof Float64Array ? 'float64' : 'float32', kDim * outSize);
  dx.fill(0);
  for (let n = 0; n < p.batch; n++) {
    for (let grp = 0; grp < p.groups; grp++) {
      const inOff = (n * p.groups + grp) * cinG * inSize;
      const yOff = (n * p.groups + grp) * coutG * outSize;
      const dyG = dy.subarray(yOff, yOff + coutG * outSize);
      const wOff = grp * coutG * kDim;
      // dW_g += dY_g · colᵀ
      k.im2col(p.geometry, x, inOff, col);
      k.gemm({ m: coutG, n: kDim, k: outSize, a: dyG, transA: false, b: col, transB: true, c: dw.subarray(wOff, wOff + coutG * kDim), accumulate: true });
      // dcol = W_gᵀ · dY_g, folded back onto the input
      k.gemm({ m: kDim, n: outSize, k: coutG, a: w.subarray(wOff, wOff + coutG * kDim), transA: true, b: dyG, transB: false, c: gradCol, accumulate: false });
      k.col2im(p.geometry, gradCol, dx, inOff);
    }
  }
}
