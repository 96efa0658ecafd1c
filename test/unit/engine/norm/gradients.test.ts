// Finite-difference checks (float64) of every normalization layer's input and parameter gradients,
// in every mode: batch statistics, running statistics, no affine, channels last, groups.

import { describe, expect, it } from 'vitest';
import type { Layer } from '../../../../src/engine/layer';
import {
  BatchNorm, GroupNorm, InstanceNorm, LayerNorm, kerasBatchNormalization, onnxBatchNormalization,
  pytorchBatchNorm1d, pytorchBatchNorm2d, pytorchBatchNorm3d, type NormalizationLayer,
} from '../../../../src/engine/norm';
import { checkGradients, randomTensor, seededRng } from '../gradcheck';
import { TRAIN } from './helpers';

/** Non-trivial γ and β, so that a gradient that ignores them fails. */
function randomizeAffine(layer: NormalizationLayer, seed: number): void {
  const rng = seededRng(seed);
  const g = layer.gamma?.value.data;
  const b = layer.beta?.value.data;
  if (g) for (let i = 0; i < g.length; i++) g[i] = 0.5 + rng.next();
  if (b) for (let i = 0; i < b.length; i++) b[i] = rng.normal();
}

/** A few training steps, so that running statistics differ from their initial 0 and 1. */
function warmRunningStatistics(layer: Layer, shape: readonly number[]): void {
  for (let k = 0; k < 3; k++) layer.forward([randomTensor(shape, 100 + k, 2, 0.7)], TRAIN);
}

interface Case {
  name: string;
  make: () => NormalizationLayer;
  shape: number[];
  training: boolean;
}

