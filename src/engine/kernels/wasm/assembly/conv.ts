// Convolutions (NCHW, float32) over the GEMM: im2col + GEMM per image and group for the general case,
// the input plane itself as GEMM operand for 1×1/stride 1/no padding (no unfolding), and a direct
// kernel for depthwise convolution (groups = channels, one output per channel), where im2col + GEMM
// would multiply 1×k·k×n matrices. Each function takes an image range [n0, n1) so the host can split
// a batch across threads; weight gradients accumulate into the buffer it is given.
//
// A geometry is 13 i32 at `g`: channels per group, inH, inW, kH, kW, strideH, strideW, padTop,
// padLeft, dilationH, dilationW, outH, outW (the engine's ConvGeometry, in that order).

import { BIAS_NONE, BIAS_ROW, gemm } from './gemm';
import { madd } from './simd';

// @ts-ignore: decorator
@inline function geo(g: usize, field: i32): i32 {
  return load<i32>(g + <usize>(field * 4));
}

/** True when the column matrix would equal the input plane (1×1 kernel, stride 1, no padding). */
function isPointwise(g: usize): bool {
  return geo(g, 3) == 1 && geo(g, 4) == 1 && geo(g, 5) == 1 && geo(g, 6) == 1 && geo(g, 7) == 0 && geo(g, 8) == 0
    && geo(g, 11) == geo(g, 1) && geo(g, 12) == geo(g, 2);
}

/** Valid output columns [lo, hi) whose input column ow·stride + offset lies in [0, inW). */
// @ts-ignore: decorator
@inline function validLo(offset: i32, stride: i32): i32 {
  return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
}
// @ts-ignore: decorator
@inline function validHi(offset: i32, stride: i32, inW: i32, outW: i32): i32 {
  if (offset >= inW) return 0;
  return min(outW, (inW - 1 - offset) / stride + 1);
}

/** col[(c·kH + i)·kW + j][oh·outW + ow] = x[c][oh·sH − padTop + i·dH][ow·sW − padLeft + j·dW] (0 in padding). */
export function im2col(g: usize, x: usize, col: usize): void {
  im2colStrided(g, x, col, geo(g, 11) * geo(g, 12), 0, geo(g, 11));
}

/**
 * im2col of output rows [oh0, oh1) with rows `ld` floats apart (several images side by side in one
 * column matrix, or one band of a large image's columns).
 */
function im2colStrided(g: usize, x: usize, col: usize, ld: i32, oh0: i32, oh1: i32): void {
  const channels = geo(g, 0), inH = geo(g, 1), inW = geo(g, 2), kH = geo(g, 3), kW = geo(g, 4);
  const sH = geo(g, 5), sW = geo(g, 6), padTop = geo(g, 7), padLeft = geo(g, 8), dH = geo(g, 9), dW = geo(g, 10);
  const outH = geo(g, 11), outW = geo(g, 12);
  let o = col;
  for (let c = 0; c < channels; c++) {
    const plane = x + <usize>(c * inH * inW * 4);
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const offset = kj * dW - padLeft;
        const lo = min(validLo(offset, sW), outW), hi = max(lo, validHi(offset, sW, inW, outW));
        for (let oh = oh0; oh < oh1; oh++) {
          const ih = oh * sH - padTop + ki * dH;
          if (ih < 0 || ih >= inH) {
            memory.fill(o, 0, <usize>(outW * 4));
          } else {
            const row = plane + <usize>((ih * inW + offset) * 4);
            if (lo > 0) memory.fill(o, 0, <usize>(lo * 4));
            if (sW == 1) {
              memory.copy(o + <usize>(lo * 4), row + <usize>(lo * 4), <usize>((hi - lo) * 4));
            } else {
              for (let ow = lo; ow < hi; ow++) store<f32>(o + <usize>(ow * 4), load<f32>(row + <usize>(ow * sW * 4)));
            }
            if (hi < outW) memory.fill(o + <usize>(hi * 4), 0, <usize>((outW - hi) * 4));
          }
          o += <usize>(outW * 4);
        }
        o += <usize>((ld - (oh1 - oh0) * outW) * 4);
      }
    }
  }
}

