// The `bnlens` command line: argument handling and exit codes. main.ts wires it to the process.
//   bnlens inspect FILE|RUN_FOLDER [--json]
// Exit 0 on success, 2 for a bad or unsupported file (one line: "bnlens: FILE: problem (where)") and
// for usage errors, 1 for anything unexpected.

import { stat } from 'node:fs/promises';
import { FormatError } from '../formats/errors';
import { readModel, readTensorBoardRun } from '../formats/read';
import type { ModelDescription } from '../formats/model';
import { fileSource, folderSource } from './nodeSource';
import { inspectJson, inspectTable } from './render';

export const HELP = `bnlens — look at the normalization layers in model files

Usage:
  bnlens inspect FILE [--json]     list the BatchNorm/LayerNorm/GroupNorm/InstanceNorm layers of FILE
  bnlens inspect RUN_FOLDER [--json]
                                   read the TensorBoard event files of a run folder
  bnlens --help                    show this help

FILE may be ONNX (.onnx), PyTorch (.pt/.pth, zip or legacy), safetensors, Keras (.keras, .h5, or a
Keras 2 model.json next to its weights .h5), TF.js (model.json, *weights_manifest.json) or a
TensorBoard event file (events.out.tfevents.*). The format is told from the file's bytes.

--json prints one JSON document: {"file","format","producer","layers":[…],"warnings":[…]}, plus
"scalars" and "histograms" for TensorBoard files.

Exit status: 0 on success, 2 when the file is unreadable or not a supported model (with one line
"bnlens: FILE: what is wrong (where in the file)"), 1 on an internal error.`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** jsfive logs to the console on some damaged HDF5 files; the CLI's output is its own. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const { log, warn } = console;
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    return await work();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

async function load(path: string): Promise<ModelDescription> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    throw new FormatError('unknown', path, 'no such file or folder');
  }
  if (isFolder) return readTensorBoardRun(folderSource(path));
  return readModel(await fileSource(path));
}

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length === 0) {
    io.err(HELP);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    io.out(HELP);
    return 0;
  }
  const [command, ...rest] = args;
  if (command !== 'inspect') {
    io.err(`bnlens: unknown command '${command}' (try bnlens --help)`);
    return 2;
  }
  const json = rest.includes('--json');
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--json');
  const files = rest.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || files.length !== 1) {
    io.err(unknown.length > 0 ? `bnlens: unknown option '${unknown[0]}' (try bnlens --help)` : 'bnlens: inspect takes one FILE (try bnlens --help)');
    return 2;
  }
  try {
    const model = await quietly(() => load(files[0]));
    // Tensor values are decoded while rendering, where a damaged payload can still show up.
    io.out(json ? inspectJson(model, []) : inspectTable(model));
    return 0;
  } catch (e) {
    if (e instanceof FormatError) {
      io.err(`bnlens: ${e.message}`);
      return 2;
    }
    io.err(`bnlens: ${files[0]}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 1;
  }
}
