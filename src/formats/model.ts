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
  /** Decoded values: float64 stays float64, every other numeric dtype becomes float32. */
  values(): Float32Array | Float64Array;
}

export type AttributeValue = number | string | boolean | number[] | string[] | null;

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
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
  readonly graph: { readonly nodes: readonly GraphNode[] } | null;
  readonly tensors: readonly TensorInfo[];
  readonly normLayers: readonly NormLayer[];
  /** What the reader had to infer or could not read, said plainly (shown to the user). */
  readonly notes: readonly string[];
}
