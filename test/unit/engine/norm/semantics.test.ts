// Forward semantics that the framework fixtures do not cover: LayerNorm, GroupNorm and InstanceNorm
// against direct textbook loops, running-statistics conventions, modes, validation and the kernels.

import { describe, expect, it } from 'vitest';
import {
  BatchNorm, GroupNorm, InstanceNorm, LayerNorm, float32Kernels, float64Kernels, isNormalizationLayer,
  kerasBatchNormalization, onnxBatchNormalization, pytorchBatchNorm1d, pytorchBatchNorm2d, pytorchBatchNorm3d,
  type ChannelLayout, type NormKernels,
} from '../../../../src/engine/norm';
import { Tensor, type FloatArray } from '../../../../src/engine/tensor';
import { randomTensor, seededRng } from '../gradcheck';
import { EVAL, TRAIN, expectClose, type Tolerance } from './helpers';

const EXACT = { rtol: 1e-12, atol: 1e-12 };

/** Mean and biased variance of the values at the given indices. */
function moments(x: ArrayLike<number>, indices: number[]): { mean: number; variance: number } {
  const mean = indices.reduce((s, i) => s + x[i], 0) / indices.length;
  return { mean, variance: indices.reduce((s, i) => s + (x[i] - mean) ** 2, 0) / indices.length };
}

