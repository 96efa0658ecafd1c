// The one model description that every reader produces, whatever the file format. Everything the
// analysis, the CLI and the views know about a file comes through these types.

export type FormatId = 'onnx' | 'pytorch' | 'safetensors' | 'keras' | 'tfjs' | 'tensorboard';

export type TensorDType =
  | 'float16' | 'bfloat16' | 'float32' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string' | 'other';

/** A tensor stored in the file. Its values are decoded only when asked for. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  /**
   * Decoded values: float64, int64 and uint64 become a Float64Array (exact up to 2^53), every other
   * numeric dtype a Float32Array. Throws the format's FormatError when the stored data is damaged.
   */
  values(): Float32Array | Float64Array;
}

export type AttributeValue = number | string | boolean | number[] | string[] | null;

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** Tensor-valued attributes (ONNX ConstantOfShape's value, Constant's value), decoded on demand. */
  readonly tensorAttributes?: Readonly<Record<string, TensorInfo>>;
}

export type NormKind = 'BatchNorm' | 'LayerNorm' | 'GroupNorm' | 'InstanceNorm';

/**
 * Which running-statistics update the momentum belongs to:
 * pytorch: r = (1 − m)·r + m·batch; keras (also ONNX, TF.js): r = m·r + (1 − m)·batch.
 */
export type MomentumConvention = 'pytorch' | 'keras';

export interface NormLayer {
  readonly name: string;
  readonly kind: NormKind;
  /** The operator as written in the file, e.g. "BatchNormalization (opset 15)" or "BatchNormalization". */
  readonly op: string;
  readonly channels: number | null;
  readonly epsilon: number | null;
  /** Momentum as written in the file, in `momentumConvention`. */
  readonly momentum: number | null;
  readonly momentumConvention: MomentumConvention | null;
  readonly affine: boolean | null;
  readonly center: boolean | null;
  readonly scale: boolean | null;
  readonly gamma: TensorInfo | null;
  readonly beta: TensorInfo | null;
  readonly runningMean: TensorInfo | null;
  readonly runningVar: TensorInfo | null;
  readonly numBatchesTracked: number | null;
  /** True when the layer is stored in training mode (e.g. ONNX training_mode=1), null when unknown. */
  readonly training: boolean | null;
  /** Op type of what feeds the layer (the layer comes after it), e.g. "Conv"; null when unknown. */
  readonly after: string | null;
  /** Op type(s) of what consumes the output (the layer comes before it), e.g. "Relu"; comma-joined when several. */
  readonly before: string | null;
  /** GroupNorm's group count. */
  readonly groups?: number;
  /** The normalized axis where the format says (Keras `axis`). */
  readonly axis?: number;
}

export interface GraphValue {
  readonly name: string;
  readonly dtype: TensorDType;
  /** Dimensions; -1 where the file leaves a dimension symbolic or unknown. */
  readonly shape: readonly number[] | null;
}

export interface Graph {
  readonly nodes: readonly GraphNode[];
  /** The graph's real inputs (initializers that old ONNX files also list as inputs are left out). */
  readonly inputs?: readonly GraphValue[];
  readonly outputs?: readonly GraphValue[];
}

/** One scalar summary value from a TensorBoard event file. */
export interface ScalarPoint {
  readonly tag: string;
  readonly step: number;
  /** Seconds since the Unix epoch, as the event records it. */
  readonly wallTime: number;
  readonly value: number;
}

/**
 * One histogram summary. `edges` has one more entry than `counts`: bucket i spans
 * [edges[i], edges[i+1]]. min/max/num/sum/sumSquares are null where the encoding has no such field
 * (TensorFlow 2 tensor histograms carry only the buckets).
 */
export interface HistogramPoint {
  readonly tag: string;
  readonly step: number;
  readonly wallTime: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly num: number | null;
  readonly sum: number | null;
  readonly sumSquares: number | null;
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

export interface ModelDescription {
  /** The file's name as the user knows it (a path or a URI's path). */
  readonly file: string;
  readonly format: FormatId;
  /** The file's variant, e.g. "onnx", "pytorch-zip", "keras-v3", "tfjs-layers-model". */
  readonly variant: string;
  readonly producer: string | null;
  readonly producerVersion: string | null;
  /** ONNX default-domain opset. */
  readonly opset: number | null;
  readonly graph: Graph | null;
  readonly tensors: readonly TensorInfo[];
  readonly normLayers: readonly NormLayer[];
  /** What the reader had to infer or could not read, said plainly (shown to the user). */
  readonly notes: readonly string[];
  /**
   * A graph value whose contents the file alone determines (an initializer, or the output of a
   * Constant, ConstantOfShape or Identity node), or null; for importing a graph into the engine.
   */
  readonly constant?: (valueName: string) => TensorInfo | null;
  /** TensorBoard event files: scalar summaries in file order (files of a run folder in name order). */
  readonly scalars?: readonly ScalarPoint[];
  /** TensorBoard event files: histogram summaries, both encodings turned into edges + counts. */
  readonly histograms?: readonly HistogramPoint[];
  /**
   * True when the last record of an event file is only partly written (a writer is still at work):
   * everything before it was read; reading again later will find more.
   */
  readonly incomplete?: boolean;
}
