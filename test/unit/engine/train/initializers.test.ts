import { describe, expect, it } from 'vitest';
import { Conv2d, Dense } from '../../../../src/engine/layers';
import { createRng } from '../../../../src/engine/rng';
import { fansOf, initBias, initWeight, type InitializerName } from '../../../../src/engine/train/initializers';

function stats(values: ArrayLike<number>): { min: number; max: number; std: number; mean: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i] / values.length;
  let variance = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    variance += (values[i] - mean) ** 2 / values.length;
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, max, std: Math.sqrt(variance), mean };
}

describe('initializers', () => {
  it('fans follow PyTorch: [out, in, kH, kW] → fanIn = in·kH·kW, fanOut = out·kH·kW', () => {
    expect(fansOf([8, 3, 3, 3])).toEqual({ fanIn: 27, fanOut: 72 });
    expect(fansOf([10, 4])).toEqual({ fanIn: 4, fanOut: 10 });
  });

  it('PyTorch default: weight and bias uniform within ±1/√fanIn', () => {
    const dense = new Dense({ inFeatures: 400, outFeatures: 50 }, createRng(1));
    const bound = 1 / Math.sqrt(400);
    const w = stats(dense.weight.value.data);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.min).toBeGreaterThanOrEqual(-bound);
    expect(w.max).toBeGreaterThan(0.95 * bound); // uniform fills the interval
    expect(w.std).toBeCloseTo(bound / Math.sqrt(3), 3);
    const b = stats(dense.bias?.value.data ?? []);
    expect(Math.max(Math.abs(b.min), Math.abs(b.max))).toBeLessThanOrEqual(bound);
    const conv = new Conv2d({ inChannels: 16, outChannels: 8, kernelSize: 3 }, createRng(2));
    expect(stats(conv.weight.value.data).max).toBeLessThanOrEqual(1 / Math.sqrt(16 * 9));
  });

  const expectedStd: [InitializerName, (fanIn: number, fanOut: number) => number][] = [
    ['he-normal', (fi) => Math.sqrt(2 / fi)],
    ['he-uniform', (fi) => Math.sqrt(6 / fi) / Math.sqrt(3)],
    ['glorot-normal', (fi, fo) => Math.sqrt(2 / (fi + fo))],
    ['glorot-uniform', (fi, fo) => Math.sqrt(6 / (fi + fo)) / Math.sqrt(3)],
  ];
  for (const [name, std] of expectedStd) {
    it(`${name} has the right spread and a zero bias`, () => {
      const shape = [200, 300];
      const w = stats(initWeight(name, shape, createRng(3), 'float64').data);
      expect(Math.abs(w.std / std(300, 200) - 1)).toBeLessThan(0.02);
      expect(Math.abs(w.mean)).toBeLessThan(0.01);
      expect(Array.from(initBias(name, shape, createRng(3), 'float64').data).every((v) => v === 0)).toBe(true);
    });
  }

  it('is reproducible from the seed', () => {
    const a = initWeight('he-normal', [4, 4], createRng(9), 'float32').data;
    const b = initWeight('he-normal', [4, 4], createRng(9), 'float32').data;
    const c = initWeight('he-normal', [4, 4], createRng(10), 'float32').data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
