// torch.nn.LayerNorm: per row, statistics over the trailing normalized_shape dims (biased variance, no
// running statistics, same in train and eval), then an elementwise γ, β of shape normalized_shape.
// The input is read as R rows of D features: (1, R, D) for the per-row statistics and (R, D, 1) for
// the per-feature affine and its gradient sums, so everything runs on the channel kernels.
//
// With x̂ = (x − μ)·s per row and g = γ·dy:  dx = s·(g − Σg/D − x̂·Σ(g·x̂)/D),  dγ = Σ_rows dy·x̂,  dβ = Σ_rows dy.

import type { ForwardContext, Parameter } from '../layer';
import { allocate, sizeOf, Tensor, type DType, type FloatArray } from '../tensor';
import { jsKernels, kernelsFor, type ChannelLayout, type NormKernels } from './kernels';
import { formatShape } from './layout';
import type { NormalizationLayer } from './normalization';
import { accumulate, filledParameter } from './parameters';

export interface LayerNormOptions {
  name: string;
  normalizedShape: readonly number[];
  /** Default 1e-5. */
  eps?: number;
  /** γ ("weight"), and β unless bias is false. Default true. */
  elementwiseAffine?: boolean;
  /** β ("bias") when elementwiseAffine. Default true. */
  bias?: boolean;
  dtype?: DType;
}

interface RowStatistics {
  rowsLayout: ChannelLayout;
  featuresLayout: ChannelLayout;
  mean: Float64Array;
  invStd: Float64Array;
}

export class LayerNorm implements NormalizationLayer {
  readonly kind = 'LayerNorm';
  readonly normalization = 'layer';
  readonly name: string;
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly dtype: DType;
  readonly gamma: Parameter | undefined;
  readonly beta: Parameter | undefined;
  private readonly features: number;
  private readonly kernels: NormKernels<FloatArray>;
  private readonly zeroFeatures: Float64Array;
  private saved: { input: Tensor; stats: RowStatistics } | undefined;

  constructor({ name, normalizedShape, eps = 1e-5, elementwiseAffine = true, bias = true, dtype = 'float32' }: LayerNormOptions) {
    this.name = name;
    this.normalizedShape = [...normalizedShape];
    this.features = sizeOf(normalizedShape);
    this.eps = eps;
    this.dtype = dtype;
    this.kernels = kernelsFor(dtype, jsKernels);
    this.zeroFeatures = new Float64Array(this.features);
    const parameter = (pname: string, value: number): Parameter => {
      const p = filledParameter(pname, this.features, value, dtype);
      return { ...p, value: p.value.reshape(normalizedShape), grad: p.grad.reshape(normalizedShape) };
    };
    this.gamma = elementwiseAffine ? parameter('weight', 1) : undefined;
    this.beta = elementwiseAffine && bias ? parameter('bias', 0) : undefined;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    const x = inputs[0];
    if (x.dtype !== this.dtype) throw new TypeError(`LayerNorm ${this.name} is ${this.dtype}, its input is ${x.dtype}`);
    const stats = this.rowStatistics(x);
    const y = Tensor.zeros(x.shape, this.dtype);
    this.normalizeInto(x.data, stats, y.data);
    if (this.gamma) {
      this.kernels.channelAffine(y.data, stats.featuresLayout, Float64Array.from(this.gamma.value.data), this.beta ? Float64Array.from(this.beta.value.data) : this.zeroFeatures, y.data);
    }
    this.saved = { input: x, stats };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    if (!this.saved) throw new Error(`LayerNorm ${this.name}: backward() before forward()`);
    const { input, stats } = this.saved;
    // x̂ is recomputed rather than kept from forward, and its buffer then receives dx.
    const xHat = allocate(this.dtype, input.size);
    this.normalizeInto(input.data, stats, xHat);
    let g: FloatArray = gradOutput.data;
    if (this.gamma) {
      const sumDy = new Float64Array(this.features);
      const sumDyXHat = new Float64Array(this.features);
      this.kernels.channelGradientSums(gradOutput.data, xHat, stats.featuresLayout, this.zeroFeatures, sumDy, sumDyXHat);
      accumulate(this.gamma, sumDyXHat);
      if (this.beta) accumulate(this.beta, sumDy);
      g = allocate(this.dtype, input.size);
      this.kernels.channelAffine(gradOutput.data, stats.featuresLayout, Float64Array.from(this.gamma.value.data), this.zeroFeatures, g);
    }
    const rows = stats.rowsLayout.channels;
    const zeroRows = new Float64Array(rows);
    const sumG = new Float64Array(rows);
    const sumGXHat = new Float64Array(rows);
    this.kernels.channelGradientSums(g, xHat, stats.rowsLayout, zeroRows, sumG, sumGXHat);
    const a = new Float64Array(rows);
    const b = new Float64Array(rows);
    const d = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const s = stats.invStd[r];
      a[r] = s;
      b[r] = (-s * sumGXHat[r]) / this.features;
      d[r] = (-s * sumG[r]) / this.features;
    }
    this.kernels.channelLinear(g, xHat, stats.rowsLayout, a, b, d, xHat);
    return [new Tensor(xHat, input.shape)];
  }

  parameters(): Parameter[] {
    return [this.gamma, this.beta].filter((p): p is Parameter => p !== undefined);
  }

  buffers(): Record<string, Tensor> {
    return {};
  }

  /** Per-channel summaries of a LayerNorm treat the last axis (the features) as channels. */
  channelAxis(rank: number): number {
    return rank - 1;
  }

  batchStatistics(): undefined {
    return undefined;
  }

  runningStatistics(): undefined {
    return undefined;
  }

  private rowStatistics(x: Tensor): RowStatistics {
    const trailing = x.shape.slice(x.rank - this.normalizedShape.length);
    if (x.rank < this.normalizedShape.length || trailing.some((d, i) => d !== this.normalizedShape[i])) {
      throw new RangeError(`LayerNorm ${this.name}: input ${formatShape(x.shape)} does not end with normalized_shape ${formatShape(this.normalizedShape)}`);
    }
    const rows = x.size / this.features;
    const stats: RowStatistics = {
      rowsLayout: { outer: 1, channels: rows, inner: this.features },
      featuresLayout: { outer: rows, channels: this.features, inner: 1 },
      mean: new Float64Array(rows),
      invStd: new Float64Array(rows),
    };
    const variance = new Float64Array(rows);
    this.kernels.channelMoments(x.data, stats.rowsLayout, stats.mean, variance);
    for (let r = 0; r < rows; r++) stats.invStd[r] = 1 / Math.sqrt(variance[r] + this.eps);
    return stats;
  }

  /** out = x̂ = (x − μ_row)·s_row. */
  private normalizeInto(x: FloatArray, stats: RowStatistics, out: FloatArray): void {
    const shift = stats.mean.map((m, r) => -m * stats.invStd[r]);
    this.kernels.channelAffine(x, stats.rowsLayout, stats.invStd, shift, out);
  }
}