/** The adjoint of im2col: adds every column entry back into dx. */
export function col2im(g: usize, col: usize, dx: usize): void {
  const channels = geo(g, 0), inH = geo(g, 1), inW = geo(g, 2), kH = geo(g, 3), kW = geo(g, 4);
  const sH = geo(g, 5), sW = geo(g, 6), padTop = geo(g, 7), padLeft = geo(g, 8), dH = geo(g, 9), dW = geo(g, 10);
  const outH = geo(g, 11), outW = geo(g, 12);
  let o = col;
  for (let c = 0; c < channels; c++) {
    const plane = dx + <usize>(c * inH * inW * 4);
    for (let ki = 0; ki < kH; ki++) {
      for (let kj = 0; kj < kW; kj++) {
        const offset = kj * dW - padLeft;
        const lo = validLo(offset, sW), hi = validHi(offset, sW, inW, outW);
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sH - padTop + ki * dH;
          if (ih >= 0 && ih < inH) {
            const row = plane + <usize>((ih * inW + offset) * 4);
            let ow = lo;
            if (sW == 1) {
              for (; ow + 4 <= hi; ow += 4) {
                const p = row + <usize>(ow * 4);
                v128.store(p, f32x4.add(v128.load(p), v128.load(o + <usize>(ow * 4))));
              }
            }
            for (; ow < hi; ow++) {
              const p = row + <usize>(ow * sW * 4);
              store<f32>(p, load<f32>(p) + load<f32>(o + <usize>(ow * 4)));
            }
          }
          o += <usize>(outW * 4);
        }
      }
    }
  }
}

/**
 * y[n] = W ⊛ x[n] (+ bias per output channel) for images n0..n1; coutG output channels per group.
 * With chunk > 1 (small images), `chunk` images are unfolded side by side and multiplied in one GEMM
 * (a wider product keeps the micro-kernel busy), then scattered to NCHW; `col` then holds
 * chunk·(kDim + coutG)·outSize floats.
 */
export function convForward(
  g: usize, n0: i32, n1: i32, groups: i32, coutG: i32,
  x: usize, w: usize, bias: usize, y: usize, col: usize, scratch: usize, chunk: i32,
): void {
  const cinG = geo(g, 0), inSize = geo(g, 1) * geo(g, 2), outSize = geo(g, 11) * geo(g, 12);
  const kDim = cinG * geo(g, 3) * geo(g, 4);
  const pointwise = isPointwise(g);
  if (chunk > 1) {
    const wide = col + <usize>(chunk * kDim * outSize * 4);
    for (let c0 = n0; c0 < n1; c0 += chunk) {
      const images = min(chunk, n1 - c0);
      const ld = images * outSize;
      for (let grp = 0; grp < groups; grp++) {
        for (let i = 0; i < images; i++) {
          im2colStrided(g, x4(x, ((c0 + i) * groups + grp) * cinG * inSize), x4(col, i * outSize), ld, 0, geo(g, 11));
        }
        const bg = bias ? bias + <usize>(grp * coutG * 4) : 0;
        gemm(coutG, ld, kDim, x4(w, grp * coutG * kDim), kDim, false, col, ld, false, wide, ld, false, bg, bias ? BIAS_ROW : BIAS_NONE, scratch);
        for (let i = 0; i < images; i++) {
          for (let co = 0; co < coutG; co++) {
            memory.copy(x4(y, (((c0 + i) * groups + grp) * coutG + co) * outSize), x4(wide, co * ld + i * outSize), <usize>(outSize * 4));
          }
        }
      }
    }
    return;
  }
  const outH = geo(g, 11), outW = geo(g, 12);
  // A large image is unfolded a band of output rows at a time, each band's columns sized for L2, and
  // multiplied straight into its rows of y (ldc = the whole plane).
  const band = max(1, min(outH, BAND_FLOATS / max(1, kDim * outW)));
  for (let n = n0; n < n1; n++) {
    for (let grp = 0; grp < groups; grp++) {
      const xg = x + <usize>(((n * groups + grp) * cinG * inSize) * 4);
      const yg = y + <usize>(((n * groups + grp) * coutG * outSize) * 4);
      const wg = w + <usize>(grp * coutG * kDim * 4);
      const bg = bias ? bias + <usize>(grp * coutG * 4) : 0;
      if (pointwise) {
        gemm(coutG, outSize, kDim, wg, kDim, false, xg, outSize, false, yg, outSize, false, bg, bias ? BIAS_ROW : BIAS_NONE, scratch);
        continue;
      }
      for (let oh0 = 0; oh0 < outH; oh0 += band) {
        const oh1 = min(outH, oh0 + band);
        const cols = (oh1 - oh0) * outW;
        im2colStrided(g, xg, col, cols, oh0, oh1);
        gemm(coutG, cols, kDim, wg, kDim, false, col, cols, false, x4(yg, oh0 * outW), outSize, false, bg, bias ? BIAS_ROW : BIAS_NONE, scratch);
      }
    }
  }
}

