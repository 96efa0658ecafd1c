import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/engine/tensor';
import { summarizeTensor } from '../../../src/analysis/tensorStatistics';

describe('summarizeTensor', () => {
  it('gives pooled and per-channel statistics along the channel axis', () => {
    // [N=2, C=2, L=2]: channel 0 holds 1,2,5,6; channel 1 holds 3,4,7,8.
    const t = Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const s = summarizeTensor(t, 1);
    expect([s.min, s.max, s.mean]).toEqual([1, 8, 4.5]);
    expect(s.std).toBeCloseTo(Math.sqrt(5.25), 12);
    expect(Array.from(s.channelMean)).toEqual([3.5, 5.5]);
    expect(Array.from(s.channelVar)).toEqual([4.25, 4.25]);
  });

  it('handles channels last and keeps precision for a large mean', () => {
    const t = Tensor.fromArray([1e6 + 1, 0, 1e6 - 1, 0], [2, 2], 'float64');
    const s = summarizeTensor(t, -1);
    expect(Array.from(s.channelMean)).toEqual([1e6, 0]);
    expect(Array.from(s.channelVar)).toEqual([1, 0]);
  });
});
