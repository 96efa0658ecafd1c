import { describe, expect, it } from 'vitest';
import { histogramRange, regrid } from '../../../webview/logsView';

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

  it('keeps each bucket within the stored min and max: TensorFlow\'s outer buckets reach to ±1e308', () => {
    // Values from −1 to 1 in buckets [−Number.MAX_VALUE, −0.5), [−0.5, 0.5), [0.5, Number.MAX_VALUE): spread over their edges the outer ones would vanish.
    const edges = Float64Array.of(-Number.MAX_VALUE, -0.5, 0.5, Number.MAX_VALUE);
    const g = regrid(edges, Float64Array.of(16, 32, 16), -1, 1, -1, 1);
    expect(g.reduce((a, b) => a + b, 0)).toBeCloseTo(64, 9);
    expect(g[0]).toBeCloseTo(1, 9);
    expect(g[63]).toBeCloseTo(1, 9);
  });

  it('draws a constant tensor as a spike at its value, in a range around it', () => {
    const series = { tag: 'bn/gamma', steps: Float64Array.of(0, 1), edges: [Float64Array.of(-Number.MAX_VALUE, 1, Number.MAX_VALUE), Float64Array.of(-Number.MAX_VALUE, 1, Number.MAX_VALUE)],
      counts: [Float64Array.of(0, 8), Float64Array.of(0, 8)], min: Float64Array.of(1, 1), max: Float64Array.of(1, 1) };
    const [lo, hi] = histogramRange(series);
    expect([lo, hi]).toEqual([0.5, 1.5]);
    const g = regrid(series.edges[0], series.counts[0], lo, hi, 1, 1);
    expect(g[32]).toBe(8);
    expect(g.filter((c) => c > 0)).toHaveLength(1);
  });

  it('takes the range from the stored min and max rather than the bucket edges', () => {
    const series = { tag: 't', steps: Float64Array.of(0), edges: [Float64Array.of(-10, 0, 10)], counts: [Float64Array.of(3, 5)], min: Float64Array.of(-2.5), max: Float64Array.of(4) };
    expect(histogramRange(series)).toEqual([-2.5, 4]);
    expect(histogramRange({ ...series, min: Float64Array.of(NaN), max: Float64Array.of(NaN) })).toEqual([-10, 10]);
  });
});
