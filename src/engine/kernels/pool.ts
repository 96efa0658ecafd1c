// Max pooling in plain JavaScript: the reference of the kernels' maxPool2d. The window is clipped to
// the input once per output row and column; NaN wins, as in PyTorch's max_pool2d.

import type { FloatArray } from '../tensor';
import type { ConvGeometry } from './types';

/** The first window tap at or after 0 of a window starting at `start` with taps `step` apart. */
function firstTap(start: number, step: number): number {
  return start >= 0 ? 0 : Math.ceil(-start / step);
}

/** One past the last of `taps` window taps before `size`. */
function endTap(start: number, step: number, taps: number, size: number): number {
  return start >= size ? 0 : Math.min(taps, Math.floor((size - 1 - start) / step) + 1);
}

export function maxPool2dJs(g: ConvGeometry, planes: number, x: FloatArray, y: FloatArray): void {
  const { inH, inW, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * inH * inW;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padTop;
      const iLo = firstTap(h0, dilationH), iHi = endTap(h0, dilationH, kH, inH);
      for (let ow = 0; ow < outW; ow++, o++) {
        const w0 = ow * strideW - padLeft;
        const jLo = firstTap(w0, dilationW), jHi = endTap(w0, dilationW, kW, inW);
        let acc = -Infinity;
        for (let i = iLo; i < iHi; i++) {
          const row = base + (h0 + i * dilationH) * inW + w0;
          for (let j = jLo; j < jHi; j++) {
            const v = x[row + j * dilationW];
            if (v > acc || v !== v) acc = v;
          }
        }
        y[o] = acc;
      }
    }
  }
}
