// Layers that only move values: Flatten (PyTorch nn.Flatten, start_dim=1), Reshape (the batch
// dimension is kept; one −1 is inferred, as in Keras Reshape), Transpose (ONNX Transpose: a full
// permutation including the batch axis, e.g. [0, 3, 1, 2] for NHWC → NCHW from channels-last models),
// and Identity.

import type { ForwardContext, Layer, Parameter } from '../layer';
import { sizeOf, Tensor } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

abstract class StatelessLayer implements Layer {
  abstract readonly kind: string;
  abstract readonly name: string;
  abstract forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor;
  abstract backward(gradOutput: Tensor): Tensor[];

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

export class Identity extends StatelessLayer {
  readonly kind = 'Identity';
  readonly name: string;

  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'identity';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    return inputs[0];
  }

  backward(gradOutput: Tensor): Tensor[] {
    return [gradOutput];
  }
}

/** [N, d1, d2, ...] → [N, d1·d2·…]. */
export class Flatten extends StatelessLayer {
  readonly kind = 'Flatten';
  readonly name: string;
  private inputShape: readonly number[] | undefined;

  constructor(options: { name?: string } = {}) {
    super();
    this.name = options.name ?? 'flatten';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    if (x.rank < 1) throw new RangeError('Flatten needs a batch dimension');
    this.inputShape = x.shape;
    return x.reshape([x.shape[0], x.size / x.shape[0]]);
  }

  backward(gradOutput: Tensor): Tensor[] {
    const shape = saved(this.kind, this.inputShape);
    return [gradOutput.reshape(shape)];
  }
}

/** Reshapes every sample to `shape` (without the batch dimension); at most one entry may be −1. */
export class Reshape extends StatelessLayer {
  readonly kind = 'Reshape';
  readonly name: string;
  readonly shape: readonly number[];
  private inputShape: readonly number[] | undefined;

  constructor(options: { shape: readonly number[]; name?: string }) {
    super();
    this.name = options.name ?? 'reshape';
    if (options.shape.filter((d) => d === -1).length > 1) throw new RangeError('Reshape: at most one dimension may be −1');
    if (options.shape.some((d) => d !== -1 && (!Number.isInteger(d) || d < 0))) throw new RangeError('Reshape: dimensions must be non-negative integers or −1');
    this.shape = [...options.shape];
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const perSample = x.size / x.shape[0];
    const known = sizeOf(this.shape.filter((d) => d !== -1));
    const target = this.shape.map((d) => (d === -1 ? perSample / known : d));
    if (sizeOf(target) !== perSample || !target.every(Number.isInteger)) {
      throw new RangeError(`Reshape: cannot reshape [${x.shape.join(',')}] to [N,${this.shape.join(',')}]`);
    }
    this.inputShape = x.shape;
    return x.reshape([x.shape[0], ...target]);
  }

  backward(gradOutput: Tensor): Tensor[] {
    return [gradOutput.reshape(saved(this.kind, this.inputShape))];
  }
}

/** x with its axes reordered: output axis i is input axis perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.rank;
  const outShape = perm.map((p) => x.shape[p]);
  const y = Tensor.zeros(outShape, x.dtype);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    inStrides[d] = stride;
    stride *= x.shape[d];
  }
  // Walk the output in order; stepAlong[d] is the input stride of output axis d.
  const stepAlong = perm.map((p) => inStrides[p]);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < y.size; o++) {
    y.data[o] = x.data[src];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      src += stepAlong[d];
      if (index[d] < outShape[d]) break;
      src -= stepAlong[d] * outShape[d];
      index[d] = 0;
    }
  }
  return y;
}

export class Transpose extends StatelessLayer {
  readonly kind = 'Transpose';
  readonly name: string;
  readonly perm: readonly number[];
  private readonly inverse: readonly number[];
  private outputShape: readonly number[] | undefined;

  constructor(options: { perm: readonly number[]; name?: string }) {
    super();
    this.name = options.name ?? 'transpose';
    const sorted = [...options.perm].sort((a, b) => a - b);
    if (sorted.some((v, i) => v !== i)) throw new RangeError(`Transpose: [${options.perm.join(',')}] is not a permutation`);
    this.perm = [...options.perm];
    const inverse = new Array<number>(this.perm.length);
    this.perm.forEach((p, i) => (inverse[p] = i));
    this.inverse = inverse;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    if (x.rank !== this.perm.length) throw new RangeError(`Transpose: perm has ${this.perm.length} axes, input has ${x.rank}`);
    const y = permute(x, this.perm);
    this.outputShape = y.shape;
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    expectShape(this.kind, gradOutput, saved(this.kind, this.outputShape));
    return [permute(gradOutput, this.inverse)];
  }
}
