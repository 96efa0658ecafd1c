import { describe, expect, it } from 'vitest';
import { gemmJs } from '../../../../src/engine/kernels/gemm';
import { col2imJs, im2colJs } from '../../../../src/engine/kernels/im2col';
import type { ConvGeometry } from '../../../../src/engine/kernels';
import { createRng } from '../../../../src/engine/rng';

function naive(m: number, n: number, k: number, a: ArrayLike<number>, transA: boolean, b: ArrayLike<number>, transB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

function random(length: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length }, () => rng.normal());
}

describe('gemmJs', () => {
  // Sizes straddle the 4×4 micro-tile, the 64-row and 256-deep blocks.
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 4], [67, 9, 300], [5, 70, 257], [130, 3, 2]];
  for (const [m, n, k] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`m=${m} n=${n} k=${k} transA=${transA} transB=${transB} (float64)`, () => {
          const a = random(m * k, m + 1);
          const b = random(k * n, n + 2);
          const c = new Float64Array(m * n);
          gemmJs({ m, n, k, a, transA, b, transB, c, accumulate: false });
          const expected = naive(m, n, k, a, transA, b, transB);
          for (let i = 0; i < c.length; i++) expect(c[i]).toBeCloseTo(expected[i], 10);
        });
      }
    }
  }

  it('accumulates into C when asked and overwrites otherwise', () => {
    const a = random(6, 1);
    const b = random(6, 2);
    const c = new Float64Array(4).fill(10);
    gemmJs({ m: 2, n: 2, k: 3, a, transA: false, b, transB: false, c, accumulate: true });
    const expected = naive(2, 2, 3, a, false, b, false);
    for (let i = 0; i < 4; i++) expect(c[i]).toBeCloseTo(expected[i] + 10, 12);
    gemmJs({ m: 2, n: 2, k: 3, a, transA: false, b, transB: false, c, accumulate: false });
    for (let i = 0; i < 4; i++) expect(c[i]).toBeCloseTo(expected[i], 12);
  });

  it('float32 arrays give float32-rounded results of the float64 product', () => {
    const m = 9, n = 11, k = 40;
    const a = Float32Array.from(random(m * k, 3));
    const b = Float32Array.from(random(k * n, 4));
    const c = new Float32Array(m * n);
    gemmJs({ m, n, k, a, transA: false, b, transB: true, c, accumulate: false });
    const expected = naive(m, n, k, a, false, b, true);
    for (let i = 0; i < c.length; i++) expect(c[i]).toBe(Math.fround(expected[i]));
  });

  it('rejects arrays that are too short', () => {
    expect(() => gemmJs({ m: 2, n: 2, k: 2, a: new Float64Array(3), transA: false, b: new Float64Array(4), transB: false, c: new Float64Array(4), accumulate: false })).toThrow(RangeError);
  });
});

describe('im2col / col2im', () => {
  const g: ConvGeometry = { channels: 2, inH: 4, inW: 5, kH: 3, kW: 2, strideH: 2, strideW: 1, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 2, outH: 2, outW: 5 };

  it('im2col picks the input under each kernel tap, zero in the padding', () => {
    const input = Float64Array.from({ length: 2 * 4 * 5 }, (_, i) => i + 1);
    const col = new Float64Array(2 * 3 * 2 * g.outH * g.outW);
    im2colJs(g, input, 0, col);
    for (let c = 0; c < 2; c++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 2; kj++) {
      for (let oh = 0; oh < g.outH; oh++) for (let ow = 0; ow < g.outW; ow++) {
        const ih = oh * 2 - 1 + ki;
        const iw = ow - 1 + kj * 2;
        const expected = ih >= 0 && ih < 4 && iw >= 0 && iw < 5 ? input[c * 20 + ih * 5 + iw] : 0;
        expect(col[((c * 3 + ki) * 2 + kj) * 10 + oh * 5 + ow]).toBe(expected);
      }
    }
  });

  it('col2im is the adjoint of im2col: <im2col(x), y> = <x, col2im(y)>', () => {
    const x = random(40, 5);
    const y = random(120, 6);
    const col = new Float64Array(120);
    im2colJs(g, x, 0, col);
    const back = new Float64Array(40);
    col2imJs(g, y, back, 0);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < 120; i++) lhs += col[i] * y[i];
    for (let i = 0; i < 40; i++) rhs += x[i] * back[i];
    expect(lhs).toBeCloseTo(rhs, 10);
  });
});
