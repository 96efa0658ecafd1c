// Finite-difference checks (float64) of every layer's input and parameter gradients.
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../../../src/engine/layer';
import {
  Add, AvgPool1d, AvgPool2d, Clip, Concat, Conv1d, Conv2d, Dense, Dropout, Flatten, GELU, GlobalAvgPool, Identity,
  LeakyReLU, MaxPool1d, MaxPool2d, ReLU, ReLU6, Reshape, Sigmoid, SiLU, Softmax, Tanh, Transpose,
} from '../../../../src/engine/layers';
import { createRng } from '../../../../src/engine/rng';
import type { Tensor } from '../../../../src/engine/tensor';
import { checkGradients, randomTensor, type GradCheckOptions } from '../gradcheck';

function expectGradientsMatch(layer: Layer, inputs: Tensor[], options: GradCheckOptions = {}): void {
  const report = checkGradients(layer, inputs, { params: layer.parameters().length > 0, ...options });
  expect(report.ok, report.describe()).toBe(true);
  expect(report.checked).toBeGreaterThan(0);
}

const rng = createRng(7);
const f64 = 'float64' as const;

describe('gradients: Dense', () => {
  it('with bias, 2-D input', () => expectGradientsMatch(new Dense({ inFeatures: 5, outFeatures: 3, dtype: f64 }, rng), [randomTensor([4, 5], 1)]));
  it('without bias, 3-D input', () => {
    const layer = new Dense({ inFeatures: 4, outFeatures: 6, bias: false, dtype: f64 }, rng);
    expect(layer.parameters().map((p) => p.name)).toEqual(['weight']);
    expectGradientsMatch(layer, [randomTensor([2, 3, 4], 2)]);
  });
});

describe('gradients: Conv2d', () => {
  const cases: [string, ConstructorParameters<typeof Conv2d>[0], number[]][] = [
    ['plain 3×3', { inChannels: 2, outChannels: 3, kernelSize: 3 }, [2, 2, 5, 5]],
    ['stride 2, padding 1', { inChannels: 2, outChannels: 2, kernelSize: 3, stride: 2, padding: 1 }, [1, 2, 6, 7]],
    ['dilation 2, rectangular kernel', { inChannels: 1, outChannels: 2, kernelSize: [2, 3], dilation: 2, padding: [1, 2] }, [2, 1, 6, 6]],
    ['groups 2', { inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2, padding: 1 }, [1, 4, 4, 4]],
    ['depthwise', { inChannels: 3, outChannels: 3, kernelSize: 3, groups: 3, padding: 'same' }, [2, 3, 5, 4]],
    ['"same" with stride 2 (asymmetric)', { inChannels: 2, outChannels: 2, kernelSize: 4, stride: 2, padding: 'same' }, [1, 2, 7, 6]],
    ['ONNX pads, no bias', { inChannels: 2, outChannels: 2, kernelSize: 2, padding: [1, 0, 0, 2], bias: false }, [1, 2, 4, 4]],
  ];
  for (const [label, options, shape] of cases) {
    it(label, () => expectGradientsMatch(new Conv2d({ ...options, dtype: f64 }, rng), [randomTensor(shape, 3)]));
  }
});

describe('gradients: Conv1d', () => {
  it('stride 2, padding 2, dilation 2', () =>
    expectGradientsMatch(new Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 2, dilation: 2, dtype: f64 }, rng), [randomTensor([2, 2, 9], 4)]));
  it('groups and "same"', () =>
    expectGradientsMatch(new Conv1d({ inChannels: 4, outChannels: 2, kernelSize: 4, groups: 2, padding: 'same', dtype: f64 }, rng), [randomTensor([1, 4, 7], 5)]));
});

