// The BN inventory: what the views show about a model's normalization layers, as plain data.
// Values become Float32Array (cheap to post to a webview as typed arrays, not JSON number lists).

import type { ModelDescription, MomentumConvention, NormLayer, TensorInfo } from '../formats/model';
import { withRecognizedNorms } from './exportedNorms';
import { importProblem } from './import';
import { summarizeLogs, type LogSummary } from './logs';

type TensorField = 'gamma' | 'beta' | 'runningMean' | 'runningVar';

/** A NormLayer with its per-channel tensors decoded to Float32Array, and its momentum also in PyTorch's convention. */
export type LayerSummary = Omit<NormLayer, TensorField | 'groups' | 'axis'> & {
  readonly [K in TensorField]: Float32Array | null;
} & {
  /** The same momentum in PyTorch's convention (r = (1 − m)·r + m·batch), so layers from any framework compare. */
  readonly momentumPytorch: number | null;
};

export interface ModelSummary {
  readonly file: string;
  readonly format: string;
  readonly variant: string;
  readonly producer: string | null;
  readonly producerVersion: string | null;
  readonly opset: number | null;
  readonly parameterCount: number;
  readonly layers: readonly LayerSummary[];
  readonly notes: readonly string[];
  /** Why the engine cannot run the model (so no probe), or null when it can. */
  readonly notRunnable: string | null;
  /** TensorBoard event files: their scalars and histograms by tag. */
  readonly logs?: LogSummary;
}

/** Converts a momentum to PyTorch's convention: Keras' m keeps m of the old value, PyTorch's m takes m of the new. */
export function toPytorchMomentum(momentum: number | null, convention: MomentumConvention | null): number | null {
  if (momentum === null || convention === null) return null;
  return convention === 'pytorch' ? momentum : 1 - momentum;
}

/**
 * A compact copy: a reader may hand out a view into the whole file's buffer, and postMessage would
 * transfer that entire buffer to the webview, not just the view.
 */
function floats(t: TensorInfo | null): Float32Array | null {
  return t ? Float32Array.from(t.values()) : null;
}

function summarizeLayer(l: NormLayer): LayerSummary {
  return {
    name: l.name,
    kind: l.kind,
    op: l.op,
    channels: l.channels,
    epsilon: l.epsilon,
    momentum: l.momentum,
    momentumConvention: l.momentumConvention,
    momentumPytorch: toPytorchMomentum(l.momentum, l.momentumConvention),
    affine: l.affine,
    center: l.center,
    scale: l.scale,
    training: l.training,
    numBatchesTracked: l.numBatchesTracked,
    after: l.after,
    before: l.before,
    gamma: floats(l.gamma),
    beta: floats(l.beta),
    runningMean: floats(l.runningMean),
    runningVar: floats(l.runningVar),
  };
}

export function summarizeModel(description: ModelDescription): ModelSummary {
  const model = withRecognizedNorms(description);
  // Shapes only: counting parameters must not decode the big weights.
  const parameterCount = model.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  return {
    file: model.file,
    format: model.format,
    variant: model.variant,
    producer: model.producer,
    producerVersion: model.producerVersion,
    opset: model.opset,
    parameterCount,
    layers: model.normLayers.map(summarizeLayer),
    notes: model.notes,
    notRunnable: importProblem(model),
    ...(model.format === 'tensorboard' ? { logs: summarizeLogs(model) ?? undefined } : {}),
  };
}
