// One entry for turning any readable model into an engine model.

import type { ModelDescription } from '../../formats/model';
import { ImportError } from './common';
import { importOnnx, type ImportedModel } from './onnx';

export type { ImportedModel } from './onnx';

export function importModel(description: ModelDescription): ImportedModel {
  switch (description.format) {
    case 'onnx':
      return importOnnx(description);
    default:
      throw new ImportError(description.file, `a ${description.format} file (${description.variant}) holds no graph the engine can run yet; its normalization layers can still be listed`);
  }
}