/** y[i] = (x[i] − μ_set)/√(σ²_set + ε)·γ[i] + β[i] for every index set; γ, β by element index. */
function normalizeSets(x: Tensor, sets: number[][], eps: number, gamma: (i: number) => number, beta: (i: number) => number): Float64Array {
  const y = new Float64Array(x.size);
  for (const set of sets) {
    const { mean, variance } = moments(x.data, set);
    for (const i of set) y[i] = ((x.data[i] - mean) / Math.sqrt(variance + eps)) * gamma(i) + beta(i);
  }
  return y;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function fillRandom(data: Float32Array | Float64Array, seed: number): void {
  const rng = seededRng(seed);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + rng.next();
}

describe('LayerNorm', () => {
  it('normalizes each row over the trailing dims, with elementwise γ and β', () => {
    const layer = new LayerNorm({ name: 'ln', normalizedShape: [3, 4], eps: 1e-3, dtype: 'float64' });
    fillRandom(layer.gamma?.value.data as Float64Array, 1);
    fillRandom(layer.beta?.value.data as Float64Array, 2);
    expect(layer.gamma?.value.shape).toEqual([3, 4]);
    const x = randomTensor([2, 5, 3, 4], 3, 2, 1);
    const rows = range(10).map((r) => range(12).map((d) => r * 12 + d));
    const g = layer.gamma?.value.data as Float64Array;
    const b = layer.beta?.value.data as Float64Array;
    const expected = normalizeSets(x, rows, 1e-3, (i) => g[i % 12], (i) => b[i % 12]);
    expectClose(layer.forward([x], TRAIN).data, expected, EXACT, 'train');
    expectClose(layer.forward([x], EVAL).data, expected, EXACT, 'eval (no running statistics)');
    expect(() => layer.forward([randomTensor([2, 4, 3], 1)], TRAIN)).toThrow(/does not end with normalized_shape \[3, 4\]/);
  });

  it('has only γ without bias, nothing without elementwise affine', () => {
    expect(new LayerNorm({ name: 'ln', normalizedShape: [4], bias: false }).parameters().map((p) => p.name)).toEqual(['weight']);
    expect(new LayerNorm({ name: 'ln', normalizedShape: [4], elementwiseAffine: false }).parameters()).toEqual([]);
  });
});

describe('GroupNorm', () => {
  it('normalizes groups of C/G channels per sample, with per-channel γ and β', () => {
    const layer = new GroupNorm({ name: 'gn', numGroups: 2, numChannels: 6, dtype: 'float64' });
    fillRandom(layer.gamma?.value.data as Float64Array, 1);
    fillRandom(layer.beta?.value.data as Float64Array, 2);
    const [n, c, s] = [3, 6, 5];
    const x = randomTensor([n, c, s], 4, 3, -2);
    const sets = range(n * 2).map((k) => range(3 * s).map((j) => Math.floor(k / 2) * c * s + (k % 2) * 3 * s + j));
    const channel = (i: number): number => Math.floor(i / s) % c;
    const g = layer.gamma?.value.data as Float64Array;
    const b = layer.beta?.value.data as Float64Array;
    expectClose(layer.forward([x], TRAIN).data, normalizeSets(x, sets, 1e-5, (i) => g[channel(i)], (i) => b[channel(i)]), EXACT, 'GroupNorm');
  });

  it('refuses channels not divisible by the groups', () => {
    expect(() => new GroupNorm({ name: 'gn', numGroups: 4, numChannels: 6 })).toThrow(/divisible/);
  });
});

describe('InstanceNorm', () => {
  const [n, c, s] = [4, 3, 6];
  const instances = range(n * c).map((k) => range(s).map((j) => k * s + j));

  it('normalizes each sample and channel over its positions', () => {
    const layer = new InstanceNorm({ name: 'in', numFeatures: c, dtype: 'float64' });
    expect(layer.parameters()).toEqual([]);
    expect(layer.buffers()).toEqual({});
    const x = randomTensor([n, c, s], 5, 2, 1);
    const expected = normalizeSets(x, instances, 1e-5, () => 1, () => 0);
    expectClose(layer.forward([x], TRAIN).data, expected, EXACT, 'train');
    expectClose(layer.forward([x], EVAL).data, expected, EXACT, 'eval without running statistics');
  });

  it('tracks running statistics as PyTorch does (batch mean of instance means and unbiased variances), used in eval', () => {
    const layer = new InstanceNorm({ name: 'in', numFeatures: c, trackRunningStats: true, momentum: 0.2, dtype: 'float64' });
    const xs = [randomTensor([n, c, s], 6, 2, 1), randomTensor([n, c, s], 7, 1, -1)];
    const runningMean = [0, 0, 0];
    const runningVar = [1, 1, 1];
    for (const x of xs) {
      layer.forward([x], TRAIN);
      for (let ch = 0; ch < c; ch++) {
        const perInstance = range(n).map((b) => moments(x.data, instances[b * c + ch]));
        const mean = perInstance.reduce((t, m) => t + m.mean, 0) / n;
        const unbiased = perInstance.reduce((t, m) => t + (m.variance * s) / (s - 1), 0) / n;
        runningMean[ch] = 0.8 * runningMean[ch] + 0.2 * mean;
        runningVar[ch] = 0.8 * runningVar[ch] + 0.2 * unbiased;
      }
    }
    const stats = layer.runningStatistics();
    expectClose(stats?.mean ?? [], runningMean, EXACT, 'running_mean');
    expectClose(stats?.variance ?? [], runningVar, EXACT, 'running_var');
    const x = xs[0];
    const channel = (i: number): number => Math.floor(i / s) % c;
    const expected = Array.from(x.data, (v, i) => (v - runningMean[channel(i)]) / Math.sqrt(runningVar[channel(i)] + 1e-5));
    expectClose(layer.forward([x], EVAL).data, expected, EXACT, 'eval with running statistics');
  });

  it('refuses one spatial element when using instance statistics, as PyTorch does', () => {
    expect(() => new InstanceNorm({ name: 'in', numFeatures: 2 }).forward([Tensor.zeros([3, 2, 1])], TRAIN)).toThrow(
      'Expected more than 1 spatial element when training, got input size [3, 2, 1]',
    );
  });
});

describe('BatchNorm conventions and modes', () => {
  const x1 = randomTensor([6, 2, 3], 11, 2, 1);
  const x2 = randomTensor([6, 2, 3], 12, 1, -3);
  const x3 = randomTensor([6, 2, 3], 13, 3, 0);
  const m = 18;
  const channelMoments = (x: Tensor, ch: number): { mean: number; variance: number } =>
    moments(x.data, range(x.size).filter((i) => Math.floor(i / 3) % 2 === ch));

  it('PyTorch momentum=null keeps the cumulative average of batch means and unbiased variances', () => {
    const layer = pytorchBatchNorm1d({ name: 'bn', numFeatures: 2, momentum: null, dtype: 'float64' });
    for (const x of [x1, x2, x3]) layer.forward([x], TRAIN);
    const stats = layer.runningStatistics();
    for (let ch = 0; ch < 2; ch++) {
      const batches = [x1, x2, x3].map((x) => channelMoments(x, ch));
      expect(stats?.mean[ch]).toBeCloseTo(batches.reduce((t, b) => t + b.mean, 0) / 3, 12);
      expect(stats?.variance[ch]).toBeCloseTo(batches.reduce((t, b) => t + (b.variance * m) / (m - 1), 0) / 3, 12);
    }
    expect(layer.buffers().num_batches_tracked.data[0]).toBe(3);
  });

  it('Keras/TF.js and ONNX move the running statistics by m·r + (1 − m)·batch with the biased variance', () => {
    for (const layer of [
      kerasBatchNormalization({ name: 'k', numFeatures: 2, axis: 1, momentum: 0.7, dtype: 'float64' }),
      onnxBatchNormalization({ name: 'o', numFeatures: 2, momentum: 0.7, dtype: 'float64' }),
    ]) {
      layer.forward([x1], TRAIN);
      layer.forward([x2], TRAIN);
      const stats = layer.runningStatistics();
      for (let ch = 0; ch < 2; ch++) {
        const [a, b] = [x1, x2].map((x) => channelMoments(x, ch));
        expect(stats?.mean[ch]).toBeCloseTo(0.7 * (0.3 * a.mean) + 0.3 * b.mean, 12);
        expect(stats?.variance[ch]).toBeCloseTo(0.7 * (0.7 + 0.3 * a.variance) + 0.3 * b.variance, 12);
      }
      expect(Object.keys(layer.buffers())).not.toContain('num_batches_tracked');
    }
  });

  it('track_running_stats=false: no buffers, batch statistics in eval too', () => {
    const layer = pytorchBatchNorm1d({ name: 'bn', numFeatures: 2, trackRunningStats: false, dtype: 'float64' });
    expect(layer.buffers()).toEqual({});
    expect(layer.runningStatistics()).toBeUndefined();
    const train = layer.forward([x1], TRAIN);
    const evalOut = layer.forward([x1], EVAL);
    expectClose(evalOut.data, train.data, EXACT, 'eval equals train');
    expect(layer.batchStatistics()?.mean[1]).toBeCloseTo(channelMoments(x1, 1).mean, 12);
  });

  it('exposes the batch statistics of train-mode forwards only', () => {
    const layer = pytorchBatchNorm1d({ name: 'bn', numFeatures: 2, dtype: 'float64' });
    layer.forward([x1], TRAIN);
    const batch = layer.batchStatistics();
    expect(batch?.variance[0]).toBeCloseTo(channelMoments(x1, 0).variance, 12);
    batch?.mean.fill(99);
    expect(layer.batchStatistics()?.mean[0]).toBeCloseTo(channelMoments(x1, 0).mean, 12);
    layer.forward([x1], EVAL);
    expect(layer.batchStatistics()).toBeUndefined();
  });

  it('Keras and ONNX normalize a one-value-per-channel batch to β instead of refusing it', () => {
    for (const layer of [kerasBatchNormalization({ name: 'k', numFeatures: 3 }), onnxBatchNormalization({ name: 'o', numFeatures: 3 })]) {
      layer.beta?.value.data.set([1, 2, 3]);
      expect(Array.from(layer.forward([Tensor.fromArray([5, 6, 7], [1, 3])], TRAIN).data)).toEqual([1, 2, 3]);
    }
  });

  it('checks ranks like PyTorch and channel counts', () => {
    expect(() => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3 }).forward([Tensor.zeros([2, 3, 4])], TRAIN)).toThrow('expected 4D input (got 3D input)');
    expect(() => pytorchBatchNorm1d({ name: 'bn', numFeatures: 3 }).forward([Tensor.zeros([2, 3, 4, 4])], TRAIN)).toThrow('expected 2D or 3D input (got 4D input)');
    expect(() => pytorchBatchNorm3d({ name: 'bn', numFeatures: 3 }).forward([Tensor.zeros([2, 3, 4, 4])], TRAIN)).toThrow('expected 5D input (got 4D input)');
    expect(() => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3 }).forward([Tensor.zeros([2, 4, 2, 2])], TRAIN)).toThrow(/3 channels/);
    expect(() => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3 }).forward([Tensor.zeros([2, 3, 2, 2], 'float64')], TRAIN)).toThrow(/float32/);
  });

  it('reuseBuffers writes every output and input gradient into one tensor per shape', () => {
    const reusing = pytorchBatchNorm1d({ name: 'bn', numFeatures: 2, dtype: 'float64', reuseBuffers: true });
    const plain = pytorchBatchNorm1d({ name: 'bn', numFeatures: 2, dtype: 'float64' });
    const y1 = reusing.forward([x1], TRAIN);
    const dx1 = reusing.backward(x2)[0];
    const y2 = reusing.forward([x3], TRAIN);
    expect(y2).toBe(y1);
    expect(reusing.backward(x1)[0]).toBe(dx1);
    plain.forward([x1], TRAIN);
    plain.backward(x2);
    expectClose(y2.data, plain.forward([x3], TRAIN).data, EXACT, 'reused output');
    expectClose(dx1.data, plain.backward(x1)[0].data, EXACT, 'reused gradient');
    expect(reusing.forward([randomTensor([4, 2], 1)], TRAIN)).not.toBe(y1);
    expect(plain.forward([x1], TRAIN)).not.toBe(plain.forward([x1], TRAIN));
  });

  it('names parameters and buffers after each framework', () => {
    const names = (layer: BatchNorm): string[] => [...layer.parameters().map((p) => p.name), ...Object.keys(layer.buffers())];
    expect(names(pytorchBatchNorm2d({ name: 'bn', numFeatures: 2 }))).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(names(kerasBatchNormalization({ name: 'bn', numFeatures: 2 }))).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(names(kerasBatchNormalization({ name: 'bn', numFeatures: 2, center: false }))).toEqual(['gamma', 'moving_mean', 'moving_variance']);
    expect(names(onnxBatchNormalization({ name: 'bn', numFeatures: 2 }))).toEqual(['scale', 'B', 'input_mean', 'input_var']);
    expect(names(pytorchBatchNorm2d({ name: 'bn', numFeatures: 2, affine: false }))).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
  });

  it('the channels-last layer on NHWC equals the channels-first layer on NCHW', () => {
    const nchw = randomTensor([2, 3, 2, 5], 21, 1, 0.5);
    const nhwc = Tensor.zeros([2, 2, 5, 3], 'float64');
    for (let b = 0; b < 2; b++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 10; p++) nhwc.data[(b * 10 + p) * 3 + ch] = nchw.data[(b * 3 + ch) * 10 + p];
    const first = pytorchBatchNorm2d({ name: 'a', numFeatures: 3, dtype: 'float64' }).forward([nchw], TRAIN);
    const last = kerasBatchNormalization({ name: 'b', numFeatures: 3, epsilon: 1e-5, dtype: 'float64' }).forward([nhwc], TRAIN);
    for (let b = 0; b < 2; b++) for (let ch = 0; ch < 3; ch++) for (let p = 0; p < 10; p++) {
      expect(last.data[(b * 10 + p) * 3 + ch]).toBeCloseTo(first.data[(b * 3 + ch) * 10 + p], 12);
    }
  });

  it('is recognized as a normalization layer with its channel axis', () => {
    expect(isNormalizationLayer(kerasBatchNormalization({ name: 'k', numFeatures: 2 }))).toBe(true);
    expect(kerasBatchNormalization({ name: 'k', numFeatures: 2 }).channelAxis(4)).toBe(3);
    expect(new LayerNorm({ name: 'l', normalizedShape: [2] }).channelAxis(3)).toBe(2);
    expect(isNormalizationLayer({ name: 'x', kind: 'Dense', forward: () => Tensor.zeros([1]), backward: () => [], parameters: () => [], buffers: () => ({}) })).toBe(false);
  });
});

