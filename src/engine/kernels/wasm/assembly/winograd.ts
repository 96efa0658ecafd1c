// Winograd F(2×2, 3×3) for the forward pass of 3×3 convolutions with stride 1 and no dilation (most
// of a ResNet's 3×3 convolutions): each 2×2 block of outputs costs 16 multiplies per input channel
// instead of 36. Per image (and group) the output is cut into 2×2 tiles, WINO_TILES at a time:
//   V[ξ][c][t] = (Bᵀ·d·B)[ξ]   the 4×4 input patch d of tile t in channel c, transformed
//   M[ξ]       = U[ξ]·V[ξ]     16 GEMMs (coutG × cin)·(cin × tiles), U[ξ] = (G·g·Gᵀ)[ξ] per filter
//   y tile     = Aᵀ·m·A        m = the 16 values M[·][co][t], (+ bias)
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
// Aᵀ = [1 1 1 0; 0 1 −1 −1] (Lavin & Gray 2015). The transforms add a few float32 roundings; the
// host uses it where channels are many enough for the GEMMs to pay (see kernels.ts).

import { BIAS_NONE, gemm } from './gemm';

/** Tiles transformed and multiplied at a time (V and M blocks of 16·channels·WINO_TILES floats). */
const WINO_TILES: i32 = 96;

// @ts-ignore: decorator
@inline function geo(g: usize, field: i32): i32 {
  return load<i32>(g + <usize>(field * 4));
}
// @ts-ignore: decorator
@inline function f4(base: usize, floats: i32): usize {
  return base + <usize>(floats * 4);
}

/** Bytes of buffer one thread needs for winogradForward (U, a V block and an M block). */
export function winogradBufferBytes(cin: i32, coutG: i32): i32 {
  return 16 * (coutG * cin + cin * WINO_TILES + coutG * WINO_TILES) * 4;
}

/** U[ξ][co][c] for one group's filters w[co][c][3][3]. */
function transformFilters(w: usize, cin: i32, coutG: i32, u: usize): void {
  const plane = coutG * cin;
  for (let co = 0; co < coutG; co++) {
    for (let c = 0; c < cin; c++) {
      const g = f4(w, (co * cin + c) * 9);
      // t = G·g (4×3), then U = t·Gᵀ (4×4); locals only (threads share the module's static memory).
      const g00 = load<f32>(g), g01 = load<f32>(g, 4), g02 = load<f32>(g, 8);
      const g10 = load<f32>(g, 12), g11 = load<f32>(g, 16), g12 = load<f32>(g, 20);
      const g20 = load<f32>(g, 24), g21 = load<f32>(g, 28), g22 = load<f32>(g, 32);
      const at = co * cin + c;
      filterRow(u, plane, at, 0, g00, g01, g02);
      filterRow(u, plane, at, 1, <f32>0.5 * (g00 + g10 + g20), <f32>0.5 * (g01 + g11 + g21), <f32>0.5 * (g02 + g12 + g22));
      filterRow(u, plane, at, 2, <f32>0.5 * (g00 - g10 + g20), <f32>0.5 * (g01 - g11 + g21), <f32>0.5 * (g02 - g12 + g22));
      filterRow(u, plane, at, 3, g20, g21, g22);
    }
  }
}

/** Row i of U = t·Gᵀ from row i of t = G·g (a, b, d). */
// @ts-ignore: decorator
@inline function filterRow(u: usize, plane: i32, at: i32, i: i32, a: f32, b: f32, d: f32): void {
  store<f32>(f4(u, (i * 4) * plane + at), a);
  store<f32>(f4(u, (i * 4 + 1) * plane + at), <f32>0.5 * (a + b + d));
  store<f32>(f4(u, (i * 4 + 2) * plane + at), <f32>0.5 * (a - b + d));
  store<f32>(f4(u, (i * 4 + 3) * plane + at), d);
}

/** x[r][c] of a plane, 0 outside it (padding). */
// @ts-ignore: decorator
@inline function pixel(plane: usize, r: i32, c: i32, h: i32, w: i32): f32 {
  return r >= 0 && r < h && c >= 0 && c < w ? load<f32>(f4(plane, r * w + c)) : 0;
}

