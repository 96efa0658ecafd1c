// The `bnlens` command line: argument handling and exit codes. main.ts wires it to the process.
//   bnlens inspect FILE|RUN_FOLDER [--json]
//   bnlens forward FILE --input DATA [preprocessing] [--mode eval|train] [--out DIR] [--json]
//   bnlens recalibrate FILE --input DATA [preprocessing] [--batch-size N] [--out NEW.onnx] [--json]
// (main.ts hands `bnlens train` to train.ts.)
// Exit 0 on success, 2 for a bad or unsupported file (one line: "bnlens: FILE: problem (where)") and
// for usage errors, 1 for anything unexpected.

import { stat } from 'node:fs/promises';
import { findAnomalies } from '../analysis/anomalies';
import { ImportError } from '../analysis/import/common';
import { withRecognizedNorms } from '../analysis/exportedNorms';
import { summarizeModel } from '../analysis/inventory';
import type { NormMode } from '../analysis/forward';
import type { Preprocessing } from '../analysis/inputs/preprocess';
import { FormatError } from '../formats/errors';
import { readModel, readTensorBoardRun, type ModelSource } from '../formats/read';
import { LocalFileError } from '../analysis/localFiles';
import type { ModelDescription } from '../formats/model';
import { fileSource, folderSource } from './nodeSource';
import { inspectJson, inspectTable, type InspectWarning } from './render';
import { forwardCommand } from './forward';
import { DATA_HELP, DATA_OPTIONS, preprocessingFromFlags } from './dataInput';
import { recalibrateCommand } from './recalibrate';

export const HELP = `bnlens — look at the normalization layers in model files

Usage:
  bnlens inspect FILE [--json]     list the BatchNorm/LayerNorm/GroupNorm/InstanceNorm layers of FILE
  bnlens inspect RUN_FOLDER [--json]
                                   read the TensorBoard event files of a run folder
  bnlens forward FILE --input DATA [preprocessing] [--mode eval|train] [--out DIR] [--json]
                                   pass DATA forward through the model and show each normalization
                                   layer's input (pre) and output (post) statistics
  bnlens recalibrate FILE --input DATA [preprocessing] [--batch-size N] [--out NEW.onnx] [--json]
                                   re-estimate the BatchNorm running statistics from DATA and show them
                                   before and after; for ONNX, write NAME.recalibrated.onnx (or NEW.onnx)
  bnlens train --config SPEC.json --out DIR
                                   train a model spec in the engine and save the run to DIR
  bnlens --help                    show this help

FILE may be ONNX (.onnx), PyTorch (.pt/.pth, zip or legacy), safetensors, Keras (.keras, .h5, or a
Keras 2 model.json next to its weights .h5), TF.js (model.json, *weights_manifest.json) or a
TensorBoard event file (events.out.tfevents.*). The format is told from the file's bytes.

inspect --json prints one JSON document: {"file","format","producer","layers":[…],"warnings":[…]},
plus "scalars" and "histograms" for TensorBoard files, and "watched" (per layer and rank: "layer", "kind",
"channels", "rank", "steps", "batchMean", "runningMean", "batchVar", "runningVar", "pre", "post",
"alarms", …) for logs written by BN Lens' Python companion (bnlens.torch.watch, bnlens.keras.Callback).

forward takes ONNX graphs and Keras/TF.js layers models. --mode train normalizes with the batch's
statistics, --mode eval (the default) with the stored running statistics. --out DIR writes
DIR/outputs/<output>.npy and, for every normalization layer, DIR/layers/<layer>/input.npy and
output.npy. --json prints
{"file","format","mode","inputs":[…],"output":{…},"layers":[{"name","kind","shape","pre","post"}]}.

recalibrate passes DATA forward through the model in train mode, in batches of N (default 32; a
last batch of fewer than 2 samples is dropped), and averages each BatchNorm layer's batch mean and
variance with equal weight, as torch.optim.swa_utils.update_bn does, in the variance convention of
the file's framework. It never writes the model file itself. --json prints {"file","format","data","batches",
"samples","variance","written","layers":[{"name","before","after","largestMeanChange","varianceRatio"}]}.

${DATA_HELP}

Exit status: 0 on success, 2 when the file is unreadable or not a supported model (with one line
"bnlens: FILE: what is wrong (where in the file)") or on a usage error, 1 on an internal error.`;

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
  let source: ModelSource;
  try {
    source = await fileSource(path);
  } catch (e) {
    if (e instanceof LocalFileError) throw new FormatError('unknown', path, e.problem);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new FormatError('unknown', path, `cannot be read (${code})`);
    throw e;
  }
  // Normalization wherever the exporter put it (decomposed LayerNorm, GroupNorm via InstanceNormalization, folded BN).
  return withRecognizedNorms(await readModel(source));
}