/** Runs one kernel set on x, dy and compares with direct per-channel loops. */
function checkKernels<A extends FloatArray>(kernels: NormKernels<A>, layout: ChannelLayout, x: A, dy: A, out: A, tolerance: Tolerance): void {
  const size = x.length;
  const channelOf = (i: number): number => Math.floor(i / layout.inner) % layout.channels;
  const members = range(layout.channels).map((ch) => range(size).filter((i) => channelOf(i) === ch));
  const coefficients = (seed: number): Float64Array => randomTensor([layout.channels], seed).data as Float64Array;
  const [a, b, d] = [coefficients(33), coefficients(34), coefficients(35)];

  const mean = new Float64Array(layout.channels);
  const variance = new Float64Array(layout.channels);
  kernels.channelMoments(x, layout, mean, variance);
  const direct = members.map((set) => moments(x, set));
  expectClose(mean, direct.map((t) => t.mean), { rtol: 1e-12, atol: 1e-12 }, 'mean');
  expectClose(variance, direct.map((t) => t.variance), { rtol: 1e-9, atol: 1e-12 }, 'variance');

  const sumDy = new Float64Array(layout.channels);
  const sumDyCentered = new Float64Array(layout.channels);
  kernels.channelGradientSums(dy, x, layout, mean, sumDy, sumDyCentered);
  expectClose(sumDy, members.map((set) => set.reduce((t, i) => t + dy[i], 0)), EXACT, 'Σdy');
  expectClose(sumDyCentered, members.map((set, ch) => set.reduce((t, i) => t + dy[i] * (x[i] - mean[ch]), 0)), { rtol: 1e-9, atol: 1e-9 }, 'Σdy(x−μ)');

  kernels.channelLinear(dy, x, layout, a, b, d, out);
  expectClose(out, range(size).map((i) => dy[i] * a[channelOf(i)] + x[i] * b[channelOf(i)] + d[channelOf(i)]), tolerance, 'linear');
  kernels.channelAffine(x, layout, a, b, out);
  expectClose(out, range(size).map((i) => x[i] * a[channelOf(i)] + b[channelOf(i)]), tolerance, 'affine');
}

describe('kernels', () => {
  // Sizes that exercise the ×4 unrolled body and its remainder, in both layouts.
  for (const layout of [{ outer: 3, channels: 5, inner: 7 }, { outer: 9, channels: 4, inner: 1 }, { outer: 1, channels: 2, inner: 13 }]) {
    it(`float32 and float64 agree with direct loops on (${layout.outer}, ${layout.channels}, ${layout.inner})`, () => {
      const size = layout.outer * layout.channels * layout.inner;
      // An offset of 100 makes the one-pass variance depend on its shift by the first value.
      const x = randomTensor([size], 31, 1, 100).data as Float64Array;
      const dy = randomTensor([size], 32).data as Float64Array;
      checkKernels(float64Kernels, layout, x, dy, new Float64Array(size), EXACT);
      checkKernels(float32Kernels, layout, Float32Array.from(x), Float32Array.from(dy), new Float32Array(size), { rtol: 1e-6, atol: 1e-6 });
    });
  }
});