/** Floats of column matrix per band of a large image's forward convolution (256 KiB: half an L2). */
const BAND_FLOATS: i32 = 1 << 16;

/** dx[n] = col2im(Wᵀ·dy[n]) for images n0..n1 (dx is overwritten). */
export function convBackwardData(
  g: usize, n0: i32, n1: i32, groups: i32, coutG: i32,
  dy: usize, w: usize, dx: usize, col: usize, scratch: usize,
): void {
  const cinG = geo(g, 0), inSize = geo(g, 1) * geo(g, 2), outSize = geo(g, 11) * geo(g, 12);
  const kDim = cinG * geo(g, 3) * geo(g, 4);
  const pointwise = isPointwise(g);
  for (let n = n0; n < n1; n++) {
    for (let grp = 0; grp < groups; grp++) {
      const dxg = x4(dx, (n * groups + grp) * cinG * inSize);
      const dyg = x4(dy, (n * groups + grp) * coutG * outSize);
      const wg = x4(w, grp * coutG * kDim);
      if (pointwise) {
        gemm(kDim, outSize, coutG, wg, kDim, true, dyg, outSize, false, dxg, outSize, false, 0, BIAS_NONE, scratch);
      } else {
        gemm(kDim, outSize, coutG, wg, kDim, true, dyg, outSize, false, col, outSize, false, 0, BIAS_NONE, scratch);
        memory.fill(dxg, 0, <usize>(cinG * inSize * 4));
        col2im(g, col, dxg);
      }
    }
  }
}

/** dw += Σ_n dy[n]·col(x[n])ᵀ for images n0..n1. */
export function convBackwardFilter(
  g: usize, n0: i32, n1: i32, groups: i32, coutG: i32,
  x: usize, dy: usize, dw: usize, col: usize, scratch: usize,
): void {
  const cinG = geo(g, 0), inSize = geo(g, 1) * geo(g, 2), outSize = geo(g, 11) * geo(g, 12);
  const kDim = cinG * geo(g, 3) * geo(g, 4);
  const pointwise = isPointwise(g);
  for (let n = n0; n < n1; n++) {
    for (let grp = 0; grp < groups; grp++) {
      const xg = x4(x, (n * groups + grp) * cinG * inSize);
      let b = xg;
      if (!pointwise) {
        im2col(g, xg, col);
        b = col;
      }
      const dyg = x4(dy, (n * groups + grp) * coutG * outSize);
      gemm(coutG, kDim, outSize, dyg, outSize, false, b, outSize, true, x4(dw, grp * coutG * kDim), kDim, true, 0, BIAS_NONE, scratch);
    }
  }
}

// @ts-ignore: decorator
@inline function x4(base: usize, floats: i32): usize {
  return base + <usize>(floats * 4);
}

/**
 * Depthwise forward (groups = channels, one output channel each), direct: every kernel tap adds a
 * scaled, shifted input row to the output row, four outputs at a time when the stride is 1.
 */
