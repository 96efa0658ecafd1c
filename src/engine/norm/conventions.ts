// How running statistics follow the batch statistics in train mode. The frameworks disagree on the
// meaning of "momentum" and on which batch variance feeds the running variance, so the convention is
// an explicit choice rather than a number that silently means different things.

export type RunningStatsConvention =
  /**
   * PyTorch (torch.nn.BatchNorm*d, InstanceNorm*d): r ← (1 − m)·r + m·batch, with the UNBIASED batch
   * variance (÷ (m − 1)) feeding running_var; momentum null means a cumulative moving average, weight
   * 1 / num_batches_tracked. Default momentum 0.1.
   */
  | { readonly framework: 'pytorch'; readonly momentum: number | null }
  /** Keras 3 and TF.js BatchNormalization: r ← m·r + (1 − m)·batch with the BIASED batch variance. Default momentum 0.99. */
  | { readonly framework: 'keras'; readonly momentum: number }
  /**
   * ONNX BatchNormalization-15 with training_mode=1: running = running·momentum + batch·(1 − momentum),
   * with the BIASED batch variance (the operator spec and the onnx node tests' outputs). Default momentum 0.9.
   */
  | { readonly framework: 'onnx'; readonly momentum: number };

/** The weights in r ← keep·r + take·batch for the batchesTracked-th batch (1-based), written as each framework writes them. */
export function updateWeights(convention: RunningStatsConvention, batchesTracked: number): { keep: number; take: number } {
  if (convention.framework === 'pytorch') {
    const take = convention.momentum ?? 1 / batchesTracked;
    return { keep: 1 - take, take };
  }
  return { keep: convention.momentum, take: 1 - convention.momentum };
}

export function feedsUnbiasedVariance(convention: RunningStatsConvention): boolean {
  return convention.framework === 'pytorch';
}

/**
 * r ← keep·r + take·batch for mean and variance. The variance given is biased (÷ count); PyTorch's
 * convention rescales it by count / (count − 1) first.
 */
export function updateRunningStatistics(
  convention: RunningStatsConvention, batchesTracked: number, count: number,
  batchMean: Float64Array, batchVariance: Float64Array,
  runningMean: Float32Array | Float64Array, runningVariance: Float32Array | Float64Array,
): void {
  const { keep, take } = updateWeights(convention, batchesTracked);
  const correction = feedsUnbiasedVariance(convention) ? count / (count - 1) : 1;
  for (let c = 0; c < batchMean.length; c++) {
    runningMean[c] = keep * runningMean[c] + take * batchMean[c];
    runningVariance[c] = keep * runningVariance[c] + take * batchVariance[c] * correction;
  }
}
