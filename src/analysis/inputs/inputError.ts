// The error every input reader throws: the data file (or folder) the user gave, what is wrong with it,
// and where. It is a FormatError, so the CLI exits with status 2 and the views show the message as is.

import { FormatError } from '../../formats/errors';

export class InputError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('unknown', file, problem, where);
    this.name = 'InputError';
  }
}
