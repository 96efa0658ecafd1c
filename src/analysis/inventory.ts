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
  /**
   * The name a user knows the layer by: for an ONNX node, the common prefix of its parameters' names
   * when the exporter kept them ("bn1" for bn1.weight, bn1.bias, …), else the layer's name. `name`
   * stays the identifier (the node name) that the probe and the other views key on.
   */
  readonly label: string;
  /**
   * Whether the file stores the momentum (ONNX leaves it out when it is the default), and the default
   * in words when it does not: "not stored (ONNX default 0.9, Keras/ONNX convention)".
   */
  readonly momentumStored: boolean;
  readonly momentumNote: string | null;
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

const SEPARATORS = /[./:_-]+$/;

/**
 * The common prefix of a layer's parameter names, cut back to a separator: "layer1.0.bn2" for
 * layer1.0.bn2.weight/.bias/.running_mean/.running_var, "res_conv1_bn" for res_conv1_bn_gamma/_beta/….
 * null when there are fewer than two names or they share no meaningful prefix (onnx::… constants
 * that an exporter renamed while folding).
 */
export function parameterPrefix(names: readonly string[]): string | null {
  const kept = names.filter((n) => n && !n.startsWith('onnx::'));
  if (kept.length < 2 || kept.length < names.length) return null;
  let prefix = kept[0];
  for (const n of kept.slice(1)) {
    let i = 0;
    while (i < prefix.length && i < n.length && prefix[i] === n[i]) i++;
    prefix = prefix.slice(0, i);
  }
  // Cut back to the last separator, so "bn1.weight"/"bn1.bias" give "bn1", not "bn1."; and "bn_gamma"/"bn_beta" not "bn_".
  const cut = Math.max(prefix.lastIndexOf('.'), prefix.lastIndexOf('/'), prefix.lastIndexOf(':'), prefix.lastIndexOf('_'));
  const named = (cut >= 0 ? prefix.slice(0, cut + 1) : '').replace(SEPARATORS, '').replace(/^[/]+/, '');
  return named && /[A-Za-z]/.test(named) ? named : null;
}

/** The default momentum of the framework a file comes from, when the file stores none. */
function momentumNote(format: string, l: NormLayer, stored: boolean): string | null {
  if (l.kind !== 'BatchNorm' || stored) return null;
  if (format === 'onnx') return 'not stored (ONNX default 0.9, Keras/ONNX convention)';
  if (format === 'pytorch' || format === 'safetensors') return 'not stored (PyTorch default 0.1)';
  return 'not stored';
}

function summarizeLayer(l: NormLayer, model: ModelDescription): LayerSummary {
  // ONNX readers fill in the operator's default momentum; the node's attributes say whether the file wrote one.
  const node = model.format === 'onnx' ? model.graph?.nodes.find((n) => n.name === l.name) : undefined;
  const stored = node ? typeof node.attributes.momentum === 'number' : l.momentum !== null;
  const params = [l.gamma, l.beta, l.runningMean, l.runningVar].filter((t): t is TensorInfo => t !== null).map((t) => t.name);
  const label = (model.format === 'onnx' ? parameterPrefix(params) : null) ?? l.name;
  return {
    name: l.name,
    label,
    momentumStored: stored,
    momentumNote: momentumNote(model.format, l, stored),
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
    layers: model.normLayers.map((l) => summarizeLayer(l, model)),
    notes: model.notes,
    notRunnable: importProblem(model),
    ...(model.format === 'tensorboard' ? { logs: summarizeLogs(model) ?? undefined } : {}),
  };
}
