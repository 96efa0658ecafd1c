import { describe, expect, it } from 'vitest';
import { blobs, examScores, fitStandardizer, sampleCount, shapes, spirals, splitDataset, standardize, twoMoons, SHAPE_SIZE } from '../../../../src/engine/data';
import { createRng } from '../../../../src/engine/rng';

describe('generated datasets', () => {
  it('exam scores: two 0–100 features, placement more likely with higher scores', () => {
    const ds = examScores(2000, createRng(1));
    expect(ds.x.shape).toEqual([2000, 2]);
    expect(ds.featureNames).toEqual(['exam1', 'exam2']);
    let placedHigh = 0, high = 0, placedLow = 0, low = 0;
    for (let i = 0; i < 2000; i++) {
      const [a, b] = [ds.x.data[2 * i], ds.x.data[2 * i + 1]];
      expect(a).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThanOrEqual(100);
      if (a + b > 130) { high++; placedHigh += ds.y[i]; }
      if (a + b < 90) { low++; placedLow += ds.y[i]; }
    }
    expect(placedHigh / high).toBeGreaterThan(0.85);
    expect(placedLow / low).toBeLessThan(0.15);
  });

  it('two moons, spirals and blobs have balanced classes and are reproducible', () => {
    for (const make of [(s: number) => twoMoons(300, 0.1, createRng(s)), (s: number) => spirals(300, 3, 0.2, createRng(s)), (s: number) => blobs(300, 3, 1, createRng(s))]) {
      const a = make(4);
      const counts = new Array(a.numClasses).fill(0);
      for (const label of a.y) counts[label]++;
      expect(counts.every((c) => Math.abs(c - 300 / a.numClasses) <= 1)).toBe(true);
      expect(Array.from(make(4).x.data)).toEqual(Array.from(a.x.data));
      expect(Array.from(make(5).x.data)).not.toEqual(Array.from(a.x.data));
    }
  });

  it('spiral points lie within the unit disc (plus jitter) and moons are separated by class on average', () => {
    const s = spirals(200, 2, 0, createRng(1));
    for (let i = 0; i < 200; i++) expect(Math.hypot(s.x.data[2 * i], s.x.data[2 * i + 1])).toBeLessThanOrEqual(1 + 1e-6);
    const m = twoMoons(400, 0, createRng(1));
    let upper = 0, lower = 0;
    for (let i = 0; i < 400; i++) {
      if (m.y[i] === 0) upper += m.x.data[2 * i + 1];
      else lower += m.x.data[2 * i + 1];
    }
    expect(upper / 200).toBeGreaterThan(lower / 200 + 0.5);
  });

  it('shapes: [N, 1, 28, 28] images, the drawn shape brighter than the background', () => {
    const ds = shapes(30, createRng(2), { noise: 0 });
    expect(ds.x.shape).toEqual([30, 1, SHAPE_SIZE, SHAPE_SIZE]);
    expect(ds.classNames).toEqual(['circle', 'square', 'triangle']);
    const px = SHAPE_SIZE * SHAPE_SIZE;
    for (let i = 0; i < 30; i++) {
      let on = 0;
      for (let p = 0; p < px; p++) on += ds.x.data[i * px + p];
      // A radius of 5–10 px covers roughly 40–320 pixels whatever the shape.
      expect(on).toBeGreaterThan(30);
      expect(on).toBeLessThan(330);
    }
    const noisy = shapes(3, createRng(2), { noise: 0.2 });
    expect(noisy.x.data.some((v) => v !== 0 && v !== 1)).toBe(true);
    expect(ds.x.data.every((v) => v === 0 || v === 1)).toBe(true);
  });
});

describe('split and standardization', () => {
  it('splits by the fraction without losing samples, and standardizes with training statistics only', () => {
    const ds = examScores(100, createRng(3));
    const { train, validation } = splitDataset(ds, 0.2, createRng(4));
    expect(sampleCount(train)).toBe(80);
    expect(sampleCount(validation)).toBe(20);
    const s = fitStandardizer(train);
    const t = standardize(train, s);
    let mean = 0, sq = 0;
    for (let i = 0; i < 80; i++) { mean += t.x.data[2 * i] / 80; sq += t.x.data[2 * i] ** 2 / 80; }
    expect(mean).toBeCloseTo(0, 5);
    expect(sq).toBeCloseTo(1, 4);
    const v = standardize(validation, s);
    expect(v.x.data[0]).toBeCloseTo((validation.x.data[0] - s.mean[0]) / s.std[0], 5);
  });
});
