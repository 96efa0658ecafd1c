// The probe: a forward pass of one batch through a model read from a file, comparing what the batch
// produces with what the file's BatchNorm layers assume at inference. For every normalization layer it
// keeps the histograms of its input and output (eval mode, as at inference), the batch's per-channel
// mean and variance at its input against the running statistics, and a per-channel shift score; for the
// model output, eval mode against train mode on the same batch.

import type { KernelStatus } from '../engine/kernels/select';
import { ActivationRecorder, type LayerRecord, type TensorSummary } from '../engine/recorder';
import { createRng } from '../engine/rng';
import { Tensor } from '../engine/tensor';
import type { ModelDescription } from '../formats/model';
import { isNormalizationLayer } from '../engine/norm/normalization';
import { ImportError } from './import/common';
import { importModel } from './import';
import { summarizeTensor, type TensorStatistics } from './tensorStatistics';
import { foldBatchNorm, type FoldedLayer, type SkippedLayer } from './fold';

export interface ProbeOptions {
  /** Used for random input; ignored when an input is given. Default 8. */
  readonly batchSize?: number;
  readonly seed?: number;
  readonly bins?: number;
  /** The batch to probe with; random standard normal input of the model's input shape when absent. */
  readonly input?: Tensor;
}

export interface ProbeLayer {
  readonly name: string;
  readonly kind: string;
  /** Pre-normalization (the layer's input) and post-normalization (its output), in eval mode. */
  readonly input: TensorSummary;
  readonly output: TensorSummary;
  readonly epsilon: number | null;
  /** This batch's per-channel statistics at the layer's input (biased variance). */
  readonly batchMean: Float64Array;
  readonly batchVariance: Float64Array;
  /** What inference normalizes with (absent for layers without running statistics). */
  readonly runningMean: Float64Array | null;
  readonly runningVariance: Float64Array | null;
  readonly gamma: Float64Array | null;
  readonly beta: Float64Array | null;
  /** |batch mean − running mean| / √(running var + ε) per channel: how far this data sits from what training saw. */
  readonly shiftScore: Float64Array | null;
}

export interface OutputComparison {
  readonly shape: readonly number[];
  /** Largest and mean |eval − train| over the output. */
  readonly maxAbsDifference: number;
  readonly meanAbsDifference: number;
  /** For a [N, classes] output: the share of samples whose arg-max class is the same in both modes. */
  readonly argmaxAgreement: number | null;
}

/** BN folded into the layer before it, with the probe's batch passed forward through the folded model in eval mode. */
export interface FoldCheck {
  readonly folded: readonly FoldedLayer[];
  readonly skipped: readonly SkippedLayer[];
  /** Largest |folded − original| over the model output: what folding costs in float32. */
  readonly maxAbsDifference: number;
}

export interface ProbeResult {
  /** Null for formats whose graph is not folded (only ONNX graphs are). */
  readonly fold: FoldCheck | null;
  readonly batchSize: number;
  readonly inputShape: readonly number[];
  readonly randomInput: boolean;
  readonly layers: readonly ProbeLayer[];
  readonly output: OutputComparison;
  /** The kernel backend of the forward passes ('js', 'wasm-simd', 'wasm-relaxed-simd'), set by the probe worker. */
  readonly kernels?: KernelStatus;
}

const DEFAULT_SAMPLES_PER_CHANNEL = 4096;

/** The batch-sized shape of the model's first input, from the file's declared input shape. */
export function probeInputShape(description: ModelDescription, batchSize: number): number[] {
  const declared = description.graph?.inputs?.[0]?.shape;
  if (!declared || declared.length === 0) {
    throw new ImportError(description.file, 'the file does not declare its input shape; give the probe an input batch (.npy/.npz)');
  }
  const [, ...rest] = declared;
  if (rest.some((d) => !(d > 0))) {
    throw new ImportError(description.file, `the input shape [${declared.map((d) => (d > 0 ? d : '?')).join(', ')}] leaves sizes other than the batch open; give the probe an input batch (.npy/.npz)`);
  }
  return [batchSize, ...rest];
}

function randomNormal(shape: readonly number[], seed: number): Tensor {
  const rng = createRng(seed);
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal();
  return t;
}

