// torch.nn.GroupNorm: per sample, statistics over groups of C/G channels and all positions (biased
// variance, no running statistics, same in train and eval), then a per-channel γ, β.

import type { ForwardContext, Parameter } from '../layer';
import { Tensor, type DType, type FloatArray } from '../tensor';
import { jsKernels, kernelsFor, type NormKernels } from './kernels';
import { groupBackward, groupGeometry, groupMoments, groupNormalize, requireChannelsFirst, type GroupGeometry, type GroupStatistics } from './groupkernels';
import type { NormalizationLayer } from './normalization';
import { filledParameter } from './parameters';

export interface GroupNormOptions {
  name: string;
  numGroups: number;
  numChannels: number;
  /** Default 1e-5. */
  eps?: number;
  /** Per-channel γ ("weight") and β ("bias"). Default true. */
  affine?: boolean;
  dtype?: DType;
}

export class GroupNorm implements NormalizationLayer {
  readonly kind = 'GroupNorm';
  readonly normalization = 'group';
  readonly name: string;
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly dtype: DType;
  readonly gamma: Parameter | undefined;
  readonly beta: Parameter | undefined;
  private readonly kernels: NormKernels<FloatArray>;
  private saved: { input: Tensor; geometry: GroupGeometry; stats: GroupStatistics } | undefined;

  constructor({ name, numGroups, numChannels, eps = 1e-5, affine = true, dtype = 'float32' }: GroupNormOptions) {
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm ${name}: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    }
    this.name = name;
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.dtype = dtype;
    this.kernels = kernelsFor(dtype, jsKernels);
    this.gamma = affine ? filledParameter('weight', numChannels, 1, dtype) : undefined;
    this.beta = affine ? filledParameter('bias', numChannels, 0, dtype) : undefined;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    const x = inputs[0];
    if (x.dtype !== this.dtype) throw new TypeError(`GroupNorm ${this.name} is ${this.dtype}, its input is ${x.dtype}`);
    requireChannelsFirst(this.kind, this.name, x.shape, this.numChannels, 2);
    const geometry = groupGeometry(x.shape, this.numGroups);
    const stats = groupMoments(this.kernels, x.data, geometry, this.eps);
    const y = Tensor.zeros(x.shape, this.dtype);
    groupNormalize(this.kernels, x.data, geometry, stats, this.gamma?.value.data, this.beta?.value.data, y.data);
    this.saved = { input: x, geometry, stats };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    if (!this.saved) throw new Error(`GroupNorm ${this.name}: backward() before forward()`);
    const { input, geometry, stats } = this.saved;
    const dx = Tensor.zeros(input.shape, this.dtype);
    groupBackward(this.kernels, gradOutput.data, input.data, geometry, stats, this.gamma, this.beta, dx.data);
    return [dx];
  }

  parameters(): Parameter[] {
    return [this.gamma, this.beta].filter((p): p is Parameter => p !== undefined);
  }

  buffers(): Record<string, Tensor> {
    return {};
  }

  channelAxis(): number {
    return 1;
  }

  batchStatistics(): undefined {
    return undefined;
  }

  runningStatistics(): undefined {
    return undefined;
  }
}