function warningsOf(model: ModelDescription): InspectWarning[] {
  return findAnomalies(summarizeModel(model), model).map(({ layer, code, message }) => ({ layer, code, message }));
}

interface Parsed {
  readonly files: string[];
  readonly flags: Set<string>;
  readonly values: Map<string, string>;
}

/** Arguments: FILEs, --flag, and --option VALUE or --option=VALUE; a usage problem as a string. */
function parseArgs(args: readonly string[], flags: readonly string[], options: readonly string[]): Parsed | string {
  const parsed: Parsed = { files: [], flags: new Set(), values: new Map() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      parsed.files.push(arg);
      continue;
    }
    const [name, inline] = arg.split(/=(.*)/s, 2);
    if (flags.includes(name) && inline === undefined) parsed.flags.add(name);
    else if (options.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) return `option '${name}' needs a value`;
      parsed.values.set(name, value);
    } else return `unknown option '${arg}'`;
  }
  return parsed;
}

const MODES: readonly string[] = ['eval', 'train'] satisfies NormMode[];

type Command = 'inspect' | 'forward' | 'recalibrate';

function usageProblem(command: Command, parsed: Parsed): string | null {
  if (parsed.files.length !== 1) return `${command} takes one FILE`;
  if (command === 'inspect') return null;
  if (!parsed.values.has('--input')) return `${command} needs --input DATA (a folder of images, an image, X.npy/X.npz, input_0.pb or X.csv)`;
  const pre = preprocessingFromFlags(parsed.values);
  if (typeof pre === 'string') return pre;
  const batch = parsed.values.get('--batch-size');
  if (batch !== undefined && !(Number.isInteger(Number(batch)) && Number(batch) >= 2)) return `--batch-size is a whole number of at least 2, not '${batch}'`;
  const mode = parsed.values.get('--mode');
  return mode === undefined || MODES.includes(mode) ? null : `--mode is eval or train, not '${mode}'`;
}

const OPTIONS: Record<Command, readonly string[]> = {
  inspect: [],
  forward: [...DATA_OPTIONS, '--mode', '--out'],
  recalibrate: [...DATA_OPTIONS, '--batch-size', '--out'],
};

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
  if (command === 'run') {
    // The forward pass was `bnlens run` before "run" came to mean a training run only; no alias.
    io.err("bnlens: 'bnlens run' is now 'bnlens forward FILE --input DATA …' (try bnlens --help)");
    return 2;
  }
  if (command !== 'inspect' && command !== 'forward' && command !== 'recalibrate') {
    io.err(`bnlens: unknown command '${command}' (try bnlens --help)`);
    return 2;
  }
  const parsed = parseArgs(rest, ['--json'], OPTIONS[command]);
  const usage = typeof parsed === 'string' ? parsed : usageProblem(command, parsed);
  if (typeof parsed === 'string' || usage !== null) {
    io.err(`bnlens: ${usage} (try bnlens --help)`);
    return 2;
  }
  const file = parsed.files[0];
  const json = parsed.flags.has('--json');
  try {
    const model = await quietly(() => load(file));
    if (command === 'inspect') {
      // Tensor values are decoded while rendering, where a damaged payload can still show up.
      io.out(json ? inspectJson(model, warningsOf(model)) : inspectTable(model));
    } else {
      const input = parsed.values.get('--input') as string;
      const preprocessing = preprocessingFromFlags(parsed.values) as Preprocessing; // checked by usageProblem
      const out = parsed.values.get('--out') ?? null;
      io.out(command === 'forward'
        ? await forwardCommand(model, { input, preprocessing, mode: (parsed.values.get('--mode') ?? 'eval') as NormMode, out, json })
        : await recalibrateCommand(model, file, { input, preprocessing, batchSize: Number(parsed.values.get('--batch-size') ?? 32), out, json }));
    }
    return 0;
  } catch (e) {
    if (e instanceof FormatError || e instanceof ImportError) {
      io.err(`bnlens: ${e.message}`);
      return 2;
    }
    io.err(`bnlens: ${file}: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 1;
  }
}
