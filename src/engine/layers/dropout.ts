// Inverted dropout (PyTorch nn.Dropout): in training, each value is zeroed with probability p and the
// survivors are scaled by 1/(1−p), so evaluation needs no rescaling and is the identity. The mask comes
// from the forward context's seeded Rng, so a run is reproducible.

import type { ForwardContext, Layer, Parameter } from '../layer';
import { allocate, Tensor, type FloatArray } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

export class Dropout implements Layer {
  readonly kind = 'Dropout';
  readonly name: string;
  readonly p: number;
  /** Per-element scale of the last forward: 0 or 1/(1−p); undefined after an eval-mode call. */
  private mask: FloatArray | undefined;
  private outputShape: readonly number[] | undefined;

  constructor(options: { p?: number; name?: string } = {}) {
    this.p = options.p ?? 0.5;
    if (!(this.p >= 0 && this.p < 1)) throw new RangeError(`Dropout: p must be in [0, 1), got ${this.p}`);
    this.name = options.name ?? 'dropout';
  }

  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    this.outputShape = x.shape;
    if (!ctx.training || this.p === 0) {
      this.mask = undefined;
      return x;
    }
    const keep = 1 / (1 - this.p);
    const mask = allocate(x.dtype, x.size);
    const y = x.zerosLike();
    for (let i = 0; i < x.size; i++) {
      mask[i] = ctx.rng.next() < this.p ? 0 : keep;
      y.data[i] = x.data[i] * mask[i];
    }
    this.mask = mask;
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    expectShape(this.kind, gradOutput, saved(this.kind, this.outputShape));
    const mask = this.mask;
    if (!mask) return [gradOutput];
    const dx = gradOutput.zerosLike();
    for (let i = 0; i < dx.size; i++) dx.data[i] = gradOutput.data[i] * mask[i];
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
