import { describe, expect, it } from 'vitest';
import { createRng, permutation } from '../../../src/engine/rng';

describe('createRng', () => {
  it('repeats its stream for a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(sa);
  });

  it('is uniform on [0, 1) and normal with mean 0, variance 1', () => {
    const rng = createRng(1);
    const n = 50000;
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      m += z / n;
      m2 += (z * z) / n;
    }
    expect(Math.abs(m)).toBeLessThan(0.02);
    expect(Math.abs(m2 - 1)).toBeLessThan(0.03);
  });

  it('int(n) covers [0, n) and forks are independent but reproducible', () => {
    const rng = createRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(rng.int(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const f1 = createRng(5).fork();
    const f2 = createRng(5).fork();
    expect(f1.next()).toBe(f2.next());
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('permutation is a seeded shuffle of 0..n−1', () => {
    const p = permutation(10, createRng(3));
    expect([...p].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(p)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(permutation(10, createRng(3)))).toEqual(Array.from(p));
  });
});