const f64 = { dtype: 'float64' } as const;
const cases: Case[] = [
  { name: 'BatchNorm1d [N,C] train', make: () => pytorchBatchNorm1d({ name: 'bn', numFeatures: 4, ...f64 }), shape: [5, 4], training: true },
  { name: 'BatchNorm1d [N,C,L] train', make: () => pytorchBatchNorm1d({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 5], training: true },
  { name: 'BatchNorm2d train', make: () => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 3, 5], training: true },
  { name: 'BatchNorm2d eval (running statistics)', make: () => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 3, 5], training: false },
  { name: 'BatchNorm2d affine=false train', make: () => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3, affine: false, ...f64 }), shape: [2, 3, 2, 3], training: true },
  { name: 'BatchNorm2d track_running_stats=false eval', make: () => pytorchBatchNorm2d({ name: 'bn', numFeatures: 3, trackRunningStats: false, ...f64 }), shape: [2, 3, 2, 3], training: false },
  { name: 'BatchNorm2d momentum=null train', make: () => pytorchBatchNorm2d({ name: 'bn', numFeatures: 2, momentum: null, ...f64 }), shape: [3, 2, 2, 2], training: true },
  { name: 'BatchNorm3d train', make: () => pytorchBatchNorm3d({ name: 'bn', numFeatures: 2, ...f64 }), shape: [2, 2, 2, 3, 2], training: true },
  { name: 'Keras NHWC axis=-1 train', make: () => kerasBatchNormalization({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 4, 3], training: true },
  { name: 'Keras NHWC axis=-1 eval', make: () => kerasBatchNormalization({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 4, 3], training: false },
  { name: 'Keras center=false train', make: () => kerasBatchNormalization({ name: 'bn', numFeatures: 3, center: false, ...f64 }), shape: [4, 3], training: true },
  { name: 'Keras scale=false train', make: () => kerasBatchNormalization({ name: 'bn', numFeatures: 3, scale: false, ...f64 }), shape: [4, 3], training: true },
  { name: 'Keras axis=1 (channels first) train', make: () => kerasBatchNormalization({ name: 'bn', numFeatures: 3, axis: 1, ...f64 }), shape: [2, 3, 5], training: true },
  { name: 'Keras axis=2 of a rank-4 input train', make: () => new BatchNorm({ name: 'bn', numFeatures: 3, axis: 2, ...f64 }), shape: [2, 2, 3, 2], training: true },
  { name: 'ONNX training_mode', make: () => onnxBatchNormalization({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 2, 2], training: true },
  { name: 'ONNX inference', make: () => onnxBatchNormalization({ name: 'bn', numFeatures: 3, ...f64 }), shape: [2, 3, 2, 2], training: false },
  { name: 'LayerNorm over [D]', make: () => new LayerNorm({ name: 'ln', normalizedShape: [6], ...f64 }), shape: [3, 6], training: true },
  { name: 'LayerNorm over [H,W] of a rank-4 input', make: () => new LayerNorm({ name: 'ln', normalizedShape: [2, 3], ...f64 }), shape: [2, 2, 2, 3], training: true },
  { name: 'LayerNorm without affine', make: () => new LayerNorm({ name: 'ln', normalizedShape: [5], elementwiseAffine: false, ...f64 }), shape: [4, 5], training: false },
  { name: 'LayerNorm without bias', make: () => new LayerNorm({ name: 'ln', normalizedShape: [5], bias: false, ...f64 }), shape: [4, 5], training: true },
  { name: 'GroupNorm 2 groups', make: () => new GroupNorm({ name: 'gn', numGroups: 2, numChannels: 4, ...f64 }), shape: [2, 4, 2, 3], training: true },
  { name: 'GroupNorm 1 group (LayerNorm-like)', make: () => new GroupNorm({ name: 'gn', numGroups: 1, numChannels: 3, ...f64 }), shape: [2, 3, 4], training: false },
  { name: 'GroupNorm one group per channel', make: () => new GroupNorm({ name: 'gn', numGroups: 3, numChannels: 3, ...f64 }), shape: [2, 3, 5], training: true },
  { name: 'GroupNorm on [N,C]', make: () => new GroupNorm({ name: 'gn', numGroups: 2, numChannels: 6, ...f64 }), shape: [3, 6], training: true },
  { name: 'GroupNorm without affine', make: () => new GroupNorm({ name: 'gn', numGroups: 2, numChannels: 4, affine: false, ...f64 }), shape: [2, 4, 3], training: true },
  { name: 'InstanceNorm2d default', make: () => new InstanceNorm({ name: 'in', numFeatures: 3, ...f64 }), shape: [2, 3, 2, 3], training: true },
  { name: 'InstanceNorm2d affine', make: () => new InstanceNorm({ name: 'in', numFeatures: 3, affine: true, ...f64 }), shape: [2, 3, 2, 3], training: true },
  { name: 'InstanceNorm1d affine, running statistics, train', make: () => new InstanceNorm({ name: 'in', numFeatures: 2, affine: true, trackRunningStats: true, ...f64 }), shape: [3, 2, 4], training: true },
  { name: 'InstanceNorm1d affine, running statistics, eval', make: () => new InstanceNorm({ name: 'in', numFeatures: 2, affine: true, trackRunningStats: true, ...f64 }), shape: [3, 2, 4], training: false },
];

describe('normalization gradients (central differences, float64)', () => {
  cases.forEach(({ name, make, shape, training }, k) => {
    it(name, () => {
      const layer = make();
      randomizeAffine(layer, k);
      if (!training) warmRunningStatistics(layer, shape);
      const buffersBefore = Object.values(layer.buffers()).map((t) => Array.from(t.data));
      const report = checkGradients(layer, [randomTensor(shape, 1000 + k, 1.5, 0.3)], { params: true, training });
      expect(report.ok, report.describe()).toBe(true);
      expect(report.checked).toBe(shape.reduce((a, b) => a * b, 1) + layer.parameters().reduce((n, p) => n + p.value.size, 0));
      expect(Object.values(layer.buffers()).map((t) => Array.from(t.data))).toEqual(buffersBefore);
    });
  });
});
