// Detects a file's format from its bytes (and, where bytes cannot tell, its name) and dispatches to
// the reader for that format.

import type { ModelDescription } from './model';
import { FormatError } from './errors';
import { looksLikeOnnx, readOnnx } from './onnx/reader';

export function readModel(file: string, bytes: Uint8Array): ModelDescription {
  if (looksLikeOnnx(bytes) || /\.onnx$/i.test(file)) return readOnnx(file, bytes);
  throw new FormatError('unknown', file, 'not a model file BN Lens can read (expected an ONNX model)', 'byte 0');
}
