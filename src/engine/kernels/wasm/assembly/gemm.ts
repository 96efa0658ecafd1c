// Single-precision GEMM with WebAssembly SIMD, GotoBLAS/BLIS-style: op(B) is packed into KC×NR
// column panels and op(A) into MR×KC row panels, so the register-blocked MR×NR micro-kernel streams
// both operands sequentially (a B panel stays in L1, an A block in L2). The micro-kernel keeps the
// 4×8 block of C in eight f32x4 registers and does one rank-1 update per step of k: A broadcast from
// memory (load32_splat), two vectors of B. Bias is added when a tile is first stored.
//
// All pointers are byte offsets into the (imported, shared) linear memory; the caller owns layout.

import { madd } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
/** Depth of a packed block: a KC×NR panel of B (8 KiB) stays in L1 while A panels stream past. */
const KC: i32 = 256;
/** Rows of A per packed block (MC×KC floats = 96 KiB, for L2). */
const MC: i32 = 96;
/** Columns of B per packed block (KC×NC floats = 2 MiB at most, for L3). */
const NC: i32 = 2048;

export const BIAS_NONE: i32 = 0;
/** One bias value per row of C (a convolution's output channel). */
export const BIAS_ROW: i32 = 1;
/** One bias value per column of C (a dense layer's output feature). */
export const BIAS_COL: i32 = 2;

/** Bytes of scratch one gemm call needs (packed A, packed B, one edge tile). */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4;
}

/**
 * C[m×n] = op(A)[m×k]·op(B)[k×n] (+ bias), or C += … when accumulate. Row-major with leading
 * dimensions lda, ldb, ldc (in floats); A is stored k×m when transA, B is stored n×k when transB.
 * `scratch` holds gemmScratchBytes() bytes.
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool, b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, bias: usize, biasMode: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) initialize(m, n, c, ldc, bias, biasMode);
    return;
  }
  const packedA = scratch;
  const packedB = packedA + <usize>(MC * KC * 4);
  const tile = packedB + <usize>(KC * NC * 4);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const first = pc == 0 && !accumulate;
      packB(b, ldb, transB, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a, lda, transA, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const pb = packedB + <usize>(jr * kc * 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const i = ic + ir;
            const j = jc + jr;
            const pa = packedA + <usize>(ir * kc * 4);
            const cp = c + <usize>((i * ldc + j) * 4);
            if (rows == MR && cols == NR) {
              kernel(kc, pa, pb, cp, <usize>(ldc * 4), first, bias, biasMode, i, j);
            } else {
              kernel(kc, pa, pb, tile, <usize>(NR * 4), true, 0, BIAS_NONE, 0, 0);
              storeEdge(tile, cp, ldc, rows, cols, first, bias, biasMode, i, j);
            }
          }
        }
      }
    }
  }
}

function initialize(m: i32, n: i32, c: usize, ldc: i32, bias: usize, biasMode: i32): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v: f32 = 0;
      if (biasMode == BIAS_ROW) v = load<f32>(bias + <usize>(i * 4));
      else if (biasMode == BIAS_COL) v = load<f32>(bias + <usize>(j * 4));
      store<f32>(c + <usize>((i * ldc + j) * 4), v);
    }
  }
}

/** Rows pc..pc+kc, columns jc..jc+nc of op(B) as NR-column panels: panel[p·NR + col], zero-padded. */
function packB(b: usize, ldb: i32, transB: bool, pc: i32, kc: i32, jc: i32, nc: i32, out: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j0 = jc + jr;
    if (!transB && cols == NR) {
      let src = b + <usize>((pc * ldb + j0) * 4);
      const step = <usize>(ldb * 4);
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += step;
        out += NR * 4;
      }
    } else if (transB && cols == NR) {
      // B is n×k: column j of op(B) is row j of B, read sequentially.
      for (let col = 0; col < NR; col++) {
        let src = b + <usize>(((j0 + col) * ldb + pc) * 4);
        let dst = out + <usize>(col * 4);
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          src += 4;
          dst += NR * 4;
        }
      }
      out += <usize>(kc * NR * 4);
    } else {
      for (let p = 0; p < kc; p++) {
        const row = pc + p;
        for (let col = 0; col < NR; col++) {
          let v: f32 = 0;
          if (col < cols) v = transB ? load<f32>(b + <usize>(((j0 + col) * ldb + row) * 4)) : load<f32>(b + <usize>((row * ldb + j0 + col) * 4));
          store<f32>(out, v);
          out += 4;
        }
      }
    }
  }
}

