// What every importer shares: the error it throws, and copying a file's values into engine tensors.

import type { Tensor } from '../../engine/tensor';
import type { TensorInfo } from '../../formats/model';

/** The model cannot become an engine model; the message names the file, the op or layer, and why. */
export class ImportError extends Error {
  constructor(readonly file: string, readonly problem: string, readonly where?: string) {
    super(`${file}: ${problem}${where ? ` (${where})` : ''}`);
    this.name = 'ImportError';
  }
}

export type ImportFail = (problem: string, where?: string) => ImportError;

/** Copies a tensor's values into an engine tensor of the same number of elements. */
export function assign(target: Tensor, source: TensorInfo | Float32Array | Float64Array, what: string, fail: ImportFail): void {
  // (Typed arrays have a values() method too, so test for them, not for TensorInfo.)
  const values = source instanceof Float32Array || source instanceof Float64Array ? source : source.values();
  if (values.length !== target.size) {
    throw fail(`${what} has ${values.length} values, the engine layer needs ${target.size} (shape [${target.shape.join(',')}])`);
  }
  target.data.set(values);
}
