// BatchNorm configured the way each framework defines it, with that framework's defaults and names.

import { BatchNorm, type BatchNormOptions } from './batchnorm';

/** How the layer computes, the same for every framework: dtype, kernel backend, buffer reuse. */
export type EngineOptions = Pick<BatchNormOptions, 'dtype' | 'kernels' | 'reuseBuffers'>;

export interface PyTorchBatchNormOptions extends EngineOptions {
  name: string;
  numFeatures: number;
  /** Default 1e-5. */
  eps?: number;
  /** Default 0.1; null: cumulative moving average (weight 1 / num_batches_tracked). */
  momentum?: number | null;
  /** γ and β. Default true. */
  affine?: boolean;
  /** Default true; false: no running statistics, batch statistics in both modes. */
  trackRunningStats?: boolean;
}

function pytorchBatchNorm(options: PyTorchBatchNormOptions, ranks: readonly number[], expected: string): BatchNorm {
  const { name, numFeatures, eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, ...engine } = options;
  return new BatchNorm({
    ...engine, name, numFeatures, eps, axis: 1, scale: affine, center: affine,
    runningStats: trackRunningStats ? { framework: 'pytorch', momentum } : null,
    inputRanks: { ranks, expected },
  });
}

/** torch.nn.BatchNorm1d: [N, C] or [N, C, L]. */
export function pytorchBatchNorm1d(options: PyTorchBatchNormOptions): BatchNorm {
  return pytorchBatchNorm(options, [2, 3], 'expected 2D or 3D input');
}

/** torch.nn.BatchNorm2d: [N, C, H, W]. */
export function pytorchBatchNorm2d(options: PyTorchBatchNormOptions): BatchNorm {
  return pytorchBatchNorm(options, [4], 'expected 4D input');
}

/** torch.nn.BatchNorm3d: [N, C, D, H, W]. */
export function pytorchBatchNorm3d(options: PyTorchBatchNormOptions): BatchNorm {
  return pytorchBatchNorm(options, [5], 'expected 5D input');
}

export interface KerasBatchNormOptions extends EngineOptions {
  name: string;
  numFeatures: number;
  /** Default -1 (channels last, NHWC). */
  axis?: number;
  /** Default 0.99. */
  momentum?: number;
  /** Default 1e-3. */
  epsilon?: number;
  /** β. Default true. */
  center?: boolean;
  /** γ. Default true. */
  scale?: boolean;
}

/** keras.layers.BatchNormalization (Keras 3) and tf.layers.batchNormalization (TF.js), which share defaults and update rule. */
export function kerasBatchNormalization(options: KerasBatchNormOptions): BatchNorm {
  const { name, numFeatures, axis = -1, momentum = 0.99, epsilon = 1e-3, center = true, scale = true, ...engine } = options;
  return new BatchNorm({ ...engine, name, numFeatures, axis, eps: epsilon, center, scale, runningStats: { framework: 'keras', momentum } });
}

export interface OnnxBatchNormOptions extends EngineOptions {
  name: string;
  numFeatures: number;
  /** Default 1e-5. */
  epsilon?: number;
  /** Default 0.9 (used only with training_mode=1). */
  momentum?: number;
}

/** ONNX BatchNormalization (opset 15): X is [N, C, D1, …]; scale and B are inputs, so always present. */
export function onnxBatchNormalization(options: OnnxBatchNormOptions): BatchNorm {
  const { name, numFeatures, epsilon = 1e-5, momentum = 0.9, ...engine } = options;
  return new BatchNorm({ ...engine, name, numFeatures, axis: 1, eps: epsilon, runningStats: { framework: 'onnx', momentum } });
}
