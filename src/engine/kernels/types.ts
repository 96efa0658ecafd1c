// The kernel interface: every hot loop of the engine goes through these few functions, so that a
// faster backend (WebAssembly SIMD next) can replace the plain-JavaScript one without touching layers.

import type { FloatArray } from '../tensor';

/** C[m×n] = op(A) · op(B), or C += op(A) · op(B) when accumulate. All matrices are dense row-major. */
export interface GemmArgs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** op(A) is m×k; A is stored k×m (row-major) when transA. */
  readonly a: FloatArray;
  readonly transA: boolean;
  /** op(B) is k×n; B is stored n×k when transB. */
  readonly b: FloatArray;
  readonly transB: boolean;
  readonly c: FloatArray;
  readonly accumulate: boolean;
  /**
   * Added to every row of C (biasAxis 'col': one value per column, a dense layer's features) or every
   * column (biasAxis 'row': one value per row, a convolution's output channels). Ignored when accumulate.
   */
  readonly bias?: FloatArray;
  readonly biasAxis?: 'row' | 'col';
}

/** One image's worth of a 2-D convolution's geometry (1-D convolutions use height 1). */
export interface ConvGeometry {
  readonly channels: number;
  readonly inH: number;
  readonly inW: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly outH: number;
  readonly outW: number;
}

/**
 * What a forward convolution's output gets before it is returned, per output channel c:
 * y = act(y·scale[c] + shift[c] + residual), each part optional, in that order, act a ReLU or a clip
 * to [min, max] (ReLU6). An inference pass folds an eval-mode BatchNorm (scale, shift), a residual Add
 * and the activation after a convolution into it, so their passes over the activations happen while
 * the output is still in the kernel's memory.
 */
export interface ConvEpilogue {
  readonly scale?: FloatArray;
  readonly shift?: FloatArray;
  /** Same shape as y. */
  readonly residual?: FloatArray;
  /** max(y, 0), NaN and −0 to +0, as the ReLU layer. */
  readonly relu: boolean;
  /** y below min to min, above max to max, NaN kept, as the Clip layer (not with relu). */
  readonly clip?: readonly [min: number, max: number];
}

/** A whole 2-D convolution (NCHW): `geometry` is one group's, weights are [outChannels, channels, kH, kW]. */
export interface ConvProblem {
  readonly geometry: ConvGeometry;
  readonly batch: number;
  readonly groups: number;
  readonly outChannels: number;
}

/**
 * Memory of a backend's own for an inference pass's intermediate float32 values: a convolution reads
 * and writes such arrays where they are, instead of copying them into the backend's memory and the
 * result back out. Model.infer takes its convolutions' outputs from here and gives each back once no
 * value refers to it.
 */
export interface ResidentMemory {
  /** An array of `length` floats; its contents are undefined until written. */
  allocate(length: number): Float32Array;
  /** Gives back an array from allocate(); it and its views must not be used afterwards. */
  release(array: Float32Array): void;
  /** The live array from allocate() that `view` is or lies within, if any. */
  owner(view: FloatArray): Float32Array | undefined;
}

export interface Kernels {
  /** 'js', 'wasm-simd' or 'wasm-relaxed-simd' (with ×N threads when a pool runs it). */
  readonly name: string;
  gemm(args: GemmArgs): void;
  /** Absent on backends without memory of their own (the JavaScript kernels). */
  readonly resident?: ResidentMemory;
  /**
   * Unfolds `channels` planes of one image, starting at input[inputOffset], into
   * col[(c·kH + i)·kW + j][oh·outW + ow] (zero where the window reads padding).
   */
  im2col(geometry: ConvGeometry, input: FloatArray, inputOffset: number, col: FloatArray): void;
  /** The adjoint of im2col: adds every column entry back into gradInput (starting at gradInputOffset). */
  col2im(geometry: ConvGeometry, col: FloatArray, gradInput: FloatArray, gradInputOffset: number): void;
  /** y = conv(x, w) (+ bias per output channel), then the epilogue if given; y is overwritten. */
  conv2dForward(problem: ConvProblem, x: FloatArray, w: FloatArray, bias: FloatArray | undefined, y: FloatArray, epilogue?: ConvEpilogue): void;
  /**
   * Max pooling of `planes` NCHW planes (batch × channels), each alone with `geometry` (its channels
   * field is 1); y is overwritten. NaN wins; a window wholly in padding gives −∞.
   */
  maxPool2d(geometry: ConvGeometry, planes: number, x: FloatArray, y: FloatArray): void;
  /** dx = the input gradient (overwritten); dw += the weight gradient. */
  conv2dBackward(problem: ConvProblem, x: FloatArray, w: FloatArray, dy: FloatArray, dx: FloatArray, dw: FloatArray): void;
}
