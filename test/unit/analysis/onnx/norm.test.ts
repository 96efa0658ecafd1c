import { describe, expect, it } from 'vitest';
import { expectSameAsOrt, runEngine, values, type OpCase } from './ortHarness';

const x = values([2, 6, 3, 4], 1);
const positive = (shape: number[], seed: number) => ({ shape, data: Array.from(values(shape, seed).data, (v) => Math.abs(v) + 0.2) });

const bn = (opset: number): OpCase => ({
  op: 'BatchNormalization', opset,
  inputs: [x, values([6], 2), values([6], 3), values([6], 4), positive([6], 5)],
  attributes: { epsilon: { float: 1e-3 } },
});

const cases: [string, OpCase][] = [
  ['BatchNormalization-15 eval', bn(15)],
  ['BatchNormalization-9 eval', bn(9)],
  ['BatchNormalization-7 eval', bn(7)],
  ['BatchNormalization on [N, C] (BatchNorm1d after a Linear)', { ...bn(15), inputs: [values([4, 6], 19), ...bn(15).inputs.slice(1)] }],
  ['BatchNormalization on [N, C, L]', { ...bn(15), inputs: [values([2, 6, 5], 20), ...bn(15).inputs.slice(1)] }],
  ['LayerNormalization-17 last axis', { op: 'LayerNormalization', inputs: [values([2, 5, 8], 6), values([8], 7), values([8], 8)] }],
  ['LayerNormalization-17 last two axes, ε 1e-3', { op: 'LayerNormalization', inputs: [values([2, 5, 8], 9), values([5, 8], 10), values([5, 8], 11)], attributes: { axis: -2, epsilon: { float: 1e-3 } } }],
  ['LayerNormalization-17 positive axis 1 on [N, T, D]', { op: 'LayerNormalization', inputs: [values([2, 5, 8], 21), values([5, 8], 22), values([5, 8], 23)], attributes: { axis: 1 } }],
  ['LayerNormalization-17 without bias', { op: 'LayerNormalization', inputs: [values([3, 7], 12), values([7], 13)] }],
  ['InstanceNormalization on [N, C, H, W]', { op: 'InstanceNormalization', inputs: [x, values([6], 14), values([6], 15)] }],
  ['InstanceNormalization on [N, G, L] (GroupNorm exported by opset < 18)', { op: 'InstanceNormalization', inputs: [values([2, 3, 8], 16), { shape: [3], data: [1, 1, 1] }, { shape: [3], data: [0, 0, 0] }] }],
  ['GroupNormalization-21 per-channel scale', { op: 'GroupNormalization', opset: 21, inputs: [x, values([6], 17), values([6], 18)], attributes: { num_groups: 3 } }],
];

describe('normalization operators match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));

  it('LayerNormalization with a non-negative axis whose scale covers fewer axes is refused when it runs, not computed wrong', async () => {
    const c: OpCase = { op: 'LayerNormalization', inputs: [values([2, 5, 8], 24), values([8], 25)], attributes: { axis: 1 } };
    await expect(runEngine(c)).rejects.toThrow(/LayerNormalization 'the_LayerNormalization': axis 1 of a rank-3 input normalizes 2 axes, its scale has shape \[8\]/);
  });

  it('BatchNormalization in train mode normalizes with the batch statistics', async () => {
    const [y] = await runEngine(bn(15), 'train');
    // Per channel, the output's mean is β and its (biased) variance γ²·σ²/(σ²+ε): check the mean.
    const beta = values([6], 3).data;
    for (let c = 0; c < 6; c++) {
      let sum = 0;
      for (let n = 0; n < 2; n++) for (let i = 0; i < 12; i++) sum += y.data[(n * 6 + c) * 12 + i];
      expect(sum / 24).toBeCloseTo(beta[c], 5);
    }
  });
});
