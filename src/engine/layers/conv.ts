// Convolutions in NCHW (PyTorch nn.Conv1d/nn.Conv2d, ONNX Conv): stride, zero padding (symmetric,
// ONNX-style asymmetric, or "same"/"valid"), dilation and groups (groups = inChannels is a depthwise
// convolution). Weight [outChannels, inChannels/groups, kH, kW] (Conv1d: [out, in/groups, k]), as in
// PyTorch and ONNX. The arithmetic is the kernel backend's (kernels/conv.ts in JavaScript: im2col +
// GEMM per image and group; the WebAssembly backend adds direct depthwise and pointwise paths).

import type { ForwardContext, Layer, Parameter, Rng } from '../layer';
import { kernels, type ConvEpilogue, type ConvGeometry, type ConvProblem } from '../kernels';
import { allocate, Tensor, type DType, type FloatArray } from '../tensor';
import { initBias, initWeight, type InitializerName } from '../train/initializers';
import { createParameter, expectDType, expectInputs, expectRank, expectShape, pair, saved, type Pair } from './common';

/**
 * "same": output size ⌈in/stride⌉ with the extra padding at the end (TensorFlow/Keras; identical to
 * PyTorch padding='same', which allows only stride 1). "valid": no padding.
 * A number or [h, w] pads both sides; four numbers are ONNX pads [top, left, bottom, right].
 */
export type Conv2dPadding = 'same' | 'same-lower' | 'valid' | Pair | readonly [number, number, number, number];
/** As Conv2dPadding, for one spatial axis; [begin, end] pads asymmetrically (ONNX). */
export type Conv1dPadding = 'same' | 'same-lower' | 'valid' | number | readonly [number, number];

interface ConvSpec {
  readonly kind: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** [top, left, bottom, right], or 'same' / 'same-lower' (ONNX SAME_LOWER: the odd padding cell at the start). */
  readonly pads: 'same' | 'same-lower' | readonly [number, number, number, number];
}

interface CommonConvOptions {
  inChannels: number;
  outChannels: number;
  /** Default 1. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Default 'pytorch'. */
  init?: InitializerName;
  dtype?: DType;
  name?: string;
}

export interface Conv2dOptions extends CommonConvOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Conv2dPadding;
  dilation?: Pair;
}

export interface Conv1dOptions extends CommonConvOptions {
  kernelSize: number;
  stride?: number;
  padding?: Conv1dPadding;
  dilation?: number;
}

function samePads(inSize: number, k: number, stride: number, dilation: number, lower: boolean): [number, number] {
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + dilation * (k - 1) + 1 - inSize, 0);
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

function geometryFor(spec: ConvSpec, inH: number, inW: number): ConvGeometry {
  let top: number, left: number, bottom: number, right: number;
  if (spec.pads === 'same' || spec.pads === 'same-lower') {
    const lower = spec.pads === 'same-lower';
    [top, bottom] = samePads(inH, spec.kH, spec.strideH, spec.dilationH, lower);
    [left, right] = samePads(inW, spec.kW, spec.strideW, spec.dilationW, lower);
  } else {
    [top, left, bottom, right] = spec.pads;
  }
  const outH = Math.floor((inH + top + bottom - spec.dilationH * (spec.kH - 1) - 1) / spec.strideH) + 1;
  const outW = Math.floor((inW + left + right - spec.dilationW * (spec.kW - 1) - 1) / spec.strideW) + 1;
  if (outH < 1 || outW < 1) throw new RangeError(`${spec.kind}: input ${inH}×${inW} is smaller than the (dilated) kernel`);
  return {
    channels: spec.inChannels / spec.groups, inH, inW, kH: spec.kH, kW: spec.kW,
    strideH: spec.strideH, strideW: spec.strideW, padTop: top, padLeft: left,
    dilationH: spec.dilationH, dilationW: spec.dilationW, outH, outW,
  };
}

