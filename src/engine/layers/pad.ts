// Zero padding and cropping of any axes (Keras ZeroPadding2D and Cropping2D, ONNX Pad in constant
// mode with zeros): pads[d] = [before, after] per axis of the sample (the batch axis is never padded);
// a negative amount crops. Backward takes the gradient of the kept region back to its place.

import type { ForwardContext, Layer, Parameter } from '../layer';
import { Tensor, type FloatArray } from '../tensor';
import { expectInputs, expectShape, saved } from './common';

/** Calls visit(inputIndex, outputIndex) for every element that both tensors hold. */
function overlap(inShape: readonly number[], outShape: readonly number[], before: readonly number[], visit: (i: number, o: number) => void): void {
  const rank = inShape.length;
  const lo = inShape.map((_, d) => Math.max(0, -before[d]));
  const hi = inShape.map((n, d) => Math.min(n, outShape[d] - before[d]));
  if (lo.some((l, d) => l >= hi[d])) return;
  const inStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  for (let d = rank - 1, si = 1, so = 1; d >= 0; d--) {
    inStride[d] = si;
    outStride[d] = so;
    si *= inShape[d];
    so *= outShape[d];
  }
  const at = [...lo];
  // Rows along the last axis are contiguous in both: copy them whole.
  const last = rank - 1;
  const run = hi[last] - lo[last];
  for (;;) {
    let i = 0;
    let o = 0;
    for (let d = 0; d < rank; d++) {
      i += at[d] * inStride[d];
      o += (at[d] + before[d]) * outStride[d];
    }
    for (let k = 0; k < run; k++) visit(i + k, o + k);
    let d = last - 1;
    for (; d >= 0; d--) {
      if (++at[d] < hi[d]) break;
      at[d] = lo[d];
    }
    if (d < 0) return;
  }
}

export class Pad implements Layer {
  readonly kind = 'Pad';
  readonly name: string;
  /** [before, after] for each axis after the batch axis. */
  readonly pads: readonly (readonly [number, number])[];
  private state: { inShape: readonly number[]; outShape: readonly number[] } | undefined;

  constructor(options: { pads: readonly (readonly [number, number])[]; name?: string }) {
    if (options.pads.some((p) => p.length !== 2 || !p.every(Number.isInteger))) throw new RangeError('Pad: pads must be [before, after] integer pairs');
    this.pads = options.pads.map((p) => [p[0], p[1]] as const);
    this.name = options.name ?? 'pad';
  }

  private layout(x: Tensor): { outShape: number[]; before: number[] } {
    if (x.rank !== this.pads.length + 1) throw new RangeError(`Pad: ${this.pads.length} padded axes need a rank-${this.pads.length + 1} input, got [${x.shape.join(',')}]`);
    const before = [0, ...this.pads.map((p) => p[0])];
    const outShape = x.shape.map((n, d) => (d === 0 ? n : n + this.pads[d - 1][0] + this.pads[d - 1][1]));
    if (outShape.some((n) => n < 1)) throw new RangeError(`Pad: cropping [${x.shape.join(',')}] by ${JSON.stringify(this.pads)} leaves nothing`);
    return { outShape, before };
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    const { outShape, before } = this.layout(x);
    const y = Tensor.zeros(outShape, x.dtype);
    const src: FloatArray = x.data;
    const dst: FloatArray = y.data;
    overlap(x.shape, outShape, before, (i, o) => { dst[o] = src[i]; });
    this.state = { inShape: x.shape, outShape };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const { inShape, outShape } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, outShape);
    const dx = Tensor.zeros(inShape, gradOutput.dtype);
    const before = [0, ...this.pads.map((p) => p[0])];
    const g = gradOutput.data;
    const d = dx.data;
    overlap(inShape, outShape, before, (i, o) => { d[i] = g[o]; });
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