/**
 * y[n] = W ⊛ x[n] (+ bias) for images n0..n1 of a 3×3, stride 1, dilation 1 convolution (any
 * padding; groups of cin input and coutG output channels). `buffer` holds winogradBufferBytes(cin,
 * coutG) bytes, `scratch` the GEMM's.
 */
export function winogradForward(
  g: usize, n0: i32, n1: i32, groups: i32, coutG: i32,
  x: usize, w: usize, bias: usize, y: usize, buffer: usize, scratch: usize,
): void {
  const cin = geo(g, 0), inH = geo(g, 1), inW = geo(g, 2);
  const padTop = geo(g, 7), padLeft = geo(g, 8), outH = geo(g, 11), outW = geo(g, 12);
  const tilesW = (outW + 1) >> 1;
  const tiles = ((outH + 1) >> 1) * tilesW;
  const u = buffer;
  const v = f4(u, 16 * coutG * cin);
  const m = f4(v, 16 * cin * WINO_TILES);
  const inSize = inH * inW, outSize = outH * outW;
  for (let grp = 0; grp < groups; grp++) {
    transformFilters(f4(w, grp * coutG * cin * 9), cin, coutG, u);
    for (let n = n0; n < n1; n++) {
      const xg = f4(x, (n * groups + grp) * cin * inSize);
      const yg = f4(y, (n * groups + grp) * coutG * outSize);
      for (let t0 = 0; t0 < tiles; t0 += WINO_TILES) {
        const nt = min(WINO_TILES, tiles - t0);
        // Input transform: V[ξ][c][t − t0], rows of nt floats.
        for (let c = 0; c < cin; c++) {
          const plane = f4(xg, c * inSize);
          const vs = <usize>(cin * nt * 4);
          for (let t = 0; t < nt; t++) {
            const th = (t0 + t) / tilesW, tw = (t0 + t) % tilesW;
            const r0 = th * 2 - padTop, c0 = tw * 2 - padLeft;
            // Four tiles side by side, inside the image: one vector per transformed value.
            if (t + 3 < nt && tw + 3 < tilesW && r0 >= 0 && c0 >= 0 && r0 + 3 < inH && c0 + 9 < inW) {
              inputTransform4(f4(plane, r0 * inW + c0), <usize>(inW * 4), f4(v, c * nt + t), vs);
              t += 3;
              continue;
            }
            // d: the 4×4 patch, zero outside the image.
            let d00: f32 = 0, d01: f32 = 0, d02: f32 = 0, d03: f32 = 0;
            let d10: f32 = 0, d11: f32 = 0, d12: f32 = 0, d13: f32 = 0;
            let d20: f32 = 0, d21: f32 = 0, d22: f32 = 0, d23: f32 = 0;
            let d30: f32 = 0, d31: f32 = 0, d32: f32 = 0, d33: f32 = 0;
            const inside = r0 >= 0 && c0 >= 0 && r0 + 3 < inH && c0 + 3 < inW;
            if (inside) {
              let p = f4(plane, r0 * inW + c0);
              const step = <usize>(inW * 4);
              d00 = load<f32>(p); d01 = load<f32>(p, 4); d02 = load<f32>(p, 8); d03 = load<f32>(p, 12); p += step;
              d10 = load<f32>(p); d11 = load<f32>(p, 4); d12 = load<f32>(p, 8); d13 = load<f32>(p, 12); p += step;
              d20 = load<f32>(p); d21 = load<f32>(p, 4); d22 = load<f32>(p, 8); d23 = load<f32>(p, 12); p += step;
              d30 = load<f32>(p); d31 = load<f32>(p, 4); d32 = load<f32>(p, 8); d33 = load<f32>(p, 12);
            } else {
              d00 = pixel(plane, r0, c0, inH, inW); d01 = pixel(plane, r0, c0 + 1, inH, inW); d02 = pixel(plane, r0, c0 + 2, inH, inW); d03 = pixel(plane, r0, c0 + 3, inH, inW);
              d10 = pixel(plane, r0 + 1, c0, inH, inW); d11 = pixel(plane, r0 + 1, c0 + 1, inH, inW); d12 = pixel(plane, r0 + 1, c0 + 2, inH, inW); d13 = pixel(plane, r0 + 1, c0 + 3, inH, inW);
              d20 = pixel(plane, r0 + 2, c0, inH, inW); d21 = pixel(plane, r0 + 2, c0 + 1, inH, inW); d22 = pixel(plane, r0 + 2, c0 + 2, inH, inW); d23 = pixel(plane, r0 + 2, c0 + 3, inH, inW);
              d30 = pixel(plane, r0 + 3, c0, inH, inW); d31 = pixel(plane, r0 + 3, c0 + 1, inH, inW); d32 = pixel(plane, r0 + 3, c0 + 2, inH, inW); d33 = pixel(plane, r0 + 3, c0 + 3, inH, inW);
            }
            // Bᵀ·d (rows), then ·B (columns).
            const a00 = d00 - d20, a01 = d01 - d21, a02 = d02 - d22, a03 = d03 - d23;
            const a10 = d10 + d20, a11 = d11 + d21, a12 = d12 + d22, a13 = d13 + d23;
            const a20 = d20 - d10, a21 = d21 - d11, a22 = d22 - d12, a23 = d23 - d13;
            const a30 = d10 - d30, a31 = d11 - d31, a32 = d12 - d32, a33 = d13 - d33;
            const stride = cin * nt;
            const o = f4(v, c * nt + t);
            const s = <usize>(stride * 4);
            store<f32>(o, a00 - a02); store<f32>(o + s, a01 + a02); store<f32>(o + 2 * s, a02 - a01); store<f32>(o + 3 * s, a01 - a03);
            store<f32>(o + 4 * s, a10 - a12); store<f32>(o + 5 * s, a11 + a12); store<f32>(o + 6 * s, a12 - a11); store<f32>(o + 7 * s, a11 - a13);
            store<f32>(o + 8 * s, a20 - a22); store<f32>(o + 9 * s, a21 + a22); store<f32>(o + 10 * s, a22 - a21); store<f32>(o + 11 * s, a21 - a23);
            store<f32>(o + 12 * s, a30 - a32); store<f32>(o + 13 * s, a31 + a32); store<f32>(o + 14 * s, a32 - a31); store<f32>(o + 15 * s, a31 - a33);
          }
        }
        // M[ξ] = U[ξ]·V[ξ]: (coutG × cin)·(cin × nt).
        for (let xi = 0; xi < 16; xi++) {
          gemm(coutG, nt, cin, f4(u, xi * coutG * cin), cin, false, f4(v, xi * cin * nt), nt, false,
            f4(m, xi * coutG * nt), nt, false, 0, BIAS_NONE, scratch);
        }
        // Output transform: Aᵀ·m·A per tile, clipped at odd edges.
        const s = <usize>(coutG * nt * 4);
        for (let co = 0; co < coutG; co++) {
          const b: f32 = bias ? load<f32>(f4(bias, grp * coutG + co)) : 0;
          const yc = f4(yg, co * outSize);
          for (let t = 0; t < nt; t++) {
            const p = f4(m, co * nt + t);
            {
              const th = (t0 + t) / tilesW, tw = (t0 + t) % tilesW;
              // Four whole tiles side by side: eight outputs of each of two rows.
              if (t + 3 < nt && tw + 3 < tilesW && th * 2 + 1 < outH && tw * 2 + 7 < outW) {
                outputTransform4(p, s, f4(yc, th * 2 * outW + tw * 2), <usize>(outW * 4), b);
                t += 3;
                continue;
              }
            }
            const m00 = load<f32>(p), m01 = load<f32>(p + s), m02 = load<f32>(p + 2 * s), m03 = load<f32>(p + 3 * s);
            const m10 = load<f32>(p + 4 * s), m11 = load<f32>(p + 5 * s), m12 = load<f32>(p + 6 * s), m13 = load<f32>(p + 7 * s);
            const m20 = load<f32>(p + 8 * s), m21 = load<f32>(p + 9 * s), m22 = load<f32>(p + 10 * s), m23 = load<f32>(p + 11 * s);
            const m30 = load<f32>(p + 12 * s), m31 = load<f32>(p + 13 * s), m32 = load<f32>(p + 14 * s), m33 = load<f32>(p + 15 * s);
            // Aᵀ·m: two rows of four.
            const r00 = m00 + m10 + m20, r01 = m01 + m11 + m21, r02 = m02 + m12 + m22, r03 = m03 + m13 + m23;
            const r10 = m10 - m20 - m30, r11 = m11 - m21 - m31, r12 = m12 - m22 - m32, r13 = m13 - m23 - m33;
            const th = (t0 + t) / tilesW, tw = (t0 + t) % tilesW;
            const oh = th * 2, ow = tw * 2;
            const q = f4(yc, oh * outW + ow);
            store<f32>(q, r00 + r01 + r02 + b);
            if (ow + 1 < outW) store<f32>(q, r01 - r02 - r03 + b, 4);
            if (oh + 1 < outH) {
              const q1 = q + <usize>(outW * 4);
              store<f32>(q1, r10 + r11 + r12 + b);
              if (ow + 1 < outW) store<f32>(q1, r11 - r12 - r13 + b, 4);
            }
          }
        }
      }
    }
  }
}

