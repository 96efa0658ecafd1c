// The two claims the extension makes about batch normalization, measured on this engine.
//
// 1. On raw (unstandardized, 0–100) exam scores, a Dense–ReLU network trained with SGD (lr 0.1,
//    momentum 0.9) blows up in its first steps and then stalls at chance (loss ≈ ln 2, dead ReLUs);
//    the same network with BatchNorm after each hidden Dense trains to ≈ 0.85 accuracy (the labels are
//    drawn from a logistic of the scores, so ≈ 0.85 is close to the best possible). Measured when this
//    test was written (seeds 1–3): without BN eval accuracy 0.527 (the majority class share) and final
//    loss 0.693–0.696 after step losses up to 60–380; with BN 0.850–0.863 and loss 0.29–0.33.
// 2. Running statistics estimated from batches of 2 are further from the population statistics than
//    from batches of 64: the EMA averages batch means whose spread shrinks like 1/√batch. Measured when
//    this test was written (seeds 1–5, 300 steps, momentum 0.1): mean error 0.10–0.20σ vs 0.011–0.025σ,
//    relative variance error 0.33–1.9 vs 0.064–0.13.

import { describe, expect, it } from 'vitest';
import { examScores, takeRows, type Dataset } from '../../../../src/engine/data';
import type { Layer } from '../../../../src/engine/layer';
import { Dense, ReLU } from '../../../../src/engine/layers';
import { Model } from '../../../../src/engine/model';
import { pytorchBatchNorm1d, type BatchNorm } from '../../../../src/engine/norm';
import { createRng, permutation } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { evaluate, fit } from '../../../../src/engine/train/loop';
import { SGD } from '../../../../src/engine/train/optimizers';

function mlp(withBatchNorm: boolean, seed: number): Model {
  const rng = createRng(seed);
  const widths = [2, 16, 16];
  const layers: Layer[] = [];
  for (let i = 0; i < 2; i++) {
    layers.push(new Dense({ name: `fc${i}`, inFeatures: widths[i], outFeatures: widths[i + 1] }, rng));
    if (withBatchNorm) layers.push(pytorchBatchNorm1d({ name: `bn${i}`, numFeatures: widths[i + 1] }));
    layers.push(new ReLU());
  }
  layers.push(new Dense({ name: 'head', inFeatures: 16, outFeatures: 2 }, rng));
  return Model.sequential(layers);
}

function train(withBatchNorm: boolean, seed: number, data: Dataset): { finalLoss: number; maxStepLoss: number; accuracy: number } {
  const model = mlp(withBatchNorm, seed);
  const result = fit(model, new SGD(model.parameters().map((p) => p.parameter), { lr: 0.1, momentum: 0.9 }), data, {
    epochs: 10, batchSize: 32, loss: 'cross-entropy', rng: createRng(seed + 100),
  });
  return {
    finalLoss: result.epochs[result.epochs.length - 1].train.loss,
    maxStepLoss: Math.max(...result.steps.map((s) => s.loss)),
    accuracy: evaluate(model, data, 'cross-entropy').accuracy,
  };
}

describe('experiment: batch normalization allows a learning rate that fails without it', () => {
  const data = examScores(512, createRng(1));
  let positives = 0;
  for (const label of data.y) positives += label;
  const majority = Math.max(positives, data.y.length - positives) / data.y.length;

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: without BN the loss blows up and then stalls at chance; with BN the network learns`, () => {
      const plain = train(false, seed, data);
      const bn = train(true, seed, data);
      expect(plain.maxStepLoss).toBeGreaterThan(10);
      expect(plain.finalLoss).toBeGreaterThan(0.65);
      expect(plain.accuracy).toBeLessThanOrEqual(majority + 0.02);
      expect(bn.finalLoss).toBeLessThan(0.4);
      expect(bn.accuracy).toBeGreaterThan(0.8);
    });
  }
});

describe('experiment: running statistics from tiny batches are noisier', () => {
  /**
   * Feeds `steps` random minibatches of hidden activations (a fixed random Dense + ReLU on standardized
   * exam scores, so the BN input is a realistic, non-Gaussian hidden layer) through a PyTorch BatchNorm1d
   * in train mode, and returns the mean over channels of |running mean − μ|/σ and |running var/σ² − 1|,
   * with μ and σ² the population statistics of the whole set.
   */
  function runningStatsError(batchSize: number, seed: number): { mean: number; variance: number } {
    const data = examScores(4096, createRng(50));
    for (let i = 0; i < data.x.size; i++) data.x.data[i] = (data.x.data[i] - 55) / 18;
    const hidden = Model.sequential([new Dense({ inFeatures: 2, outFeatures: 8 }, createRng(51)), new ReLU()]).eval();
    const activations = hidden.forward(data.x);
    const features: Dataset = { x: activations, y: data.y, numClasses: 2 };
    const channels = 8;
    const n = data.y.length;
    const mu = new Float64Array(channels);
    const variance = new Float64Array(channels);
    for (let r = 0; r < n; r++) for (let c = 0; c < channels; c++) mu[c] += activations.data[r * channels + c] / n;
    for (let r = 0; r < n; r++) for (let c = 0; c < channels; c++) variance[c] += (activations.data[r * channels + c] - mu[c]) ** 2 / n;

    const bn: BatchNorm = pytorchBatchNorm1d({ name: 'bn', numFeatures: channels });
    const rng = createRng(seed);
    for (let step = 0; step < 300; step++) {
      const batch = takeRows(features, permutation(n, rng).subarray(0, batchSize));
      bn.forward([batch.x], { training: true, rng });
    }
    const runningMean = bn.runningMean as Tensor;
    const runningVar = bn.runningVariance as Tensor;
    let meanError = 0;
    let varError = 0;
    for (let c = 0; c < channels; c++) {
      meanError += Math.abs(runningMean.data[c] - mu[c]) / Math.sqrt(variance[c]) / channels;
      varError += Math.abs(runningVar.data[c] / variance[c] - 1) / channels;
    }
    return { mean: meanError, variance: varError };
  }

  it('batch size 2 ends further from the population statistics than batch size 64 (5 seeds)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const tiny = runningStatsError(2, seed);
      const large = runningStatsError(64, seed);
      // With momentum 0.1 the EMA's spread is ≈ √(0.1/1.9)·σ/√B: expected ratio √32 ≈ 5.7.
      expect(tiny.mean).toBeGreaterThan(2 * large.mean);
      expect(tiny.variance).toBeGreaterThan(2 * large.variance);
    }
  });
});
