// One entry for turning any readable model into an engine model.

import type { ModelDescription } from '../../formats/model';
import { ImportError } from './common';
import { importOnnx, SUPPORTED_ONNX_OPS, type ImportedModel } from './onnx';

export type { ImportedModel } from './onnx';

export function importModel(description: ModelDescription): ImportedModel {
  switch (description.format) {
    case 'onnx':
      return importOnnx(description);
    default:
      throw new ImportError(description.file, `a ${description.format} file (${description.variant}) holds no graph the engine can run yet; its normalization layers can still be listed`);
  }
}

const CONSTANT_OPS = new Set(['Constant', 'ConstantOfShape']);

/**
 * Why the engine cannot run this file's model, or null when it can (as far as can be told without
 * decoding the weights): the views use it to offer the probe or to say why not.
 */
export function importProblem(description: ModelDescription): string | null {
  if (description.format !== 'onnx' || !description.graph) {
    return `a ${description.format} file (${description.variant}) holds no graph the engine can run yet`;
  }
  const supported = new Set<string>(SUPPORTED_ONNX_OPS);
  const missing = [...new Set(description.graph.nodes.map((n) => n.opType).filter((op) => !supported.has(op) && !CONSTANT_OPS.has(op)))];
  return missing.length ? `the engine has no ${missing.map((m) => `'${m}'`).join(', ')} operator${missing.length === 1 ? '' : 's'}` : null;
}
