import { describe, expect, it } from 'vitest';
import { axisFraction, axisTicks, axisValue, nearestIndex, niceTicks, tickText } from '../../../webview/axes';

describe('chart axes', () => {
  it('puts ticks at round values: 1, 2, 5 × 10^k, powers of ten on a log scale, whole numbers for channels', () => {
    expect(niceTicks(0, 6000, 4)).toEqual([0, 2000, 4000, 6000]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(-2.3, 2.1, 3)).toEqual([-2, 0, 2]);
    expect(niceTicks(0.004, 3, 4, true)).toEqual([0.01, 0.1, 1]);
    expect(axisTicks({ lo: 0, hi: 2, label: 'channel', bands: true }, 4)).toEqual([0, 1, 2]);
    expect(tickText(2e-5)).toBe('2e-5');
  });

  it('maps values to the plot and back, with padding, log scales and channel bands', () => {
    const x = { lo: 0, hi: 10, label: 'epoch', inset: 0.05 };
    expect(axisFraction(x, 0)).toBeCloseTo(0.05, 12);
    expect(axisFraction(x, 10)).toBeCloseTo(0.95, 12);
    expect(axisValue(x, axisFraction(x, 3.7))).toBeCloseTo(3.7, 12);
    const log = { lo: 0.01, hi: 1, label: 'loss', log: true };
    expect(axisFraction(log, 0.1)).toBeCloseTo(0.5, 12);
    expect(axisValue(log, 0.5)).toBeCloseTo(0.1, 12);
    // Four channels as bands: channel 0's middle is an eighth of the way up.
    expect(axisFraction({ lo: 0, hi: 3, label: 'channel', bands: true }, 0)).toBeCloseTo(0.125, 12);
  });

  it('finds the nearest point of a series for the hover readout', () => {
    const xs = [0, 1, 2, 5, 9];
    expect(nearestIndex(xs, 3.4)).toBe(2);
    expect(nearestIndex(xs, 3.6)).toBe(3);
    expect(nearestIndex(xs, 100)).toBe(4);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});
