// Every reader throws FormatError (or its subclass for the format), never a bare TypeError or
// RangeError: its message says what is wrong and where in the file, quoting the bad value.

import type { FormatId } from './model';

export class FormatError extends Error {
  /** The file is sound of its kind (an HDF5 file, a pickle) but holds no model: nothing is damaged. */
  notAModel = false;

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

export class SafetensorsError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('safetensors', file, problem, where);
    this.name = 'SafetensorsError';
  }
}

export class PyTorchError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('pytorch', file, problem, where);
    this.name = 'PyTorchError';
  }
}

export class KerasError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('keras', file, problem, where);
    this.name = 'KerasError';
  }
}

export class TfjsError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('tfjs', file, problem, where);
    this.name = 'TfjsError';
  }
}

export class TensorBoardError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('tensorboard', file, problem, where);
    this.name = 'TensorBoardError';
  }
}

/** `error`, marked as "a sound file that holds no model" (see FormatError.notAModel). */
export function notAModel<E extends FormatError>(error: E): E {
  error.notAModel = true;
  return error;
}

/** A constructor of one format's error, so shared helpers can throw the right class. */
export type ErrorFactory = (problem: string, where?: string) => FormatError;

/** The error class of a format, for code that learns the format at run time. */
export function errorFor(format: FormatId | 'unknown', file: string): ErrorFactory {
  switch (format) {
    case 'onnx': return (p, w) => new OnnxError(file, p, w);
    case 'safetensors': return (p, w) => new SafetensorsError(file, p, w);
    case 'pytorch': return (p, w) => new PyTorchError(file, p, w);
    case 'keras': return (p, w) => new KerasError(file, p, w);
    case 'tfjs': return (p, w) => new TfjsError(file, p, w);
    case 'tensorboard': return (p, w) => new TensorBoardError(file, p, w);
    default: return (p, w) => new FormatError('unknown', file, p, w);
  }
}