/** V[ξ][c][t..t+3] for four horizontally adjacent tiles whose 4×10 input patch starts at `p`. */
// @ts-ignore: decorator
@inline function inputTransform4(p: usize, step: usize, o: usize, s: usize): void {
  // Row i of the four patches, column j: elements 2k + j of the row for tile k.
  let lo = v128.load(p), mid = v128.load(p, 16), lo2 = v128.load(p, 8), mid2 = v128.load(p, 24);
  const d00 = v128.shuffle<f32>(lo, mid, 0, 2, 4, 6), d01 = v128.shuffle<f32>(lo, mid, 1, 3, 5, 7);
  const d02 = v128.shuffle<f32>(lo2, mid2, 0, 2, 4, 6), d03 = v128.shuffle<f32>(lo2, mid2, 1, 3, 5, 7);
  p += step;
  lo = v128.load(p); mid = v128.load(p, 16); lo2 = v128.load(p, 8); mid2 = v128.load(p, 24);
  const d10 = v128.shuffle<f32>(lo, mid, 0, 2, 4, 6), d11 = v128.shuffle<f32>(lo, mid, 1, 3, 5, 7);
  const d12 = v128.shuffle<f32>(lo2, mid2, 0, 2, 4, 6), d13 = v128.shuffle<f32>(lo2, mid2, 1, 3, 5, 7);
  p += step;
  lo = v128.load(p); mid = v128.load(p, 16); lo2 = v128.load(p, 8); mid2 = v128.load(p, 24);
  const d20 = v128.shuffle<f32>(lo, mid, 0, 2, 4, 6), d21 = v128.shuffle<f32>(lo, mid, 1, 3, 5, 7);
  const d22 = v128.shuffle<f32>(lo2, mid2, 0, 2, 4, 6), d23 = v128.shuffle<f32>(lo2, mid2, 1, 3, 5, 7);
  p += step;
  lo = v128.load(p); mid = v128.load(p, 16); lo2 = v128.load(p, 8); mid2 = v128.load(p, 24);
  const d30 = v128.shuffle<f32>(lo, mid, 0, 2, 4, 6), d31 = v128.shuffle<f32>(lo, mid, 1, 3, 5, 7);
  const d32 = v128.shuffle<f32>(lo2, mid2, 0, 2, 4, 6), d33 = v128.shuffle<f32>(lo2, mid2, 1, 3, 5, 7);
  // Bᵀ·d, then ·B, as in the scalar path.
  let a0 = f32x4.sub(d00, d20), a1 = f32x4.sub(d01, d21), a2 = f32x4.sub(d02, d22), a3 = f32x4.sub(d03, d23);
  v128.store(o, f32x4.sub(a0, a2)); v128.store(o + s, f32x4.add(a1, a2)); v128.store(o + 2 * s, f32x4.sub(a2, a1)); v128.store(o + 3 * s, f32x4.sub(a1, a3));
  a0 = f32x4.add(d10, d20); a1 = f32x4.add(d11, d21); a2 = f32x4.add(d12, d22); a3 = f32x4.add(d13, d23);
  v128.store(o + 4 * s, f32x4.sub(a0, a2)); v128.store(o + 5 * s, f32x4.add(a1, a2)); v128.store(o + 6 * s, f32x4.sub(a2, a1)); v128.store(o + 7 * s, f32x4.sub(a1, a3));
  a0 = f32x4.sub(d20, d10); a1 = f32x4.sub(d21, d11); a2 = f32x4.sub(d22, d12); a3 = f32x4.sub(d23, d13);
  v128.store(o + 8 * s, f32x4.sub(a0, a2)); v128.store(o + 9 * s, f32x4.add(a1, a2)); v128.store(o + 10 * s, f32x4.sub(a2, a1)); v128.store(o + 11 * s, f32x4.sub(a1, a3));
  a0 = f32x4.sub(d10, d30); a1 = f32x4.sub(d11, d31); a2 = f32x4.sub(d12, d32); a3 = f32x4.sub(d13, d33);
  v128.store(o + 12 * s, f32x4.sub(a0, a2)); v128.store(o + 13 * s, f32x4.add(a1, a2)); v128.store(o + 14 * s, f32x4.sub(a2, a1)); v128.store(o + 15 * s, f32x4.sub(a1, a3));
}

