// Max and average pooling over NCHW (and NCL for the 1-D forms), PyTorch semantics: stride defaults to
// the kernel size, padding is implicit (−∞ for max, zeros for average), and AvgPool counts padded cells
// in the divisor by default (count_include_pad=True). Output size ⌊(in + 2·pad − kernel)/stride⌋ + 1.
// GlobalAvgPool averages every spatial position: [N, C, ...spatial] → [N, C] (Keras
// GlobalAveragePooling; PyTorch AdaptiveAvgPool2d(1) followed by flatten).

import type { ForwardContext, Layer, Parameter } from '../layer';
import { allocate, Tensor, type FloatArray } from '../tensor';
import { expectInputs, expectRank, expectShape, pair, saved, type Pair } from './common';

interface PoolGeometry {
  planes: number;
  inH: number;
  inW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

function poolGeometry(kind: string, planes: number, inH: number, inW: number, k: [number, number], s: [number, number], p: [number, number]): PoolGeometry {
  if (p[0] * 2 > k[0] || p[1] * 2 > k[1]) throw new RangeError(`${kind}: padding must be at most half the kernel size (PyTorch's rule)`);
  const outH = Math.floor((inH + 2 * p[0] - k[0]) / s[0]) + 1;
  const outW = Math.floor((inW + 2 * p[1] - k[1]) / s[1]) + 1;
  if (outH < 1 || outW < 1) throw new RangeError(`${kind}: input ${inH}×${inW} is smaller than the kernel`);
  return { planes, inH, inW, kH: k[0], kW: k[1], strideH: s[0], strideW: s[1], padH: p[0], padW: p[1], outH, outW };
}

/** Forward max pooling; argmax[o] is the input index each output came from (−1 never occurs: pad ≤ k/2). */
function maxPoolForward(g: PoolGeometry, x: FloatArray, y: FloatArray, argmax: Int32Array): void {
  let o = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    const base = plane * g.inH * g.inW;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o++) {
        let best = -Infinity;
        let bestIndex = -1;
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padH + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padW + j;
            if (iw < 0 || iw >= g.inW) continue;
            const idx = base + ih * g.inW + iw;
            // NaN propagates, as in PyTorch.
            if (x[idx] > best || Number.isNaN(x[idx])) {
              best = x[idx];
              bestIndex = idx;
              if (Number.isNaN(best)) break;
            }
          }
        }
        y[o] = best;
        argmax[o] = bestIndex;
      }
    }
  }
}

function avgPoolForward(g: PoolGeometry, countIncludePad: boolean, x: FloatArray, y: FloatArray, divisors: Float64Array): void {
  let o = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    const base = plane * g.inH * g.inW;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o++) {
        let sum = 0;
        let count = 0;
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padH + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padW + j;
            if (iw < 0 || iw >= g.inW) continue;
            sum += x[base + ih * g.inW + iw];
            count++;
          }
        }
        const divisor = countIncludePad ? g.kH * g.kW : count;
        divisors[o] = divisor;
        y[o] = sum / divisor;
      }
    }
  }
}

function avgPoolBackward(g: PoolGeometry, divisors: Float64Array, dy: FloatArray, dx: FloatArray): void {
  let o = 0;
  for (let plane = 0; plane < g.planes; plane++) {
    const base = plane * g.inH * g.inW;
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++, o++) {
        const share = dy[o] / divisors[o];
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH - g.padH + i;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW - g.padW + j;
            if (iw >= 0 && iw < g.inW) dx[base + ih * g.inW + iw] += share;
          }
        }
      }
    }
  }
}

type PoolMode = { type: 'max' } | { type: 'avg'; countIncludePad: boolean };

/** The 2-D pooling engine; the 1-D layers run it with height 1. */
class PoolCore {
  private state: { g: PoolGeometry; inputShape: readonly number[]; outputShape: readonly number[]; argmax: Int32Array; divisors: Float64Array } | undefined;

