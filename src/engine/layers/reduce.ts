// Mean or maximum over a set of axes (Keras GlobalAveragePooling2D/GlobalMaxPooling2D on channels-last
// data: axes [1, 2]; ONNX ReduceMean/ReduceMax), with or without keeping the reduced axes as size 1.
// Max passes the gradient to the first position holding the maximum.

import type { ForwardContext, Layer, Parameter } from '../layer';
import { Tensor } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

export class Reduce implements Layer {
  readonly kind: string;
  readonly name: string;
  readonly mode: 'mean' | 'max';
  /** Axes of the input (negative counts from the end). */
  readonly axes: readonly number[];
  readonly keepDims: boolean;
  private state: { inShape: readonly number[]; outShape: number[]; target: Int32Array; argmax: Int32Array | null; count: number } | undefined;

  constructor(options: { mode: 'mean' | 'max'; axes: readonly number[]; keepDims?: boolean; name?: string }) {
    this.mode = options.mode;
    this.axes = [...options.axes];
    this.keepDims = options.keepDims ?? false;
    this.kind = options.mode === 'mean' ? 'ReduceMean' : 'ReduceMax';
    this.name = options.name ?? this.kind.toLowerCase();
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const rank = x.rank;
    const axes = new Set(this.axes.map((a) => (a < 0 ? a + rank : a)));
    if ([...axes].some((a) => a < 0 || a >= rank)) throw new RangeError(`${this.kind}: axes ${JSON.stringify(this.axes)} out of range for rank ${rank}`);
    const kept = x.shape.map((n, d) => (axes.has(d) ? 1 : n));
    const outShape = this.keepDims ? kept : x.shape.filter((_, d) => !axes.has(d));
    const outSize = kept.reduce((a, b) => a * b, 1);
    const count = x.size / outSize;
    // target[i]: the output element input element i reduces into.
    const target = new Int32Array(x.size);
    const outStride = new Array<number>(rank);
    for (let d = rank - 1, s = 1; d >= 0; d--) {
      outStride[d] = axes.has(d) ? 0 : s;
      s *= kept[d];
    }
    const at = new Array<number>(rank).fill(0);
    let o = 0;
    for (let i = 0; i < x.size; i++) {
      target[i] = o;
      for (let d = rank - 1; d >= 0; d--) {
        at[d]++;
        o += outStride[d];
        if (at[d] < x.shape[d]) break;
        o -= outStride[d] * x.shape[d];
        at[d] = 0;
      }
    }
    const y = Tensor.zeros(outShape, x.dtype);
    let argmax: Int32Array | null = null;
    if (this.mode === 'mean') {
      const sums = new Float64Array(outSize);
      for (let i = 0; i < x.size; i++) sums[target[i]] += x.data[i];
      for (let k = 0; k < outSize; k++) y.data[k] = sums[k] / count;
    } else {
      argmax = new Int32Array(outSize).fill(-1);
      for (let i = 0; i < x.size; i++) {
        const t = target[i];
        if (argmax[t] < 0 || x.data[i] > x.data[argmax[t]]) argmax[t] = i;
      }
      for (let k = 0; k < outSize; k++) y.data[k] = x.data[argmax[k]];
    }
    this.state = { inShape: x.shape, outShape, target, argmax, count };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { inShape, outShape, target, argmax, count } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, outShape);
    const dx = Tensor.zeros(inShape, gradOutput.dtype);
    const dy = gradOutput.data;
    if (argmax) for (let k = 0; k < argmax.length; k++) dx.data[argmax[k]] = dy[k];
    else for (let i = 0; i < target.length; i++) dx.data[i] = dy[target[i]] / count;
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
