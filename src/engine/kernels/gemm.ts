// Cache-blocked matrix multiply in plain JavaScript, GotoBLAS-style: blocks of A and B are packed
// into contiguous float64 panels so that the 4×4 register-blocked micro-kernel reads both operands
// sequentially and always sees the same array type (one monomorphic hot loop for float32 and float64
// callers alike; only the packing and the write-back differ by dtype). Accumulating in float64 also
// makes float32 results slightly more accurate than a float32 accumulator would.

import type { FloatArray } from '../tensor';
import type { GemmArgs } from './types';

const MR = 4;
const NR = 4;
/** Depth of one packed block: a 4×KC slice of A plus a KC×4 slice of B stay in L1. */
const KC = 256;
/** Rows of A per packed block (MC×KC float64 = 128 KiB, sized for L2). */
const MC = 64;
/** Columns of B per packed block. */
const NC = 2048;

const packedA = new Float64Array(MC * KC);
let packedB = new Float64Array(NC * KC);
const tile = new Float64Array(MR * NR);

/** C[m×n] = op(A)[m×k] · op(B)[k×n] (or += when accumulate), all row-major. */
export function gemmJs(args: GemmArgs): void {
  const { m, n, k, c } = args;
  checkSizes(args);
  if (!args.accumulate) initialize(args);
  if (m === 0 || n === 0 || k === 0) return;
  const ncMax = Math.min(NC, roundUp(n, NR));
  if (packedB.length < ncMax * KC) packedB = new Float64Array(ncMax * KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(args, pc, kc, jc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(args, ic, mc, pc, kc, packedA);
        multiplyBlock(mc, nc, kc, ic, jc, c, n);
      }
    }
  }
}

/** C = 0, or the bias broadcast along its axis. */
function initialize({ m, n, c, bias, biasAxis }: GemmArgs): void {
  if (!bias) {
    c.fill(0, 0, m * n);
    return;
  }
  for (let i = 0; i < m; i++) {
    if (biasAxis === 'row') c.fill(bias[i], i * n, (i + 1) * n);
    else for (let j = 0; j < n; j++) c[i * n + j] = bias[j];
  }
}

export function checkSizes({ m, n, k, a, b, c, bias, biasAxis, accumulate }: GemmArgs): void {
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(`gemm: arrays too short for m=${m} n=${n} k=${k} (a ${a.length}, b ${b.length}, c ${c.length})`);
  }
  if (bias && !accumulate && bias.length < (biasAxis === 'row' ? m : n)) {
    throw new RangeError(`gemm: bias of ${bias.length} values for ${biasAxis === 'row' ? `${m} rows` : `${n} columns`}`);
  }
}

function roundUp(x: number, multiple: number): number {
  return Math.ceil(x / multiple) * multiple;
}

/** Rows ic..ic+mc of op(A), columns pc..pc+kc, as MR-row panels: panel[p*MR + r]; short panels zero-padded. */
function packA({ a, m, k, transA }: GemmArgs, ic: number, mc: number, pc: number, kc: number, out: Float64Array): void {
  let o = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        if (r < rows) {
          const i = ic + ir + r;
          out[o++] = transA ? a[(pc + p) * m + i] : a[i * k + pc + p];
        } else {
          out[o++] = 0;
        }
      }
    }
  }
}

/** Rows pc..pc+kc of op(B), columns jc..jc+nc, as NR-column panels: panel[p*NR + c]; zero-padded. */
function packB({ b, n, k, transB }: GemmArgs, pc: number, kc: number, jc: number, nc: number, out: Float64Array): void {
  let o = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const row = pc + p;
      for (let col = 0; col < NR; col++) {
        if (col < cols) {
          const j = jc + jr + col;
          out[o++] = transB ? b[j * k + row] : b[row * n + j];
        } else {
          out[o++] = 0;
        }
      }
    }
  }
}

function multiplyBlock(mc: number, nc: number, kc: number, ic: number, jc: number, c: FloatArray, ldc: number): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let ir = 0; ir < mc; ir += MR) {
      const rows = Math.min(MR, mc - ir);
      microKernel4x4(kc, packedA, ir * kc, packedB, jr * kc, tile);
      addTile(c, (ic + ir) * ldc + jc + jr, ldc, rows, cols);
    }
  }
}

/** The hot loop: a 4×4 block of C held in 16 locals, one rank-1 update per step of k. */
function microKernel4x4(kc: number, A: Float64Array, ao: number, B: Float64Array, bo: number, T: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = A[ao], a1 = A[ao + 1], a2 = A[ao + 2], a3 = A[ao + 3];
    const b0 = B[bo], b1 = B[bo + 1], b2 = B[bo + 2], b3 = B[bo + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ao += MR;
    bo += NR;
  }
  T[0] = c00; T[1] = c01; T[2] = c02; T[3] = c03;
  T[4] = c10; T[5] = c11; T[6] = c12; T[7] = c13;
  T[8] = c20; T[9] = c21; T[10] = c22; T[11] = c23;
  T[12] = c30; T[13] = c31; T[14] = c32; T[15] = c33;
}

function addTile(c: FloatArray, offset: number, ldc: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const row = offset + r * ldc;
    for (let col = 0; col < cols; col++) c[row + col] += tile[r * NR + col];
  }
}