function compareOutputs(evalOut: Tensor, trainOut: Tensor): OutputComparison {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < evalOut.size; i++) {
    const d = Math.abs(evalOut.data[i] - trainOut.data[i]);
    max = Math.max(max, d);
    sum += d;
  }
  let argmaxAgreement: number | null = null;
  if (evalOut.rank === 2 && evalOut.shape[1] > 1) {
    const [n, k] = evalOut.shape;
    const argmax = (t: Tensor, row: number): number => {
      let best = 0;
      for (let j = 1; j < k; j++) if (t.data[row * k + j] > t.data[row * k + best]) best = j;
      return best;
    };
    let same = 0;
    for (let r = 0; r < n; r++) if (argmax(evalOut, r) === argmax(trainOut, r)) same++;
    argmaxAgreement = same / n;
  }
  return { shape: evalOut.shape, maxAbsDifference: max, meanAbsDifference: sum / evalOut.size, argmaxAgreement };
}

function shiftScores(batchMean: Float64Array, runningMean: Float64Array | undefined, runningVariance: Float64Array | undefined, epsilon: number): Float64Array | null {
  if (!runningMean || !runningVariance || runningMean.length !== batchMean.length) return null;
  return batchMean.map((m, c) => Math.abs(m - runningMean[c]) / Math.sqrt(runningVariance[c] + epsilon));
}

function probeLayer(record: LayerRecord, exact: TensorStatistics | undefined, epsilonOf: ReadonlyMap<string, number | null>): ProbeLayer {
  const state = record.normalization;
  const epsilon = epsilonOf.get(record.layerName) ?? null;
  // The recorder samples large channels for its histograms; the statistics compared with the running
  // ones are exact.
  const batchMean = exact?.channelMean ?? record.input.channelMean;
  return {
    name: record.layerName,
    kind: record.kind,
    input: record.input,
    output: record.output,
    epsilon,
    batchMean,
    batchVariance: exact?.channelVar ?? record.input.channelVariance,
    runningMean: state?.runningMean ?? null,
    runningVariance: state?.runningVariance ?? null,
    gamma: state?.gamma ?? null,
    beta: state?.beta ?? null,
    shiftScore: shiftScores(batchMean, state?.runningMean, state?.runningVariance, epsilon ?? 0),
  };
}

function checkFold(description: ModelDescription, feed: Record<string, Tensor>, evalOut: Tensor): FoldCheck | null {
  if (description.format !== 'onnx') return null;
  const { description: folded, folded: layers, skipped } = foldBatchNorm(description);
  if (layers.length === 0) return { folded: layers, skipped, maxAbsDifference: 0 };
  const out = importModel(folded).model.eval().infer(feed);
  let max = 0;
  for (let i = 0; i < out.size; i++) max = Math.max(max, Math.abs(out.data[i] - evalOut.data[i]));
  return { folded: layers, skipped, maxAbsDifference: max };
}

export function probeModel(description: ModelDescription, options: ProbeOptions = {}): ProbeResult {
  const { seed = 0, bins = 64 } = options;
  const { model } = importModel(description);
  const input = options.input ?? randomNormal(probeInputShape(description, options.batchSize ?? 8), seed);
  const feed = { [model.inputNames[0]]: input };

  // Every element of a channel up to this many: the probe sees one batch, so exact statistics are affordable.
  const recorder = new ActivationRecorder({ samplesPerChannel: DEFAULT_SAMPLES_PER_CHANNEL, bins, seed });
  recorder.beginStep(0);
  const exact = new Map<string, TensorStatistics>();
  model.observer = (name, layer, inputs, output) => {
    recorder.observer(name, layer, inputs, output);
    if (isNormalizationLayer(layer)) exact.set(name, summarizeTensor(inputs[0], layer.channelAxis(inputs[0].rank)));
  };
  const evalOut = model.eval().forward(feed).clone();
  const record = recorder.endStep();
  // Train mode on the same batch: what the model would output if it normalized with this batch's statistics.
  // (It also moves the imported layers' running statistics; this model is a throwaway copy.)
  model.observer = undefined;
  const trainOut = model.train().forward(feed);

  const epsilonOf = new Map(description.normLayers.map((l) => [l.name, l.epsilon]));
  return {
    fold: checkFold(description, feed, evalOut),
    batchSize: input.shape[0],
    inputShape: input.shape,
    randomInput: options.input === undefined,
    layers: (record?.layers ?? []).map((r) => probeLayer(r, exact.get(r.layerName), epsilonOf)),
    output: compareOutputs(evalOut, trainOut),
  };
}
