// Every reader throws FormatError (or its subclass for the format), never a bare TypeError or
// RangeError: its message says what is wrong and where in the file, quoting the bad value.

import type { FormatId } from './model';

export class FormatError extends Error {
  constructor(
    readonly format: FormatId | 'unknown',
    readonly file: string,
    /** What is wrong, e.g. "tensor 'bn.weight' ends at byte 1200 but the file has 1000 bytes". */
    readonly problem: string,
    /** Where in the file, e.g. "header", "graph.node[3]"; omitted when the whole file is the problem. */
    readonly where?: string,
  ) {
    super(`${file}: ${problem}${where ? ` (${where})` : ''}`);
    this.name = 'FormatError';
  }
}

export class OnnxError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('onnx', file, problem, where);
    this.name = 'OnnxError';
  }
}
