// One entry for turning any readable model into an engine model.

import type { ModelDescription } from '../../formats/model';
import { ImportError } from './common';
import { importKeras, SUPPORTED_KERAS_LAYERS } from './keras';
import { importOnnx, liveNodes, SUPPORTED_ONNX_OPS, type ImportedModel } from './onnx';

export type { ImportedModel } from './onnx';

/** Keras files with a model config and TF.js layers models: their graph is one node per Keras layer. */
function isKerasGraph(description: ModelDescription): boolean {
  return description.graph !== null && (description.format === 'keras' || description.variant === 'tfjs-layers-model');
}

export function importModel(description: ModelDescription): ImportedModel {
  if (description.format === 'onnx') return importOnnx(description);
  if (isKerasGraph(description)) return importKeras(description);
  throw new ImportError(description.file, `${notRunnable(description)}; its normalization layers can still be listed`);
}

const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape']);

/** Why a file without a graph the importer takes cannot run. */
function notRunnable(description: ModelDescription): string {
  if (description.format === 'keras' && description.graph === null) {
    return `a Keras weights file (${description.variant}) holds no model config to run; the .keras or full-model .h5 file has one`;
  }
  return `a ${description.format} file (${description.variant}) holds no graph the engine can run yet`;
}

/**
 * Why the engine cannot run this file's model, or null when it can (as far as can be told without
 * decoding the weights): the views use it to offer the probe or to say why not.
 */
export function importProblem(description: ModelDescription): string | null {
  const onnx = description.format === 'onnx' && description.graph !== null;
  if (!onnx && !isKerasGraph(description)) return notRunnable(description);
  const supported = new Set<string>(onnx ? SUPPORTED_ONNX_OPS : SUPPORTED_KERAS_LAYERS);
  const ignored = onnx ? CONSTANT_OPS : new Set<string>();
  const nodes = description.graph?.nodes ?? [];
  // ONNX nodes the output does not depend on are not run, so their operators do not matter.
  const output = description.graph?.outputs?.[0]?.name;
  const run = onnx && output ? [...liveNodes(nodes, output)] : nodes;
  const missing = [...new Set(run.map((n) => n.opType).filter((op) => !supported.has(op) && !ignored.has(op)))];
  const what = onnx ? 'operator' : 'layer';
  return missing.length ? `the engine has no ${missing.map((m) => `'${m}'`).join(', ')} ${what}${missing.length === 1 ? '' : 's'}` : null;
}