describe('gradients: pooling', () => {
  // Max pooling is not differentiable at ties; random normal inputs have none.
  it('MaxPool2d 2×2', () => expectGradientsMatch(new MaxPool2d({ kernelSize: 2 }), [randomTensor([2, 2, 4, 5], 6)]));
  it('MaxPool2d 3×3 stride 2 padding 1', () => expectGradientsMatch(new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }), [randomTensor([1, 2, 5, 5], 7)]));
  it('AvgPool2d with padding (count_include_pad)', () => expectGradientsMatch(new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }), [randomTensor([1, 2, 5, 6], 8)]));
  it('AvgPool2d excluding padding', () =>
    expectGradientsMatch(new AvgPool2d({ kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }), [randomTensor([1, 1, 3, 4], 9)]));
  it('MaxPool1d', () => expectGradientsMatch(new MaxPool1d({ kernelSize: 3, stride: 2 }), [randomTensor([2, 2, 9], 10)]));
  it('AvgPool1d', () => expectGradientsMatch(new AvgPool1d({ kernelSize: 2, padding: 1 }), [randomTensor([2, 2, 5], 11)]));
  it('GlobalAvgPool', () => expectGradientsMatch(new GlobalAvgPool(), [randomTensor([2, 3, 2, 3], 12)]));
});

describe('gradients: shape and merge layers', () => {
  it('Flatten', () => expectGradientsMatch(new Flatten(), [randomTensor([2, 3, 2], 13)]));
  it('Reshape', () => expectGradientsMatch(new Reshape({ shape: [3, -1] }), [randomTensor([2, 6], 14)]));
  it('Transpose NHWC→NCHW', () => expectGradientsMatch(new Transpose({ perm: [0, 3, 1, 2] }), [randomTensor([2, 3, 4, 2], 15)]));
  it('Identity', () => expectGradientsMatch(new Identity(), [randomTensor([3, 2], 16)]));
  it('Add of three', () => expectGradientsMatch(new Add(), [randomTensor([2, 3], 17), randomTensor([2, 3], 18), randomTensor([2, 3], 19)]));
  it('Concat along axis 1', () => expectGradientsMatch(new Concat({ axis: 1 }), [randomTensor([2, 1, 3], 20), randomTensor([2, 2, 3], 21)]));
  it('Concat along the last axis (−1)', () => expectGradientsMatch(new Concat({ axis: -1 }), [randomTensor([2, 2], 22), randomTensor([2, 3], 23)]));
  it('Dropout in train mode (fixed mask from the seeded Rng)', () => expectGradientsMatch(new Dropout({ p: 0.3 }), [randomTensor([4, 5], 24)]));
  it('Dropout in eval mode', () => expectGradientsMatch(new Dropout({ p: 0.3 }), [randomTensor([4, 5], 25)], { training: false }));
});

describe('gradients: activations', () => {
  // Inputs are kept away from kinks (|x| > 1e-3 with probability ≈ 1 for these seeds) where finite
  // differences straddle a non-differentiable point.
  const x = (): Tensor => randomTensor([3, 7], 26, 2);
  it('ReLU', () => expectGradientsMatch(new ReLU(), [x()]));
  it('LeakyReLU', () => expectGradientsMatch(new LeakyReLU({ negativeSlope: 0.2 }), [x()]));
  it('ReLU6', () => expectGradientsMatch(new ReLU6(), [randomTensor([3, 7], 27, 4, 3)]));
  it('Clip', () => expectGradientsMatch(new Clip({ min: -1, max: 0.5 }), [x()]));
  it('Sigmoid', () => expectGradientsMatch(new Sigmoid(), [x()]));
  it('Tanh', () => expectGradientsMatch(new Tanh(), [x()]));
  it('GELU exact', () => expectGradientsMatch(new GELU(), [randomTensor([3, 7], 28, 3)]));
  it('GELU tanh approximation', () => expectGradientsMatch(new GELU({ approximate: 'tanh' }), [randomTensor([3, 7], 29, 3)]));
  it('SiLU', () => expectGradientsMatch(new SiLU(), [x()]));
  it('Softmax, last axis', () => expectGradientsMatch(new Softmax(), [x()]));
  it('Softmax, axis 1 of 3', () => expectGradientsMatch(new Softmax({ axis: 1 }), [randomTensor([2, 3, 4], 30)]));
});