  constructor(
    private readonly kind: string,
    private readonly mode: PoolMode,
    private readonly kernel: [number, number],
    private readonly stride: [number, number],
    private readonly padding: [number, number],
  ) {
    for (const v of [...kernel, ...stride]) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${kind}: kernel size and stride must be positive integers`);
    }
  }

  forward(x: Tensor, inH: number, inW: number, outShapeOf: (outH: number, outW: number) => number[]): Tensor {
    const planes = x.size / (inH * inW);
    const g = poolGeometry(this.kind, planes, inH, inW, this.kernel, this.stride, this.padding);
    const y = allocate(x.dtype, planes * g.outH * g.outW);
    const argmax = new Int32Array(this.mode.type === 'max' ? y.length : 0);
    const divisors = new Float64Array(this.mode.type === 'avg' ? y.length : 0);
    if (this.mode.type === 'max') maxPoolForward(g, x.data, y, argmax);
    else avgPoolForward(g, this.mode.countIncludePad, x.data, y, divisors);
    const outputShape = outShapeOf(g.outH, g.outW);
    this.state = { g, inputShape: x.shape, outputShape, argmax, divisors };
    return new Tensor(y, outputShape);
  }

  backward(gradOutput: Tensor): Tensor {
    const { g, inputShape, outputShape, argmax, divisors } = saved(this.kind, this.state);
    expectShape(this.kind, gradOutput, outputShape);
    const dx = Tensor.zeros(inputShape, gradOutput.dtype);
    if (this.mode.type === 'max') {
      // The gradient goes to the maximum only (PyTorch max_pool2d_with_indices_backward).
      for (let o = 0; o < argmax.length; o++) dx.data[argmax[o]] += gradOutput.data[o];
    } else {
      avgPoolBackward(g, divisors, gradOutput.data, dx.data);
    }
    return dx;
  }
}

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Default: the kernel size. */
  stride?: Pair;
  /** Default 0. */
  padding?: Pair;
  name?: string;
}

export interface Pool1dOptions {
  kernelSize: number;
  stride?: number;
  padding?: number;
  name?: string;
}

export interface AvgPoolExtras {
  /** Default true (PyTorch count_include_pad). */
  countIncludePad?: boolean;
}

abstract class Pool2dLayer implements Layer {
  abstract readonly kind: string;
  readonly name: string;
  private readonly core: PoolCore;

  constructor(kind: string, mode: PoolMode, options: Pool2dOptions) {
    this.name = options.name ?? kind.toLowerCase();
    const kernel = pair(options.kernelSize);
    this.core = new PoolCore(kind, mode, kernel, pair(options.stride ?? kernel), pair(options.padding ?? 0));
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    expectRank(this.kind, x, 4, '[N, C, H, W]');
    const [n, c, h, w] = x.shape;
    return this.core.forward(x, h, w, (outH, outW) => [n, c, outH, outW]);
  }

  backward(gradOutput: Tensor): Tensor[] {
    return [this.core.backward(gradOutput)];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

abstract class Pool1dLayer implements Layer {
  abstract readonly kind: string;
  readonly name: string;
  private readonly core: PoolCore;

  constructor(kind: string, mode: PoolMode, options: Pool1dOptions) {
    this.name = options.name ?? kind.toLowerCase();
    this.core = new PoolCore(kind, mode, [1, options.kernelSize], [1, options.stride ?? options.kernelSize], [0, options.padding ?? 0]);
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    expectRank(this.kind, x, 3, '[N, C, L]');
    const [n, c, length] = x.shape;
    return this.core.forward(x, 1, length, (_outH, outW) => [n, c, outW]);
  }

  backward(gradOutput: Tensor): Tensor[] {
    return [this.core.backward(gradOutput)];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

export class MaxPool2d extends Pool2dLayer {
  readonly kind = 'MaxPool2d';
  constructor(options: Pool2dOptions) {
    super('MaxPool2d', { type: 'max' }, options);
  }
}

export class AvgPool2d extends Pool2dLayer {
  readonly kind = 'AvgPool2d';
  constructor(options: Pool2dOptions & AvgPoolExtras) {
    super('AvgPool2d', { type: 'avg', countIncludePad: options.countIncludePad ?? true }, options);
  }
}

export class MaxPool1d extends Pool1dLayer {
  readonly kind = 'MaxPool1d';
  constructor(options: Pool1dOptions) {
    super('MaxPool1d', { type: 'max' }, options);
  }
}

export class AvgPool1d extends Pool1dLayer {
  readonly kind = 'AvgPool1d';
  constructor(options: Pool1dOptions & AvgPoolExtras) {
    super('AvgPool1d', { type: 'avg', countIncludePad: options.countIncludePad ?? true }, options);
  }
}

export class GlobalAvgPool implements Layer {
  readonly kind = 'GlobalAvgPool';
  readonly name: string;
  private inputShape: readonly number[] | undefined;

  constructor(options: { name?: string } = {}) {
    this.name = options.name ?? 'globalavgpool';
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    if (x.rank < 3) throw new RangeError(`GlobalAvgPool expects [N, C, ...spatial], got [${x.shape.join(',')}]`);
    const [n, c] = x.shape;
    const spatial = x.size / (n * c);
    const y = Tensor.zeros([n, c], x.dtype);
    for (let p = 0; p < n * c; p++) {
      let s = 0;
      for (let i = 0; i < spatial; i++) s += x.data[p * spatial + i];
      y.data[p] = s / spatial;
    }
    this.inputShape = x.shape;
    return y;
  }

  backward(gradOutput: Tensor): Tensor[] {
    const shape = saved(this.kind, this.inputShape);
    expectShape(this.kind, gradOutput, shape.slice(0, 2));
    const dx = Tensor.zeros(shape, gradOutput.dtype);
    const spatial = dx.size / (shape[0] * shape[1]);
    for (let p = 0; p < shape[0] * shape[1]; p++) {
      const share = gradOutput.data[p] / spatial;
      dx.data.fill(share, p * spatial, (p + 1) * spatial);
    }
    return [dx];
  }

  parameters(): Parameter[] {
    return [];
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