export function depthwiseForward(g: usize, n0: i32, n1: i32, channels: i32, x: usize, w: usize, bias: usize, y: usize): void {
  const inH = geo(g, 1), inW = geo(g, 2), kH = geo(g, 3), kW = geo(g, 4);
  const sH = geo(g, 5), sW = geo(g, 6), padTop = geo(g, 7), padLeft = geo(g, 8), dH = geo(g, 9), dW = geo(g, 10);
  const outH = geo(g, 11), outW = geo(g, 12);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = x4(x, (n * channels + c) * inH * inW);
      const out = x4(y, (n * channels + c) * outH * outW);
      const b: f32 = bias ? load<f32>(x4(bias, c)) : 0;
      const bv = f32x4.splat(b);
      let o = out;
      const end = out + <usize>(outH * outW * 4);
      for (; o + 16 <= end; o += 16) v128.store(o, bv);
      for (; o < end; o += 4) store<f32>(o, b);
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          const wt = load<f32>(x4(w, (c * kH + ki) * kW + kj));
          const wv = f32x4.splat(wt);
          const offset = kj * dW - padLeft;
          const lo = validLo(offset, sW), hi = validHi(offset, sW, inW, outW);
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * sH - padTop + ki * dH;
            if (ih < 0 || ih >= inH) continue;
            const row = x4(plane, ih * inW + offset);
            const orow = x4(out, oh * outW);
            let ow = lo;
            if (sW == 1) {
              for (; ow + 4 <= hi; ow += 4) {
                const p = x4(orow, ow);
                v128.store(p, madd(wv, v128.load(x4(row, ow)), v128.load(p)));
              }
            }
            for (; ow < hi; ow++) {
              const p = x4(orow, ow);
              store<f32>(p, load<f32>(p) + wt * load<f32>(x4(row, ow * sW)));
            }
          }
        }
      }
    }
  }
}

/** Depthwise backward: dx[n] (overwritten) and dw += for images n0..n1. */
export function depthwiseBackward(g: usize, n0: i32, n1: i32, channels: i32, x: usize, w: usize, dy: usize, dx: usize, dw: usize): void {
  const inH = geo(g, 1), inW = geo(g, 2), kH = geo(g, 3), kW = geo(g, 4);
  const sH = geo(g, 5), sW = geo(g, 6), padTop = geo(g, 7), padLeft = geo(g, 8), dH = geo(g, 9), dW = geo(g, 10);
  const outH = geo(g, 11), outW = geo(g, 12);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < channels; c++) {
      const plane = x4(x, (n * channels + c) * inH * inW);
      const dplane = x4(dx, (n * channels + c) * inH * inW);
      const grad = x4(dy, (n * channels + c) * outH * outW);
      memory.fill(dplane, 0, <usize>(inH * inW * 4));
      for (let ki = 0; ki < kH; ki++) {
        for (let kj = 0; kj < kW; kj++) {
          const wp = x4(dw, (c * kH + ki) * kW + kj);
          const wt = load<f32>(x4(w, (c * kH + ki) * kW + kj));
          const wv = f32x4.splat(wt);
          const offset = kj * dW - padLeft;
          const lo = validLo(offset, sW), hi = validHi(offset, sW, inW, outW);
          let acc = f32x4.splat(0);
          let accS: f32 = 0;
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * sH - padTop + ki * dH;
            if (ih < 0 || ih >= inH) continue;
            const row = x4(plane, ih * inW + offset);
            const drow = x4(dplane, ih * inW + offset);
            const grow = x4(grad, oh * outW);
            let ow = lo;
            if (sW == 1) {
              for (; ow + 4 <= hi; ow += 4) {
                const gv = v128.load(x4(grow, ow));
                acc = madd(gv, v128.load(x4(row, ow)), acc);
                const p = x4(drow, ow);
                v128.store(p, madd(wv, gv, v128.load(p)));
              }
            }
            for (; ow < hi; ow++) {
              const gv = load<f32>(x4(grow, ow));
              accS += gv * load<f32>(x4(row, ow * sW));
              const p = x4(drow, ow * sW);
              store<f32>(p, load<f32>(p) + wt * gv);
            }
          }
          const sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
          store<f32>(wp, load<f32>(wp) + sum + accS);
        }
      }
    }
  }
}
