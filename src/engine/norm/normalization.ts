// What the recorder (and the UI) may ask of any normalization layer, beyond the Layer contract.

import type { Layer, Parameter } from '../layer';

export interface ChannelStatistics {
  readonly mean: Float64Array;
  /** Biased (divide by m) for batch statistics; as stored for running statistics. */
  readonly variance: Float64Array;
}

export interface NormalizationLayer extends Layer {
  readonly normalization: 'batch' | 'layer' | 'group' | 'instance';
  /** γ (PyTorch "weight", Keras "gamma", ONNX "scale"), absent without a learned scale. */
  readonly gamma: Parameter | undefined;
  /** β (PyTorch "bias", Keras "beta", ONNX "B"), absent without a learned shift. */
  readonly beta: Parameter | undefined;
  /** The axis whose entries are "channels" for per-channel summaries of an input of this rank. */
  channelAxis(rank: number): number;
  /**
   * Per-channel mean and biased variance that the most recent forward() normalized with, when it used
   * batch statistics (BatchNorm in train mode, or without running statistics); fresh copies.
   */
  batchStatistics(): ChannelStatistics | undefined;
  /** Running (moving) mean and variance, if the layer tracks them; fresh copies. */
  runningStatistics(): ChannelStatistics | undefined;
}

export function isNormalizationLayer(layer: Layer): layer is NormalizationLayer {
  const normalization = (layer as Partial<NormalizationLayer>).normalization;
  return normalization === 'batch' || normalization === 'layer' || normalization === 'group' || normalization === 'instance';
}