function validateSpec(spec: ConvSpec): void {
  const { kind, inChannels, outChannels, groups } = spec;
  if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new RangeError(`${kind}: groups ${groups} must divide inChannels ${inChannels} and outChannels ${outChannels}`);
  }
  for (const v of [spec.kH, spec.kW, spec.strideH, spec.strideW, spec.dilationH, spec.dilationW]) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${kind}: kernel size, stride and dilation must be positive integers`);
  }
  if (typeof spec.pads !== 'string' && spec.pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new RangeError(`${kind}: padding must be non-negative integers`);
  }
}

/** The shared 2-D engine; Conv1d runs it with height 1. The arithmetic is the active kernels' (kernels()). */
class ConvCore {
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  private input: { data: FloatArray; batch: number; inH: number; inW: number } | undefined;
  private problem: ConvProblem | undefined;

  constructor(
    readonly spec: ConvSpec,
    weightShape: readonly number[],
    bias: boolean,
    init: InitializerName,
    dtype: DType,
    rng: Rng,
  ) {
    validateSpec(spec);
    this.weight = createParameter('weight', initWeight(init, weightShape, rng, dtype));
    this.bias = bias ? createParameter('bias', initBias(init, weightShape, rng, dtype)) : undefined;
  }

  forward(data: FloatArray, batch: number, inH: number, inW: number, epilogue?: ConvEpilogue, output?: FloatArray): { data: FloatArray; outH: number; outW: number } {
    const { spec } = this;
    const g = geometryFor(spec, inH, inW);
    const problem: ConvProblem = { geometry: g, batch, groups: spec.groups, outChannels: spec.outChannels };
    const dtype: DType = data instanceof Float64Array ? 'float64' : 'float32';
    const length = batch * spec.outChannels * g.outH * g.outW;
    if (output && output.length !== length) throw new RangeError(`${spec.kind}: an output of ${output.length} values given for ${length}`);
    const y = output ?? allocate(dtype, length);
    kernels().conv2dForward(problem, data, this.weight.value.data, this.bias?.value.data, y, epilogue);
    this.input = { data, batch, inH, inW };
    this.problem = problem;
    return { data: y, outH: g.outH, outW: g.outW };
  }

  backward(gradOut: FloatArray): FloatArray {
    const { spec } = this;
    const x = saved(spec.kind, this.input);
    const problem = saved(spec.kind, this.problem);
    const dtype: DType = x.data instanceof Float64Array ? 'float64' : 'float32';
    const gradInput = allocate(dtype, x.data.length);
    kernels().conv2dBackward(problem, x.data, this.weight.value.data, gradOut, gradInput, this.weight.grad.data);
    if (this.bias) {
      const outSize = problem.geometry.outH * problem.geometry.outW;
      const gb = this.bias.grad.data;
      for (let n = 0; n < x.batch; n++) {
        for (let co = 0; co < spec.outChannels; co++) {
          const o = (n * spec.outChannels + co) * outSize;
          let s = 0;
          for (let i = 0; i < outSize; i++) s += gradOut[o + i];
          gb[co] += s;
        }
      }
    }
    return gradInput;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

function conv2dPads(padding: Conv2dPadding): ConvSpec['pads'] {
  if (padding === 'same' || padding === 'same-lower') return padding;
  if (padding === 'valid') return [0, 0, 0, 0];
  if (typeof padding !== 'number' && padding.length === 4) return [padding[0], padding[1], padding[2], padding[3]];
  const [ph, pw] = pair(padding as Pair);
  return [ph, pw, ph, pw];
}

function conv1dPads(padding: Conv1dPadding): ConvSpec['pads'] {
  if (padding === 'same' || padding === 'same-lower') return padding;
  if (padding === 'valid') return [0, 0, 0, 0];
  const [begin, end] = typeof padding === 'number' ? [padding, padding] : padding;
  return [0, begin, 0, end];
}

export class Conv2d implements Layer {
  readonly kind = 'Conv2d';
  readonly name: string;
  private readonly core: ConvCore;
  private shapes: { input: readonly number[]; output: readonly number[] } | undefined;

  constructor(options: Conv2dOptions, rng: Rng) {
    const { inChannels, outChannels, groups = 1, bias = true, init = 'pytorch', dtype = 'float32' } = options;
    this.name = options.name ?? 'conv2d';
    const [kH, kW] = pair(options.kernelSize);
    const [strideH, strideW] = pair(options.stride ?? 1);
    const [dilationH, dilationW] = pair(options.dilation ?? 1);
    const spec: ConvSpec = {
      kind: this.kind, inChannels, outChannels, groups, kH, kW, strideH, strideW, dilationH, dilationW,
      pads: conv2dPads(options.padding ?? 0),
    };
    this.core = new ConvCore(spec, [outChannels, inChannels / groups, kH, kW], bias, init, dtype, rng);
  }

  get weight(): Parameter {
    return this.core.weight;
  }

  /** The shape forward() gives a [N, C, H, W] input of this shape. */
  outputShape(input: readonly number[]): number[] {
    const g = geometryFor(this.core.spec, input[2], input[3]);
    return [input[0], this.core.spec.outChannels, g.outH, g.outW];
  }

  get bias(): Parameter | undefined {
    return this.core.bias;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    return this.forwardWith(inputs[0]);
  }

  /**
   * forward() whose output also gets `epilogue` (the kernels apply it while the output is in their
   * memory), written into `output` if given (of the output's size and the weights' dtype): what an
   * inference pass runs for this convolution and the BatchNorm, Add and ReLU after it.
   */
  forwardWith(x: Tensor, epilogue?: ConvEpilogue, output?: FloatArray): Tensor {
    expectRank(this.kind, x, 4, '[N, C, H, W]');
    expectDType(this.kind, x, this.core.weight.value.dtype);
    const [batch, channels, inH, inW] = x.shape;
    if (channels !== this.core.spec.inChannels) throw new RangeError(`Conv2d expects ${this.core.spec.inChannels} channels, got ${channels}`);
    const { data, outH, outW } = this.core.forward(x.data, batch, inH, inW, epilogue, output);
    this.shapes = { input: x.shape, output: [batch, this.core.spec.outChannels, outH, outW] };
    return new Tensor(data, this.shapes.output);
  }

  backward(gradOutput: Tensor): Tensor[] {
    const shapes = saved(this.kind, this.shapes);
    expectShape(this.kind, gradOutput, shapes.output);
    return [new Tensor(this.core.backward(gradOutput.data), shapes.input)];
  }

  parameters(): Parameter[] {
    return this.core.parameters();
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}

export class Conv1d implements Layer {
  readonly kind = 'Conv1d';
  readonly name: string;
  private readonly core: ConvCore;
  private shapes: { input: readonly number[]; output: readonly number[] } | undefined;

  constructor(options: Conv1dOptions, rng: Rng) {
    const { inChannels, outChannels, groups = 1, bias = true, init = 'pytorch', dtype = 'float32' } = options;
    this.name = options.name ?? 'conv1d';
    const spec: ConvSpec = {
      kind: this.kind, inChannels, outChannels, groups, kH: 1, kW: options.kernelSize,
      strideH: 1, strideW: options.stride ?? 1, dilationH: 1, dilationW: options.dilation ?? 1,
      pads: conv1dPads(options.padding ?? 0),
    };
    this.core = new ConvCore(spec, [outChannels, inChannels / groups, options.kernelSize], bias, init, dtype, rng);
  }

  get weight(): Parameter {
    return this.core.weight;
  }

  get bias(): Parameter | undefined {
    return this.core.bias;
  }

  forward(inputs: readonly Tensor[], _ctx: ForwardContext): Tensor {
    expectInputs(this.kind, inputs, 1);
    const x = inputs[0];
    expectRank(this.kind, x, 3, '[N, C, L]');
    expectDType(this.kind, x, this.core.weight.value.dtype);
    const [batch, channels, length] = x.shape;
    if (channels !== this.core.spec.inChannels) throw new RangeError(`Conv1d expects ${this.core.spec.inChannels} channels, got ${channels}`);
    const { data, outW } = this.core.forward(x.data, batch, 1, length);
    this.shapes = { input: x.shape, output: [batch, this.core.spec.outChannels, outW] };
    return new Tensor(data, this.shapes.output);
  }

  backward(gradOutput: Tensor): Tensor[] {
    const shapes = saved(this.kind, this.shapes);
    expectShape(this.kind, gradOutput, shapes.output);
    return [new Tensor(this.core.backward(gradOutput.data), shapes.input)];
  }

  parameters(): Parameter[] {
    return this.core.parameters();
  }

  buffers(): Record<string, Tensor> {
    return {};
  }
}
