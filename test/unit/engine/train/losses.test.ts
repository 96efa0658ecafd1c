import { describe, expect, it } from 'vitest';
import type { Layer } from '../../../../src/engine/layer';
import { bceWithLogitsLoss, mseLoss, softmaxCrossEntropy, type LossResult } from '../../../../src/engine/train/losses';
import { Tensor } from '../../../../src/engine/tensor';
import { checkGradients, randomTensor } from '../gradcheck';

/** A loss seen as a layer from predictions to the scalar loss, so the shared checker can probe it. */
function lossLayer(loss: (pred: Tensor) => LossResult): Layer {
  let last: LossResult | undefined;
  return {
    name: 'loss',
    kind: 'Loss',
    forward: ([pred]) => {
      last = loss(pred);
      return Tensor.fromArray([last.value], [1], 'float64');
    },
    backward: (g) => {
      const grad = (last as LossResult).grad.clone();
      for (let i = 0; i < grad.size; i++) grad.data[i] *= g.data[0];
      return [grad];
    },
    parameters: () => [],
    buffers: () => ({}),
  };
}

describe('softmaxCrossEntropy', () => {
  it('matches the hand computation logsumexp − logit[label], averaged', () => {
    const logits = Tensor.fromArray([1, 2, 3, 1, 1, 1], [2, 3], 'float64');
    const { value, grad } = softmaxCrossEntropy(logits, [2, 0]);
    // row 0: log(e¹ + e² + e³) − 3 = 0.40760596444438013; row 1: log 3.
    expect(value).toBeCloseTo((0.40760596444438013 + Math.log(3)) / 2, 15);
    // row 1: softmax = 1/3 each, label 0 → (1/3 − 1, 1/3, 1/3) / 2
    expect(grad.data[3]).toBeCloseTo(-1 / 3, 15);
    expect(grad.data[4]).toBeCloseTo(1 / 6, 15);
  });

  it('stays finite for huge logits', () => {
    const { value } = softmaxCrossEntropy(Tensor.fromArray([1000, -1000], [1, 2], 'float64'), [1]);
    expect(value).toBeCloseTo(2000, 10);
  });

  it('gradient matches finite differences', () => {
    const report = checkGradients(lossLayer((p) => softmaxCrossEntropy(p, [0, 2, 1, 2])), [randomTensor([4, 3], 1)]);
    expect(report.ok, report.describe()).toBe(true);
  });

  it('rejects labels out of range', () => {
    expect(() => softmaxCrossEntropy(Tensor.zeros([1, 2]), [2])).toThrow(/label/);
  });
});

describe('bceWithLogitsLoss', () => {
  it('equals −[y·log σ(x) + (1−y)·log(1−σ(x))] and is finite at large |x|', () => {
    const { value } = bceWithLogitsLoss(Tensor.fromArray([0.3, -1.2], [2], 'float64'), Tensor.fromArray([1, 0], [2], 'float64'));
    const s = (x: number): number => 1 / (1 + Math.exp(-x));
    expect(value).toBeCloseTo((-Math.log(s(0.3)) - Math.log(1 - s(-1.2))) / 2, 14);
    expect(bceWithLogitsLoss(Tensor.fromArray([-800], [1], 'float64'), Tensor.fromArray([1], [1], 'float64')).value).toBeCloseTo(800, 10);
  });

  it('gradient matches finite differences (soft targets too)', () => {
    const targets = Tensor.fromArray([1, 0, 0.3, 1, 0, 0.5], [6], 'float64');
    const report = checkGradients(lossLayer((p) => bceWithLogitsLoss(p, targets)), [randomTensor([6], 2, 2)]);
    expect(report.ok, report.describe()).toBe(true);
  });
});

describe('mseLoss', () => {
  it('is the mean squared error, with a finite-difference-exact gradient', () => {
    const target = Tensor.fromArray([1, 2, 3, 4], [2, 2], 'float64');
    expect(mseLoss(Tensor.fromArray([1, 1, 1, 1], [2, 2], 'float64'), target).value).toBe((0 + 1 + 4 + 9) / 4);
    const report = checkGradients(lossLayer((p) => mseLoss(p, target)), [randomTensor([2, 2], 3)]);
    expect(report.ok, report.describe()).toBe(true);
  });
});