/** Aᵀ·m·A (+ bias) of four horizontally adjacent tiles (M values at p, p + s, …) into 2×8 outputs at q. */
// @ts-ignore: decorator
@inline function outputTransform4(p: usize, s: usize, q: usize, step: usize, bias: f32): void {
  const m00 = v128.load(p), m01 = v128.load(p + s), m02 = v128.load(p + 2 * s), m03 = v128.load(p + 3 * s);
  const m10 = v128.load(p + 4 * s), m11 = v128.load(p + 5 * s), m12 = v128.load(p + 6 * s), m13 = v128.load(p + 7 * s);
  const m20 = v128.load(p + 8 * s), m21 = v128.load(p + 9 * s), m22 = v128.load(p + 10 * s), m23 = v128.load(p + 11 * s);
  const m30 = v128.load(p + 12 * s), m31 = v128.load(p + 13 * s), m32 = v128.load(p + 14 * s), m33 = v128.load(p + 15 * s);
  const b = f32x4.splat(bias);
  const r00 = f32x4.add(f32x4.add(m00, m10), m20), r01 = f32x4.add(f32x4.add(m01, m11), m21);
  const r02 = f32x4.add(f32x4.add(m02, m12), m22), r03 = f32x4.add(f32x4.add(m03, m13), m23);
  const r10 = f32x4.sub(f32x4.sub(m10, m20), m30), r11 = f32x4.sub(f32x4.sub(m11, m21), m31);
  const r12 = f32x4.sub(f32x4.sub(m12, m22), m32), r13 = f32x4.sub(f32x4.sub(m13, m23), m33);
  let left = f32x4.add(f32x4.add(f32x4.add(r00, r01), r02), b);
  let right = f32x4.add(f32x4.sub(f32x4.sub(r01, r02), r03), b);
  v128.store(q, v128.shuffle<f32>(left, right, 0, 4, 1, 5));
  v128.store(q, v128.shuffle<f32>(left, right, 2, 6, 3, 7), 16);
  left = f32x4.add(f32x4.add(f32x4.add(r10, r11), r12), b);
  right = f32x4.add(f32x4.sub(f32x4.sub(r11, r12), r13), b);
  v128.store(q + step, v128.shuffle<f32>(left, right, 0, 4, 1, 5));
  v128.store(q + step, v128.shuffle<f32>(left, right, 2, 6, 3, 7), 16);
}
