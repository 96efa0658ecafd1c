// What the recorder produces: plain numbers and typed arrays only, so a StepRecord survives
// postMessage (structured clone) and its arrays can be transferred instead of copied (transferList).

export interface Histogram {
  /** bins + 1 equal-width edges, fixed for a tensor from its first recorded step on. */
  readonly edges: Float64Array;
  /** counts[i]: values in [edges[i], edges[i+1]) (the last bin also takes edges[bins]). */
  readonly counts: Uint32Array;
  /** Values below edges[0]. */
  readonly underflow: number;
  /** Values above edges[bins]. */
  readonly overflow: number;
}

/**
 * Statistics of one tensor, computed over a fixed seeded sample of its elements (every element when
 * a channel has no more than samplesPerChannel of them). NaN and ±Infinity are counted in nonFinite
 * and left out of everything else.
 */
export interface TensorSummary {
  readonly shape: readonly number[];
  /** Elements the statistics come from. */
  readonly sampled: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Population standard deviation (÷ n). */
  readonly std: number;
  /** Fraction of exact zeros (e.g. the sparsity after ReLU). */
  readonly zeroFraction: number;
  /** Fraction of values at or beyond the tensor's saturation bounds (see SaturationRule). */
  readonly saturatedFraction: number;
  readonly nonFinite: number;
  readonly histogram: Histogram;
  /** Axis of the per-channel statistics, or -1 when the tensor has none (rank < 2). */
  readonly channelAxis: number;
  /** Per channel: mean and biased variance (÷ n) of the sampled elements. */
  readonly channelMean: Float64Array;
  readonly channelVariance: Float64Array;
}

/** A normalization layer's own state after the forward (copies). */
export interface NormalizationState {
  /** Exact per-channel statistics the layer normalized with, when it used batch statistics (BatchNorm in train mode). */
  readonly batchMean?: Float64Array;
  /** Biased (÷ m). */
  readonly batchVariance?: Float64Array;
  readonly runningMean?: Float64Array;
  readonly runningVariance?: Float64Array;
  readonly gamma?: Float64Array;
  readonly beta?: Float64Array;
}

export interface LayerRecord {
  readonly layerName: string;
  /** Layer.kind, e.g. "BatchNorm". */
  readonly kind: string;
  /** The layer's first input (pre-normalization for a normalization layer). */
  readonly input: TensorSummary;
  /** Its output (post-normalization). */
  readonly output: TensorSummary;
  readonly normalization?: NormalizationState;
}

export interface GradientRecord {
  readonly layerName: string;
  /** Parameter names, e.g. ["weight", "bias"] or ["gamma", "beta"]. */
  readonly parameters: readonly string[];
  /** L2 norm of each parameter's gradient, in the order of `parameters`. */
  readonly l2: Float64Array;
}

export interface StepRecord {
  readonly step: number;
  /** Recorded layers in the order they ran. */
  readonly layers: readonly LayerRecord[];
  /** Gradient norms of every layer with trainable parameters, after backward(). */
  readonly gradients: readonly GradientRecord[];
}

/** Every ArrayBuffer inside a record, for postMessage(record, transferList(record)). The record's arrays are unusable afterwards in the sender. */
export function transferList(record: StepRecord): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (a: Float64Array | Uint32Array | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  };
  for (const layer of record.layers) {
    for (const t of [layer.input, layer.output]) {
      add(t.histogram.edges);
      add(t.histogram.counts);
      add(t.channelMean);
      add(t.channelVariance);
    }
    const n = layer.normalization;
    if (n) [n.batchMean, n.batchVariance, n.runningMean, n.runningVariance, n.gamma, n.beta].forEach(add);
  }
  for (const g of record.gradients) add(g.l2);
  return [...buffers];
}
