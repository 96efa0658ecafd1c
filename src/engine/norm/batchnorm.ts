// Batch normalization over any rank, with the channel axis configurable (1 for PyTorch/ONNX NC…, -1
// for Keras/TF.js NHWC), so channels-last models run without transposes. Statistics are per channel over
// the batch and every other position. Train mode normalizes with the batch mean and BIASED variance (all
// three frameworks); eval mode with the running statistics; without running statistics (PyTorch
// track_running_stats=False) both modes use batch statistics.
//
// Backward uses the closed forms (x̂ = (x − μ)·s, s = 1/√(σ² + ε), m values per channel):
//   dβ = Σ dy,  dγ = Σ dy·x̂,
//   batch statistics:   dx = γ·s·(dy − Σdy/m − x̂·Σ(dy·x̂)/m)
//   running statistics: dx = γ·s·dy   (μ and σ² are constants)

import type { ForwardContext, Parameter } from '../layer';
import { allocate, sizeOf, Tensor, type DType, type FloatArray } from '../tensor';
import { updateRunningStatistics, type RunningStatsConvention } from './conventions';
import { kernelsFor, type ChannelLayout, type NormKernels, type NormKernelSet } from './kernels';
import { formatShape, layoutAroundAxis, resolveAxis } from './layout';
import type { ChannelStatistics, NormalizationLayer } from './normalization';
import { accumulate, asFloat64, filledParameter } from './parameters';

export interface BatchNormNames {
  gamma: string;
  beta: string;
  runningMean: string;
  runningVariance: string;
  /** PyTorch's step counter; only PyTorch-convention layers have it. */
  batchesTracked: string;
}

export interface BatchNormOptions {
  name: string;
  numFeatures: number;
  /** The channel axis; negative counts from the end. Default 1 (NC…); -1 is channels last. */
  axis?: number;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** How running statistics are updated; null: none are kept and both modes use batch statistics. Default PyTorch, momentum 0.1. */
  runningStats?: RunningStatsConvention | null;
  /** Learn γ (Keras `scale`). Default true. */
  scale?: boolean;
  /** Learn β (Keras `center`). Default true. */
  center?: boolean;
  dtype?: DType;
  /** Accepted input ranks, with the message PyTorch gives otherwise, e.g. "expected 4D input". Default: any rank ≥ 2. */
  inputRanks?: { ranks: readonly number[]; expected: string };
  /** Parameter and buffer names; defaults follow the running-statistics convention's framework. */
  names?: Partial<BatchNormNames>;
  /**
   * forward() writes every output into one tensor kept by the layer (and backward() every input
   * gradient into another), overwriting the previous one, instead of allocating — a fresh 25 MB
   * Float32Array costs ~2 ms of page faults. Safe when each result is consumed before the layer runs
   * again, as in Model's forward/backward passes or an inference loop; not when results are kept.
   * Default false.
   */
  reuseBuffers?: boolean;
  /**
   * The kernel backend. Default: the installed set at each call (setNormKernels: plain JavaScript on
   * the calling thread unless the kernel backend runs threads; see NormThreadPool).
   */
  kernels?: NormKernelSet;
}

const DEFAULT_NAMES: Record<RunningStatsConvention['framework'], BatchNormNames> = {
  pytorch: { gamma: 'weight', beta: 'bias', runningMean: 'running_mean', runningVariance: 'running_var', batchesTracked: 'num_batches_tracked' },
  keras: { gamma: 'gamma', beta: 'beta', runningMean: 'moving_mean', runningVariance: 'moving_variance', batchesTracked: 'num_batches_tracked' },
  onnx: { gamma: 'scale', beta: 'B', runningMean: 'input_mean', runningVariance: 'input_var', batchesTracked: 'num_batches_tracked' },
};

interface SavedForward {
  input: Tensor;
  layout: ChannelLayout;
  /** True when the forward normalized with batch statistics (so x̂ depends on every x). */
  batchStatistics: boolean;
}

export class BatchNorm implements NormalizationLayer {
  readonly kind = 'BatchNorm';
  readonly normalization = 'batch';
  readonly name: string;
  readonly numFeatures: number;
  readonly axis: number;
  readonly eps: number;
  readonly dtype: DType;
  readonly runningStats: RunningStatsConvention | null;
  readonly gamma: Parameter | undefined;
  readonly beta: Parameter | undefined;
  readonly runningMean: Tensor | undefined;
  readonly runningVariance: Tensor | undefined;
  /** PyTorch's num_batches_tracked (a float64 scalar); counted for every convention, exposed as a buffer for PyTorch's. */
  readonly batchesTracked: Tensor;
  private readonly names: BatchNormNames;
  private readonly inputRanks: BatchNormOptions['inputRanks'];
  private readonly kernelSet: NormKernelSet | undefined;
  // Per-channel work arrays, allocated once: the statistics used by the last forward, and coefficients.
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private readonly invStd: Float64Array;
  private readonly coefA: Float64Array;
  private readonly coefB: Float64Array;
  private readonly coefD: Float64Array;
  private readonly sumDy: Float64Array;
  private readonly sumDyCentered: Float64Array;
  private saved: SavedForward | undefined;
  private readonly reuseBuffers: boolean;
  private outputBuffer: Tensor | undefined;
  private gradientBuffer: Tensor | undefined;

