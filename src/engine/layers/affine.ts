// y = x·scale + offset with fixed scale and offset, each a scalar or one value per index of the last
// axis: Keras's Rescaling, Normalization ((x − mean)/√variance as scale 1/√var, offset −mean/√var)
// and ConvNeXt's LayerScale on channels-last data. Backward scales the gradient.

import type { ForwardContext, Layer, Parameter } from '../layer';
import type { Tensor } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

export class ChannelAffine implements Layer {
  readonly kind = 'ChannelAffine';
  readonly name: string;
  readonly scale: Float64Array;
  readonly offset: Float64Array;
  private shape: readonly number[] | undefined;

  constructor(options: { scale: ArrayLike<number>; offset: ArrayLike<number>; name?: string }) {
    this.scale = Float64Array.from(options.scale);
    this.offset = Float64Array.from(options.offset);
    if (this.scale.length < 1 || this.offset.length < 1) throw new RangeError('ChannelAffine: scale and offset need at least one value');
    this.name = options.name ?? 'affine';
  }

  private channels(x: Tensor): number {
    const c = x.rank ? x.shape[x.rank - 1] : 1;
    for (const [what, v] of [['scale', this.scale], ['offset', this.offset]] as const) {
      if (v.length !== 1 && v.length !== c) throw new RangeError(`ChannelAffine: ${v.length} ${what} values for a last axis of ${c} in [${x.shape.join(',')}]`);
    }
    return c;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const c = this.channels(x);
    const y = x.zerosLike();
    const { scale, offset } = this;
    const s1 = scale.length === 1;
    const o1 = offset.length === 1;
    for (let i = 0; i < x.size; i++) {
      const k = i % c;
      y.data[i] = x.data[i] * scale[s1 ? 0 : k] + offset[o1 ? 0 : k];
    }
    this.shape = x.shape;
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const shape = saved(this.kind, this.shape);
    expectShape(this.kind, gradOutput, shape);
    const c = shape.length ? shape[shape.length - 1] : 1;
    const dx = gradOutput.zerosLike();
    const s1 = this.scale.length === 1;
    for (let i = 0; i < dx.size; i++) dx.data[i] = gradOutput.data[i] * this.scale[s1 ? 0 : i % c];
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
