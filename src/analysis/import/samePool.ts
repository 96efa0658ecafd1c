// Keras/TensorFlow "same" pooling over NCHW: the output is ⌈in/stride⌉ per axis, and the padding that
// takes is put at the end when it is odd (TensorFlow's rule), with cells that never count: −∞ for max
// pooling, left out of the divisor for average pooling. The engine's pools pad both sides alike
// (PyTorch), so the padding is made explicit here and the engine pool runs without any.

import type { ForwardContext, Layer, Parameter } from '../../engine/layer';
import { AvgPool2d, MaxPool2d } from '../../engine/layers';
import { Tensor } from '../../engine/tensor';

type Pads = readonly [top: number, left: number, bottom: number, right: number];

/** TensorFlow's "same" padding of one axis: [before, after]. */
function samePads(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function pad(x: Tensor, [top, left, bottom, right]: Pads, value: number): Tensor {
  const [n, c, h, w] = x.shape;
  const ph = h + top + bottom;
  const pw = w + left + right;
  const y = Tensor.filled([n, c, ph, pw], value, x.dtype);
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < h; i++) {
      const from = (plane * h + i) * w;
      y.data.set(x.data.subarray(from, from + w), (plane * ph + i + top) * pw + left);
    }
  }
  return y;
}

function crop(x: Tensor, [top, left, bottom, right]: Pads): Tensor {
  const [n, c, ph, pw] = x.shape;
  const h = ph - top - bottom;
  const w = pw - left - right;
  const y = Tensor.zeros([n, c, h, w], x.dtype);
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < h; i++) {
      const from = (plane * ph + i + top) * pw + left;
      y.data.set(x.data.subarray(from, from + w), (plane * h + i) * w);
    }
  }
  return y;
}

/** How many cells of each window lie inside the input along one axis. */
function insideCounts(size: number, before: number, kernel: number, stride: number, out: number): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * stride - before;
    return Math.min(start + kernel, size) - Math.max(start, 0);
  });
}

export interface SamePool2dOptions {
  readonly name: string;
  readonly mode: 'max' | 'avg';
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
}

export class SamePool2d implements Layer {
  readonly kind: string;
  readonly name: string;
  private readonly mode: 'max' | 'avg';
  private readonly kernel: readonly [number, number];
  private readonly stride: readonly [number, number];
  /** The engine pool on the padded input: padding 0; average pooling divides by the full window. */
  private readonly pool: Layer;
  private state: { pads: Pads; scale: Float64Array | null } | undefined;

  constructor(options: SamePool2dOptions) {
    this.name = options.name;
    this.mode = options.mode;
    this.kernel = options.kernelSize;
    this.stride = options.stride;
    const inner = { name: `${options.name}/valid`, kernelSize: [...options.kernelSize] as [number, number], stride: [...options.stride] as [number, number] };
    this.pool = options.mode === 'max' ? new MaxPool2d(inner) : new AvgPool2d({ ...inner, countIncludePad: true });
    this.kind = this.pool.kind;
  }

  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    const x = inputs[0];
    if (inputs.length !== 1 || x.rank !== 4) throw new RangeError(`${this.name}: expects one [N, C, H, W] input`);
    const [, , h, w] = x.shape;
    const [top, bottom] = samePads(h, this.kernel[0], this.stride[0]);
    const [left, right] = samePads(w, this.kernel[1], this.stride[1]);
    const pads: Pads = [top, left, bottom, right];
    const y = this.pool.forward([pad(x, pads, this.mode === 'max' ? -Infinity : 0)], ctx);
    let scale: Float64Array | null = null;
    if (this.mode === 'avg') {
      // The engine divided by the whole window; TensorFlow divides by the cells inside the input.
      const [, , outH, outW] = y.shape;
      const rows = insideCounts(h, top, this.kernel[0], this.stride[0], outH);
      const cols = insideCounts(w, left, this.kernel[1], this.stride[1], outW);
      const window = this.kernel[0] * this.kernel[1];
      scale = new Float64Array(outH * outW);
      for (let i = 0; i < outH; i++) for (let j = 0; j < outW; j++) scale[i * outW + j] = window / (rows[i] * cols[j]);
      for (let k = 0; k < y.size; k++) y.data[k] *= scale[k % scale.length];
    }
    this.state = { pads, scale };
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    if (!this.state) throw new Error(`${this.name}.backward() called before forward()`);
    const { pads, scale } = this.state;
    let g = gradOutput;
    if (scale) {
      g = gradOutput.clone();
      for (let k = 0; k < g.size; k++) g.data[k] *= scale[k % scale.length];
    }
    return [crop(this.pool.backward(g)[0], pads)];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