/** Rows ic..ic+mc, columns pc..pc+kc of op(A) as MR-row panels: panel[p·MR + r], zero-padded. */
function packA(a: usize, lda: i32, transA: bool, ic: i32, mc: i32, pc: i32, kc: i32, out: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const i0 = ic + ir;
    if (transA && rows == MR) {
      // A is k×m: the MR values of one step of k are contiguous.
      let src = a + <usize>((pc * lda + i0) * 4);
      const step = <usize>(lda * 4);
      for (let p = 0; p < kc; p++) {
        v128.store(out, v128.load(src));
        src += step;
        out += MR * 4;
      }
    } else if (!transA && rows == MR) {
      for (let r = 0; r < MR; r++) {
        let src = a + <usize>(((i0 + r) * lda + pc) * 4);
        let dst = out + <usize>(r * 4);
        for (let p = 0; p < kc; p++) {
          store<f32>(dst, load<f32>(src));
          src += 4;
          dst += MR * 4;
        }
      }
      out += <usize>(kc * MR * 4);
    } else {
      for (let p = 0; p < kc; p++) {
        const col = pc + p;
        for (let r = 0; r < MR; r++) {
          let v: f32 = 0;
          if (r < rows) v = transA ? load<f32>(a + <usize>((col * lda + i0 + r) * 4)) : load<f32>(a + <usize>(((i0 + r) * lda + col) * 4));
          store<f32>(out, v);
          out += 4;
        }
      }
    }
  }
}

/** The hot loop: C[4×8] (=, or += unless first) A-panel·B-panel over kc steps. */
function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, first: bool, bias: usize, biasMode: i32, i: i32, j: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av: v128;
    av = v128.load32_splat(pa, 0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += MR * 4;
    pb += NR * 4;
  }
  if (first) {
    if (biasMode == BIAS_ROW) {
      const r = bias + <usize>(i * 4);
      let bv: v128;
      bv = v128.load32_splat(r, 0);
      c00 = f32x4.add(c00, bv); c01 = f32x4.add(c01, bv);
      bv = v128.load32_splat(r, 4);
      c10 = f32x4.add(c10, bv); c11 = f32x4.add(c11, bv);
      bv = v128.load32_splat(r, 8);
      c20 = f32x4.add(c20, bv); c21 = f32x4.add(c21, bv);
      bv = v128.load32_splat(r, 12);
      c30 = f32x4.add(c30, bv); c31 = f32x4.add(c31, bv);
    } else if (biasMode == BIAS_COL) {
      const r = bias + <usize>(j * 4);
      const b0 = v128.load(r), b1 = v128.load(r, 16);
      c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
    }
  } else {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** Writes the valid rows×cols corner of an edge tile into C. */
function storeEdge(tile: usize, c: usize, ldc: i32, rows: i32, cols: i32, first: bool, bias: usize, biasMode: i32, i: i32, j: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      let v = load<f32>(tile + <usize>((r * NR + col) * 4));
      const dst = c + <usize>((r * ldc + col) * 4);
      if (first) {
        if (biasMode == BIAS_ROW) v += load<f32>(bias + <usize>((i + r) * 4));
        else if (biasMode == BIAS_COL) v += load<f32>(bias + <usize>((j + col) * 4));
      } else {
        v += load<f32>(dst);
      }
      store<f32>(dst, v);
    }
  }
}
