// Nearest-neighbour upsampling by whole factors along any axes (Keras UpSampling2D/1D/3D with
// interpolation='nearest', ONNX Resize/Upsample 'nearest' with integer scales): every element is
// repeated factor times along each axis. Backward sums each block of copies.

import type { ForwardContext, Layer, Parameter } from '../layer';
import { Tensor } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

export class Repeat implements Layer {
  readonly kind = 'Repeat';
  readonly name: string;
  /** A factor per axis after the batch axis. */
  readonly factors: readonly number[];
  private state: { inShape: readonly number[]; outShape: readonly number[]; source: Int32Array } | undefined;

  constructor(options: { factors: readonly number[]; name?: string }) {
    if (!options.factors.every((f) => Number.isInteger(f) && f >= 1)) throw new RangeError(`Repeat: factors ${JSON.stringify(options.factors)} must be positive integers`);
    this.factors = [...options.factors];
    this.name = options.name ?? 'repeat';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    if (x.rank !== this.factors.length + 1) throw new RangeError(`Repeat: ${this.factors.length} factors need a rank-${this.factors.length + 1} input, got [${x.shape.join(',')}]`);
    const factors = [1, ...this.factors];
    const outShape = x.shape.map((n, d) => n * factors[d]);
    const rank = x.rank;
    const inStride = new Array<number>(rank);
    for (let d = rank - 1, s = 1; d >= 0; d--) {
      inStride[d] = s;
      s *= x.shape[d];
    }
    const y = Tensor.zeros(outShape, x.dtype);
    const source = new Int32Array(y.size);
    const at = new Array<number>(rank).fill(0);
    for (let o = 0; o < y.size; o++) {
      let i = 0;
      for (let d = 0; d < rank; d++) i += Math.floor(at[d] / factors[d]) * inStride[d];
      source[o] = i;
      y.data[o] = x.data[i];
      for (let d = rank - 1; d >= 0; d--) {
        if (++at[d] < outShape[d]) break;
        at[d] = 0;
      }
    }
    this.state = { inShape: x.shape, outShape, source };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { inShape, outShape, source } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, outShape);
    const dx = Tensor.zeros(inShape, gradOutput.dtype);
    for (let o = 0; o < source.length; o++) dx.data[source[o]] += gradOutput.data[o];
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
