import { describe, expect, it } from 'vitest';
import { fitStandardizer, splitDataset, standardize, twoMoons, type Dataset } from '../../../../src/engine/data';
import { Dense, ReLU } from '../../../../src/engine/layers';
import { Model } from '../../../../src/engine/model';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { accuracyOf, computeLoss, evaluate, fit, trainingSteps } from '../../../../src/engine/train/loop';
import { Adam, SGD } from '../../../../src/engine/train/optimizers';

function mlp(seed: number, outputs = 2): Model {
  const rng = createRng(seed);
  return Model.sequential([
    new Dense({ inFeatures: 2, outFeatures: 16 }, rng), new ReLU(),
    new Dense({ inFeatures: 16, outFeatures: outputs }, rng),
  ]);
}

function moons(): { train: Dataset; validation: Dataset } {
  const { train, validation } = splitDataset(twoMoons(240, 0.1, createRng(1)), 0.25, createRng(2));
  const s = fitStandardizer(train);
  return { train: standardize(train, s), validation: standardize(validation, s) };
}

describe('training loop', () => {
  it('learns two moons: validation accuracy above 0.9 after a few epochs', () => {
    const { train, validation } = moons();
    const model = mlp(3);
    const result = fit(model, new Adam(model.parameters().map((p) => p.parameter), { lr: 0.02 }), train, {
      epochs: 15, batchSize: 16, loss: 'cross-entropy', rng: createRng(4), validation,
    });
    expect(result.steps.length).toBe(15 * Math.ceil(180 / 16));
    expect(result.epochs.length).toBe(15);
    const last = result.epochs[14];
    expect(last.validation?.accuracy).toBeGreaterThan(0.9);
    expect(last.train.loss).toBeLessThan(result.epochs[0].train.loss);
    expect(evaluate(model, validation, 'cross-entropy')).toEqual(last.validation);
  });

  it('is deterministic for a seed, different for another', () => {
    const losses = (seed: number): number[] => {
      const { train } = moons();
      const model = mlp(seed);
      return fit(model, new SGD(model.parameters().map((p) => p.parameter), { lr: 0.1, momentum: 0.9 }), train, {
        epochs: 2, batchSize: 32, loss: 'cross-entropy', rng: createRng(seed),
      }).steps.map((s) => s.loss);
    };
    expect(losses(7)).toEqual(losses(7));
    expect(losses(7)).not.toEqual(losses(8));
  });

  it('stops at a step boundary when asked', () => {
    const { train } = moons();
    const model = mlp(1);
    let calls = 0;
    const result = fit(model, new SGD(model.parameters().map((p) => p.parameter), { lr: 0.1 }), train, {
      epochs: 5, batchSize: 10, loss: 'cross-entropy', rng: createRng(1), shouldStop: () => ++calls === 3,
    });
    expect(result.stopped).toBe(true);
    expect(result.steps.length).toBe(3);
    expect(result.epochs.length).toBe(0);
  });

  it('yields step events with 1-based step numbers, the last batch possibly short unless dropLast', () => {
    const { train } = moons();
    const model = mlp(1);
    const opt = new SGD(model.parameters().map((p) => p.parameter), { lr: 0.1 });
    const events = [...trainingSteps(model, opt, train, { epochs: 1, batchSize: 50, loss: 'cross-entropy', rng: createRng(1) })];
    expect(events.map((e) => (e.type === 'step' ? e.batchSize : 'epoch'))).toEqual([50, 50, 50, 30, 'epoch']);
    expect(events[3].step).toBe(4);
    const dropped = [...trainingSteps(model, opt, train, { epochs: 1, batchSize: 50, loss: 'cross-entropy', rng: createRng(1), dropLast: true })];
    expect(dropped.length).toBe(4);
  });

  it('calls beforeStep before the forward and afterBackward between backward and the update', () => {
    const { train } = moons();
    const model = mlp(1);
    const params = model.parameters().map((p) => p.parameter);
    const log: string[] = [];
    let gradientSeen = false;
    const weight = params[0].value.data;
    let weightBeforeUpdate = 0;
    model.observer = (name) => log.push(`forward ${name}`);
    fit(model, new SGD(params, { lr: 0.1 }), train, {
      epochs: 1, batchSize: 90, loss: 'cross-entropy', rng: createRng(1),
      beforeStep: (step) => log.push(`before ${step}`),
      afterBackward: (step) => {
        log.push(`after ${step}`);
        gradientSeen = params[0].grad.data.some((v) => v !== 0);
        weightBeforeUpdate = weight[0];
      },
    });
    expect(log.slice(0, 5)).toEqual(['before 1', 'forward dense', 'forward relu', 'forward dense_1', 'after 1']);
    expect(log.filter((l) => l.startsWith('before'))).toEqual(['before 1', 'before 2']);
    expect(gradientSeen).toBe(true);
    expect(weight[0]).not.toBe(weightBeforeUpdate);
  });

  it('bce and mse losses meet integer labels as documented', () => {
    const labels = Int32Array.from([1, 0]);
    const logit = Tensor.fromArray([2, -1], [2, 1], 'float64');
    expect(computeLoss(logit, labels, 2, 'bce').value).toBeCloseTo((Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1))) / 2, 14);
    expect(accuracyOf(logit, labels, 'bce')).toBe(1);
    const scores = Tensor.fromArray([0.2, 0.9, 0.7, 0.1], [2, 2], 'float64');
    expect(computeLoss(scores, labels, 2, 'mse').value).toBeCloseTo((0.04 + 0.01 + 0.09 + 0.01) / 4, 14);
    expect(accuracyOf(scores, labels, 'mse')).toBe(1);
    expect(() => computeLoss(scores, labels, 2, 'bce')).toThrow(/one logit/);
  });
});
