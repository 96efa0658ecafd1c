// Recalibration: re-estimating BatchNorm running statistics from the user's data, as
// torch.optim.swa_utils.update_bn does — forward passes in train mode over N batches, averaging the
// batch statistics with equal weight (PyTorch's momentum=None, a cumulative average).

import { BatchNorm } from '../engine/norm';
import { Tensor } from '../engine/tensor';
import type { ModelDescription } from '../formats/model';
import { ImportError } from './import/common';
import { importModel } from './import';

export interface RecalibratedLayer {
  readonly name: string;
  /** Graph value names of the running statistics in the file (ONNX inputs 3 and 4), for writing back. */
  readonly meanTensor: string | null;
  readonly varianceTensor: string | null;
  readonly before: { readonly mean: Float32Array; readonly variance: Float32Array };
  readonly after: { readonly mean: Float32Array; readonly variance: Float32Array };
}

export interface RecalibrationResult {
  readonly batches: number;
  readonly samples: number;
  /** Which batch variance was averaged: unbiased (÷ m − 1, PyTorch's running_var) or biased (÷ m, Keras/ONNX/TF.js). */
  readonly variance: 'unbiased' | 'biased';
  readonly layers: readonly RecalibratedLayer[];
  /** Why the new statistics may not be trustworthy (too few samples for the layer count), or null. */
  readonly warning: string | null;
}

/** Samples per BatchNorm layer below which recalibrated statistics are too noisy to save without a second look. */
const SAMPLES_PER_LAYER = 32;
const MIN_SAMPLES = 128;

/**
 * The fewest samples worth recalibrating `layers` BatchNorm layers with: 128, and 32 per layer for a deep
 * model, since each layer's statistics are measured on the output of the layers before it, so their
 * errors compound with depth.
 */
export function recalibrationMinimum(layers: number): number {
  return Math.max(MIN_SAMPLES, SAMPLES_PER_LAYER * layers);
}

/** The caution for a recalibration from `samples` samples over `layers` layers, or null when there are enough. */
export function recalibrationWarning(samples: number, layers: number): string | null {
  const minimum = recalibrationMinimum(layers);
  if (samples >= minimum) return null;
  // A variance estimated from N samples is off by about √(2/N) of itself (one standard error).
  const error = Math.round(100 * Math.sqrt(2 / Math.max(1, samples)));
  return `Only ${samples} sample${samples === 1 ? '' : 's'} for ${layers} BatchNorm layer${layers === 1 ? '' : 's'}: each new running variance is uncertain by about ±${error}% (√(2/N)), and the errors add up layer by layer. Use at least ${minimum} samples (${SAMPLES_PER_LAYER} per layer, ${MIN_SAMPLES} at the least) before saving the recalibrated copy.`;
}

/** PyTorch stores the unbiased variance; everything else the biased one. ONNX files say who produced them. */
export function varianceConventionOf(description: ModelDescription): 'unbiased' | 'biased' {
  if (description.format === 'pytorch' || description.format === 'safetensors') return 'unbiased';
  return /pytorch/i.test(description.producer ?? '') ? 'unbiased' : 'biased';
}

/** `batches` may be produced lazily (a folder of images is decoded a batch at a time). */
export function recalibrate(description: ModelDescription, batches: Iterable<Tensor>, variance = varianceConventionOf(description)): RecalibrationResult {
  const { model } = importModel(description);
  const norms = model.nodes.filter((n): n is typeof n & { layer: BatchNorm } => n.layer instanceof BatchNorm && n.layer.runningMean !== undefined);
  if (norms.length === 0) throw new ImportError(description.file, 'the model has no BatchNorm layer with running statistics to recalibrate');

  const before = new Map(norms.map((n) => [n.name, { mean: Float32Array.from(n.layer.runningMean!.data), variance: Float32Array.from(n.layer.runningVariance!.data) }]));
  const sums = new Map(norms.map((n) => [n.name, { mean: new Float64Array(n.layer.numFeatures), variance: new Float64Array(n.layer.numFeatures) }]));
  model.observer = (name, layer, inputs) => {
    const sum = sums.get(name);
    const stats = layer instanceof BatchNorm ? layer.batchStatistics() : undefined;
    if (!sum || !stats) return;
    const x = inputs[0];
    const perChannel = x.size / (layer as BatchNorm).numFeatures;
    const correction = variance === 'unbiased' ? perChannel / (perChannel - 1) : 1;
    for (let c = 0; c < stats.mean.length; c++) {
      sum.mean[c] += stats.mean[c];
      sum.variance[c] += stats.variance[c] * correction;
    }
  };
  model.train();
  let samples = 0;
  let count = 0;
  for (const batch of batches) {
    if (batch.shape[0] < 2) throw new ImportError(description.file, `a batch of ${batch.shape[0]} sample gives no variance; use batches of at least 2`);
    model.forward(batch);
    samples += batch.shape[0];
    count++;
  }
  model.observer = undefined;
  if (count === 0) throw new ImportError(description.file, 'recalibration needs at least one batch of at least 2 samples');

  const bnNodes = new Map((description.graph?.nodes ?? []).filter((n) => n.opType === 'BatchNormalization').map((n) => [n.name, n]));
  return {
    batches: count,
    samples,
    variance,
    warning: recalibrationWarning(samples, norms.length),
    layers: norms.map((n) => {
      const sum = sums.get(n.name)!;
      const graphNode = bnNodes.get(n.name);
      return {
        name: n.name,
        meanTensor: graphNode?.inputs[3] ?? null,
        varianceTensor: graphNode?.inputs[4] ?? null,
        before: before.get(n.name)!,
        after: { mean: Float32Array.from(sum.mean, (v) => v / count), variance: Float32Array.from(sum.variance, (v) => v / count) },
      };
    }),
  };
}

/** Splits [N, …] data into batches of `batchSize` (a last partial batch of at least 2 is kept). */
export function splitBatches(data: Tensor, batchSize: number): Tensor[] {
  const n = data.shape[0];
  const per = data.size / n;
  const out: Tensor[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    if (size < 2) break;
    out.push(new Tensor(data.data.slice(start * per, (start + size) * per), [size, ...data.shape.slice(1)]));
  }
  return out;
}