  constructor(options: BatchNormOptions) {
    const { name, numFeatures, axis = 1, eps = 1e-5, scale = true, center = true, dtype = 'float32' } = options;
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new RangeError(`BatchNorm ${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.name = name;
    this.numFeatures = numFeatures;
    this.axis = axis;
    this.eps = eps;
    this.dtype = dtype;
    this.runningStats = options.runningStats === undefined ? { framework: 'pytorch', momentum: 0.1 } : options.runningStats;
    this.names = { ...DEFAULT_NAMES[this.runningStats?.framework ?? 'pytorch'], ...options.names };
    this.inputRanks = options.inputRanks;
    this.reuseBuffers = options.reuseBuffers ?? false;
    this.kernelSet = options.kernels;
    this.gamma = scale ? filledParameter(this.names.gamma, numFeatures, 1, dtype) : undefined;
    this.beta = center ? filledParameter(this.names.beta, numFeatures, 0, dtype) : undefined;
    this.runningMean = this.runningStats ? Tensor.zeros([numFeatures], dtype) : undefined;
    this.runningVariance = this.runningStats ? Tensor.filled([numFeatures], 1, dtype) : undefined;
    this.batchesTracked = Tensor.zeros([], 'float64');
    this.mean = new Float64Array(numFeatures);
    this.variance = new Float64Array(numFeatures);
    this.invStd = new Float64Array(numFeatures);
    this.coefA = new Float64Array(numFeatures);
    this.coefB = new Float64Array(numFeatures);
    this.coefD = new Float64Array(numFeatures);
    this.sumDy = new Float64Array(numFeatures);
    this.sumDyCentered = new Float64Array(numFeatures);
  }

  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    const x = inputs[0];
    const layout = this.layoutOf(x);
    const useBatchStatistics = ctx.training || !this.runningStats;
    if (useBatchStatistics) {
      const count = layout.outer * layout.inner;
      // PyTorch refuses this batch (its unbiased running variance would divide by zero); Keras and ONNX normalize it to β.
      if (count === 1 && (this.runningStats?.framework ?? 'pytorch') === 'pytorch') {
        throw new Error(`Expected more than 1 value per channel when training, got input size ${formatShape(x.shape)}`);
      }
      this.kernels.channelMoments(x.data, layout, this.mean, this.variance);
      if (ctx.training && this.runningStats && this.runningMean && this.runningVariance) {
        this.batchesTracked.data[0] += 1;
        updateRunningStatistics(this.runningStats, this.batchesTracked.data[0], count, this.mean, this.variance, this.runningMean.data, this.runningVariance.data);
      }
    } else {
      this.mean.set((this.runningMean as Tensor).data);
      this.variance.set((this.runningVariance as Tensor).data);
    }
    // y = x·(γ·s) + (β − μ·γ·s): one fused pass.
    this.affineMap(this.mean, this.variance, this.coefA, this.coefD, this.invStd);
    const y = this.reuseBuffers ? (this.outputBuffer = this.reusable(this.outputBuffer, x.shape)) : this.fresh(x.shape);
    this.kernels.channelAffine(x.data, layout, this.coefA, this.coefD, y.data);
    this.saved = { input: x, layout, batchStatistics: useBatchStatistics };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    if (!this.saved) throw new Error(`BatchNorm ${this.name}: backward() before forward()`);
    const { input: x, layout, batchStatistics } = this.saved;
    if (gradOutput.dtype !== this.dtype || gradOutput.size !== x.size) {
      throw new RangeError(`BatchNorm ${this.name}: gradient of shape ${formatShape(gradOutput.shape)} (${gradOutput.dtype}) does not match the output ${formatShape(x.shape)} (${this.dtype})`);
    }
    const { sumDy, sumDyCentered } = this;
    this.kernels.channelGradientSums(gradOutput.data, x.data, layout, this.mean, sumDy, sumDyCentered);
    if (this.beta) accumulate(this.beta, sumDy);
    if (this.gamma) {
      const dGamma = this.gamma.grad.data;
      for (let c = 0; c < this.numFeatures; c++) dGamma[c] += sumDyCentered[c] * this.invStd[c];
    }
    const gamma = this.gamma?.value.data;
    const count = layout.outer * layout.inner;
    for (let c = 0; c < this.numFeatures; c++) {
      const s = this.invStd[c];
      const a = (gamma ? gamma[c] : 1) * s;
      const b = batchStatistics ? (-a * s * s * sumDyCentered[c]) / count : 0;
      this.coefA[c] = a;
      this.coefB[c] = b;
      this.coefD[c] = batchStatistics ? (-a * sumDy[c]) / count - b * this.mean[c] : 0;
    }
    const dx = this.reuseBuffers ? (this.gradientBuffer = this.reusable(this.gradientBuffer, x.shape)) : this.fresh(x.shape);
    this.kernels.channelLinear(gradOutput.data, x.data, layout, this.coefA, this.coefB, this.coefD, dx.data);
    return [dx];
  }

  parameters(): Parameter[] {
    return [this.gamma, this.beta].filter((p): p is Parameter => p !== undefined);
  }

  buffers(): Record<string, Tensor> {
    if (!this.runningStats || !this.runningMean || !this.runningVariance) return {};
    const buffers: Record<string, Tensor> = {
      [this.names.runningMean]: this.runningMean,
      [this.names.runningVariance]: this.runningVariance,
    };
    if (this.runningStats.framework === 'pytorch') buffers[this.names.batchesTracked] = this.batchesTracked;
    return buffers;
  }

  channelAxis(rank: number): number {
    return resolveAxis(this.axis, rank);
  }

  /**
   * forward()'s eval-mode map y = x·scale + shift per channel, in the layer's dtype, for an inference pass that
   * applies it inside the convolution before this layer (whose output has `shape` and `dtype`);
   * undefined when forward() would not be such a map (train mode, no running statistics) or would
   * refuse that input, or the channels are not on axis 1 where a convolution puts them.
   */
  inferenceAffine(shape: readonly number[], dtype: DType, ctx: ForwardContext): { scale: FloatArray; shift: FloatArray } | undefined {
    if (ctx.training || !this.runningMean || !this.runningVariance || dtype !== this.dtype || shape.length < 2) return undefined;
    if ((this.inputRanks && !this.inputRanks.ranks.includes(shape.length)) || resolveAxis(this.axis, shape.length) !== 1 || shape[1] !== this.numFeatures) return undefined;
    const scale = allocate(this.dtype, this.numFeatures);
    const shift = allocate(this.dtype, this.numFeatures);
    this.affineMap(this.runningMean.data, this.runningVariance.data, scale, shift);
    return { scale, shift };
  }

  /**
   * Normalizing with these statistics as one map per channel, y = x·a + d: s = 1/√(σ² + ε),
   * a = γ·s, d = β − μ·a (s also into invStd when given).
   */
  private affineMap(mean: ArrayLike<number>, variance: ArrayLike<number>, a: FloatArray, d: FloatArray, invStd?: Float64Array): void {
    const gamma = this.gamma?.value.data;
    const beta = this.beta?.value.data;
    for (let c = 0; c < this.numFeatures; c++) {
      const s = 1 / Math.sqrt(variance[c] + this.eps);
      if (invStd) invStd[c] = s;
      const scale = (gamma ? gamma[c] : 1) * s;
      a[c] = scale;
      d[c] = (beta ? beta[c] : 0) - mean[c] * scale;
    }
  }

  batchStatistics(): ChannelStatistics | undefined {
    if (!this.saved?.batchStatistics) return undefined;
    return { mean: this.mean.slice(), variance: this.variance.slice() };
  }

  runningStatistics(): ChannelStatistics | undefined {
    if (!this.runningMean || !this.runningVariance) return undefined;
    return { mean: asFloat64(this.runningMean), variance: asFloat64(this.runningVariance) };
  }

  private get kernels(): NormKernels<FloatArray> {
    return kernelsFor(this.dtype, this.kernelSet);
  }

  /** A result tensor in the kernels' memory. */
  private fresh(shape: readonly number[]): Tensor {
    return new Tensor(this.kernels.allocate(sizeOf(shape)), shape);
  }

  /** The kept tensor if it has this shape, else a fresh one. */
  private reusable(kept: Tensor | undefined, shape: readonly number[]): Tensor {
    if (kept && kept.shape.length === shape.length && kept.shape.every((d, i) => d === shape[i])) return kept;
    return this.fresh(shape);
  }

  private layoutOf(x: Tensor): ChannelLayout {
    if (x.dtype !== this.dtype) throw new TypeError(`BatchNorm ${this.name} is ${this.dtype}, its input is ${x.dtype}`);
    if (this.inputRanks ? !this.inputRanks.ranks.includes(x.rank) : x.rank < 2) {
      throw new RangeError(`${this.inputRanks?.expected ?? 'expected an input of rank 2 or more'} (got ${x.rank}D input)`);
    }
    const layout = layoutAroundAxis(x.shape, resolveAxis(this.axis, x.rank));
    if (layout.channels !== this.numFeatures) {
      throw new RangeError(`BatchNorm ${this.name} has ${this.numFeatures} channels, its input ${formatShape(x.shape)} has ${layout.channels} on axis ${this.axis}`);
    }
    return layout;
  }
}
