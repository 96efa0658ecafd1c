import { describe, expect, it } from 'vitest';
import { regrid } from '../../../webview/logsView';

describe('regrid', () => {
  it('spreads each bucket over the grid in proportion to overlap, keeping the total', () => {
    // Buckets [0,1): 64, [1,2): 0, [2,4): 128 onto 64 bins over [0, 4]: 16 bins per unit.
    const g = regrid(Float64Array.of(0, 1, 2, 4), Float64Array.of(64, 0, 128), 0, 4);
    expect(g).toHaveLength(64);
    expect(g[0]).toBeCloseTo(4, 12);
    expect(g[20]).toBe(0);
    expect(g[40]).toBeCloseTo(4, 12);
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(192, 9);
  });

  it('puts a zero-width bucket (a constant tensor) into one bin and ignores infinite edges', () => {
    const g = regrid(Float64Array.of(2.5, 2.5, Infinity), Float64Array.of(10, 3), 2, 3);
    expect(g[32]).toBe(10);
    expect(g.reduce((a, b) => a + b, 0)).toBe(10);
  });
});
