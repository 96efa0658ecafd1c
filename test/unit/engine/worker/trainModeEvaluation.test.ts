import { describe, expect, it } from 'vitest';
import { evaluateTrainMode } from '../../../../src/engine/worker/job';
import { Model } from '../../../../src/engine/model';
import { Dense, ReLU } from '../../../../src/engine/layers';
import { pytorchBatchNorm1d } from '../../../../src/engine/norm';
import { createRng } from '../../../../src/engine/rng';
import { twoMoons } from '../../../../src/engine/data/toy';

describe('train-mode evaluation', () => {
  it('measures with batch statistics but leaves the running statistics and the mode as they were', () => {
    const rng = createRng(3);
    const model = Model.sequential([new Dense({ inFeatures: 2, outFeatures: 8 }, rng), pytorchBatchNorm1d({ name: 'bn', numFeatures: 8 }), new ReLU(), new Dense({ inFeatures: 8, outFeatures: 2 }, rng)]);
    model.eval();
    const before = Object.fromEntries(Object.entries(model.buffers()).map(([k, t]) => [k, Array.from(t.data)]));
    const metrics = evaluateTrainMode(model, twoMoons(40, 0.1, rng), 'cross-entropy', 8);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(metrics.loss)).toBe(true);
    const after = Object.fromEntries(Object.entries(model.buffers()).map(([k, t]) => [k, Array.from(t.data)]));
    expect(after).toEqual(before);
    expect(model.training).toBe(false);
  });
});
