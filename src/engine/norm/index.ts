// Normalization layers: BatchNorm (PyTorch, Keras/TF.js and ONNX conventions), LayerNorm, GroupNorm, InstanceNorm.

export { BatchNorm, type BatchNormNames, type BatchNormOptions } from './batchnorm';
export type { RunningStatsConvention } from './conventions';
export {
  kerasBatchNormalization, onnxBatchNormalization, pytorchBatchNorm1d, pytorchBatchNorm2d, pytorchBatchNorm3d,
  type EngineOptions, type KerasBatchNormOptions, type OnnxBatchNormOptions, type PyTorchBatchNormOptions,
} from './frameworks';
export { GroupNorm, type GroupNormOptions } from './groupnorm';
export { InstanceNorm, type InstanceNormOptions } from './instancenorm';
export { float32Kernels, float64Kernels, jsKernels, kernelsFor, setNormKernels, type ChannelLayout, type NormKernels, type NormKernelSet } from './kernels';
export { LayerNorm, type LayerNormOptions } from './layernorm';
export { isNormalizationLayer, type ChannelStatistics, type NormalizationLayer } from './normalization';
