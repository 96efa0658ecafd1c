// Layers with several inputs: Add (element-wise sum of same-shape tensors, the residual connection;
// no broadcasting) and Concat (along one axis, ONNX Concat / torch.cat; negative axes count from the end).

import type { ForwardContext, Layer, Parameter } from '../layer';
import { Tensor } from '../tensor';
import { expectShape, saved } from './common';

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class Add implements Layer {
  readonly kind = 'Add';
  readonly name: string;
  private state: { count: number; shape: readonly number[] } | undefined;

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? 'add';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    if (inputs.length < 1) throw new RangeError('Add needs at least one input');
    const first = inputs[0];
    const y = first.clone();
    for (let k = 1; k < inputs.length; k++) {
      const x = inputs[k];
      if (!sameShape(x.shape, first.shape)) throw new RangeError(`Add: shapes [${first.shape.join(',')}] and [${x.shape.join(',')}] differ`);
      if (x.dtype !== first.dtype) throw new TypeError('Add: inputs have different dtypes');
      for (let i = 0; i < y.size; i++) y.data[i] += x.data[i];
    }
    this.state = { count: inputs.length, shape: first.shape };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { count, shape } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, shape);
    return Array.from({ length: count }, () => gradOutput);
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

export class Concat implements Layer {
  readonly kind = 'Concat';
  readonly name: string;
  readonly axis: number;
  private state: { shapes: (readonly number[])[]; axis: number; outShape: number[] } | undefined;

  constructor(options: { axis?: number; name?: string } = {}) {
    this.axis = options.axis ?? 1;
    this.name = options.name ?? 'concat';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    if (inputs.length < 1) throw new RangeError('Concat needs at least one input');
    const rank = inputs[0].rank;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 0 || axis >= rank) throw new RangeError(`Concat: axis ${this.axis} out of range for rank ${rank}`);
    for (const x of inputs) {
      if (x.rank !== rank || x.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i])) {
        throw new RangeError(`Concat: shapes must agree except on axis ${axis}`);
      }
      if (x.dtype !== inputs[0].dtype) throw new TypeError('Concat: inputs have different dtypes');
    }
    const outShape = [...inputs[0].shape];
    outShape[axis] = inputs.reduce((s, x) => s + x.shape[axis], 0);
    const y = Tensor.zeros(outShape, inputs[0].dtype);
    const outer = outShape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = outShape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outRow = outShape[axis] * inner;
    let offset = 0;
    for (const x of inputs) {
      const row = x.shape[axis] * inner;
      for (let o = 0; o < outer; o++) y.data.set(x.data.subarray(o * row, (o + 1) * row), o * outRow + offset);
      offset += row;
    }
    this.state = { shapes: inputs.map((x) => x.shape), axis, outShape };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { shapes, axis, outShape } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, outShape);
    const outer = outShape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = outShape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outRow = outShape[axis] * inner;
    let offset = 0;
    return shapes.map((shape) => {
      const dx = Tensor.zeros(shape, gradOutput.dtype);
      const row = shape[axis] * inner;
      for (let o = 0; o < outer; o++) dx.data.set(gradOutput.data.subarray(o * outRow + offset, o * outRow + offset + row), o * row);
      offset += row;
      return dx;
    });
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
