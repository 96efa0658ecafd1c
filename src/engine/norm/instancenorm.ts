// torch.nn.InstanceNorm1d/2d/3d on batched input [N, C, …]: per sample and channel, statistics over the
// positions (biased variance). With track_running_stats the running statistics follow PyTorch's
// instance_norm: r ← (1 − m)·r + m·mean over the batch of the per-instance means and UNBIASED
// variances; eval mode then normalizes per channel with them. PyTorch's defaults: affine=False,
// track_running_stats=False, momentum 0.1.

import type { ForwardContext, Parameter } from '../layer';
import { Tensor, type DType, type FloatArray } from '../tensor';
import { updateRunningStatistics } from './conventions';
import { jsKernels, kernelsFor, type ChannelLayout, type NormKernels } from './kernels';
import { groupBackward, groupGeometry, groupMoments, groupNormalize, requireChannelsFirst, type GroupGeometry, type GroupStatistics } from './groupkernels';
import { formatShape } from './layout';
import type { ChannelStatistics, NormalizationLayer } from './normalization';
import { accumulate, asFloat64, filledParameter } from './parameters';

export interface InstanceNormOptions {
  name: string;
  numFeatures: number;
  /** Default 1e-5. */
  eps?: number;
  /** Default 0.1 (PyTorch's convention: weight of the new batch). */
  momentum?: number;
  /** Per-channel γ ("weight") and β ("bias"). Default false. */
  affine?: boolean;
  /** Default false. */
  trackRunningStats?: boolean;
  dtype?: DType;
}

type Saved =
  | { mode: 'instance'; input: Tensor; geometry: GroupGeometry; stats: GroupStatistics }
  | { mode: 'running'; input: Tensor; layout: ChannelLayout; mean: Float64Array; invStd: Float64Array };

export class InstanceNorm implements NormalizationLayer {
  readonly kind = 'InstanceNorm';
  readonly normalization = 'instance';
  readonly name: string;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly dtype: DType;
  readonly gamma: Parameter | undefined;
  readonly beta: Parameter | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVariance: Tensor | undefined;
  private readonly kernels: NormKernels<FloatArray>;
  private saved: Saved | undefined;

  constructor({ name, numFeatures, eps = 1e-5, momentum = 0.1, affine = false, trackRunningStats = false, dtype = 'float32' }: InstanceNormOptions) {
    this.name = name;
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.dtype = dtype;
    this.kernels = kernelsFor(dtype, jsKernels);
    this.gamma = affine ? filledParameter('weight', numFeatures, 1, dtype) : undefined;
    this.beta = affine ? filledParameter('bias', numFeatures, 0, dtype) : undefined;
    this.runningMean = trackRunningStats ? Tensor.zeros([numFeatures], dtype) : undefined;
    this.runningVariance = trackRunningStats ? Tensor.filled([numFeatures], 1, dtype) : undefined;
  }

  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    const x = inputs[0];
    if (x.dtype !== this.dtype) throw new TypeError(`InstanceNorm ${this.name} is ${this.dtype}, its input is ${x.dtype}`);
    requireChannelsFirst(this.kind, this.name, x.shape, this.numFeatures, 3);
    const y = Tensor.zeros(x.shape, this.dtype);
    const gamma = this.gamma?.value.data;
    const beta = this.beta?.value.data;
    if (!ctx.training && this.runningMean && this.runningVariance) {
      const layout: ChannelLayout = { outer: x.shape[0], channels: this.numFeatures, inner: x.size / (x.shape[0] * this.numFeatures) };
      const mean = asFloat64(this.runningMean);
      const invStd = asFloat64(this.runningVariance).map((v) => 1 / Math.sqrt(v + this.eps));
      const scale = invStd.map((s, c) => (gamma ? gamma[c] : 1) * s);
      const shift = scale.map((a, c) => (beta ? beta[c] : 0) - mean[c] * a);
      this.kernels.channelAffine(x.data, layout, scale, shift, y.data);
      this.saved = { mode: 'running', input: x, layout, mean, invStd };
      return y;
    }
    const geometry = groupGeometry(x.shape, this.numFeatures);
    if (geometry.spatial === 1) throw new Error(`Expected more than 1 spatial element when training, got input size ${formatShape(x.shape)}`);
    const stats = groupMoments(this.kernels, x.data, geometry, this.eps);
    if (ctx.training && this.runningMean && this.runningVariance) this.updateRunning(geometry, stats);
    groupNormalize(this.kernels, x.data, geometry, stats, gamma, beta, y.data);
    this.saved = { mode: 'instance', input: x, geometry, stats };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    if (!this.saved) throw new Error(`InstanceNorm ${this.name}: backward() before forward()`);
    const saved = this.saved;
    const dx = Tensor.zeros(saved.input.shape, this.dtype);
    if (saved.mode === 'instance') {
      groupBackward(this.kernels, gradOutput.data, saved.input.data, saved.geometry, saved.stats, this.gamma, this.beta, dx.data);
      return [dx];
    }
    // Running statistics are constants: dx = γ·s·dy.
    const sumDy = new Float64Array(this.numFeatures);
    const sumDyCentered = new Float64Array(this.numFeatures);
    this.kernels.channelGradientSums(gradOutput.data, saved.input.data, saved.layout, saved.mean, sumDy, sumDyCentered);
    if (this.beta) accumulate(this.beta, sumDy);
    if (this.gamma) accumulate(this.gamma, sumDyCentered.map((v, c) => v * saved.invStd[c]));
    const gamma = this.gamma?.value.data;
    const a = saved.invStd.map((s, c) => (gamma ? gamma[c] : 1) * s);
    const zeros = new Float64Array(this.numFeatures);
    this.kernels.channelAffine(gradOutput.data, saved.layout, a, zeros, dx.data);
    return [dx];
  }

  parameters(): Parameter[] {
    return [this.gamma, this.beta].filter((p): p is Parameter => p !== undefined);
  }

  buffers(): Record<string, Tensor> {
    return this.runningMean && this.runningVariance ? { running_mean: this.runningMean, running_var: this.runningVariance } : {};
  }

  channelAxis(): number {
    return 1;
  }

  batchStatistics(): undefined {
    return undefined;
  }

  runningStatistics(): ChannelStatistics | undefined {
    if (!this.runningMean || !this.runningVariance) return undefined;
    return { mean: asFloat64(this.runningMean), variance: asFloat64(this.runningVariance) };
  }

  /** PyTorch runs instance_norm as batch_norm over [1, N·C, …] with the running statistics repeated N times, then averages them back. */
  private updateRunning({ batch, spatial }: GroupGeometry, stats: GroupStatistics): void {
    const channels = this.numFeatures;
    const meanOverBatch = new Float64Array(channels);
    const varianceOverBatch = new Float64Array(channels);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        meanOverBatch[c] += stats.mean[n * channels + c] / batch;
        varianceOverBatch[c] += stats.variance[n * channels + c] / batch;
      }
    }
    updateRunningStatistics(
      { framework: 'pytorch', momentum: this.momentum }, 1, spatial,
      meanOverBatch, varianceOverBatch, (this.runningMean as Tensor).data, (this.runningVariance as Tensor).data,
    );
  }
}
