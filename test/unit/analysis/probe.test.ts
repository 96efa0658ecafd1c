import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { probeInputShape, probeModel } from '../../../src/analysis/probe';
import { Tensor } from '../../../src/engine/tensor';
import { REPO_ROOT } from '../fixtures';

async function sample() {
  const file = path.join(REPO_ROOT, 'samples/cnn-bn.onnx');
  return readModel({ name: 'samples/cnn-bn.onnx', bytes: readFileSync(file), readSibling: async () => null });
}

describe('the probe', () => {
  it('runs a seeded random batch of the declared input shape and reports every BN layer', async () => {
    const description = await sample();
    expect(probeInputShape(description, 4)).toEqual([4, 3, 32, 32]);
    const a = probeModel(description, { batchSize: 4, seed: 7 });
    const b = probeModel(description, { batchSize: 4, seed: 7 });
    expect(a.randomInput).toBe(true);
    expect(a.layers.map((l) => [l.name, l.batchMean.length])).toEqual([['block1.bn', 16], ['block2.bn', 32], ['block3.bn', 64]]);
    expect(Array.from(a.layers[2].shiftScore!)).toEqual(Array.from(b.layers[2].shiftScore!)); // deterministic for a seed
    expect(a.layers[0].input.histogram.counts.reduce((x, y) => x + y, 0) + a.layers[0].input.histogram.underflow + a.layers[0].input.histogram.overflow)
      .toBe(a.layers[0].input.sampled);
  });

  it('scores a channel by |batch mean − running mean| / √(running var + ε)', async () => {
    const result = probeModel(await sample(), { batchSize: 2, seed: 1 });
    const layer = result.layers[1];
    for (let c = 0; c < 32; c++) {
      const expected = Math.abs(layer.batchMean[c] - layer.runningMean![c]) / Math.sqrt(layer.runningVariance![c] + 1e-5);
      expect(layer.shiftScore![c]).toBeCloseTo(expected, 10);
    }
  });

  it('compares eval-mode and train-mode outputs on the same batch', async () => {
    const x = Tensor.zeros([6, 3, 32, 32]);
    for (let i = 0; i < x.size; i++) x.data[i] = 3 + Math.sin(i); // far from what the running statistics expect
    const result = probeModel(await sample(), { input: x });
    expect(result.randomInput).toBe(false);
    expect(result.batchSize).toBe(6);
    expect(result.output.shape).toEqual([6, 10]);
    expect(result.output.maxAbsDifference).toBeGreaterThan(0.01);
    expect(result.output.argmaxAgreement).toBeGreaterThanOrEqual(0);
    expect(result.output.argmaxAgreement).toBeLessThanOrEqual(1);
    // The shift is visible at the first BN, whose input mean moved with the input's +3.
    expect(Math.max(...result.layers[0].shiftScore!)).toBeGreaterThan(0.5);
  });

  it('folds the BN layers and measures what folding changes on the batch', async () => {
    const result = probeModel(await sample(), { batchSize: 4, seed: 2 });
    expect(result.fold?.folded).toHaveLength(3);
    expect(result.fold?.maxAbsDifference).toBeGreaterThan(0);
    expect(result.fold?.maxAbsDifference).toBeLessThan(1e-4);
  });
});
