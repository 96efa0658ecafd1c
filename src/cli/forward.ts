// `bnlens forward FILE --input DATA [preprocessing] [--mode eval|train] [--out DIR] [--json]`: passes the
// user's data (arrays, images, an ONNX TensorProto, a CSV) forward through the model in the engine and
// reports every normalization layer's input (pre) and output (post) statistics; with --out, writes the
// model output and each normalization layer's input and output as .npy files.

import { mkdir, writeFile } from 'node:fs/promises';
import { checkWriteInside, LocalFileError } from '../analysis/localFiles';
import { basename, join } from 'node:path';
import { forwardPass, type ForwardResult, type NormMode } from '../analysis/forward';
import { importModel, importProblem } from '../analysis/import';
import { ImportError } from '../analysis/import/common';
import type { TensorStatistics } from '../analysis/tensorStatistics';
import { Tensor } from '../engine/tensor';
import type { ModelDescription } from '../formats/model';
import { looksLikeNpy, NpyError, readNpy, readNpz, writeNpy } from '../formats/npy';
import { looksLikeZip } from '../formats/zip';
import { num, table } from './render';
import { describeInput, inputTensor } from '../analysis/inputs/batch';
import { MAX_PROBE_IMAGES, type InputData } from '../analysis/inputs/gather';
import type { Preprocessing } from '../analysis/inputs/preprocess';
import { readDataInput } from './dataInput';

export interface ForwardOptions {
  readonly input: string;
  readonly preprocessing: Preprocessing;
  readonly mode: NormMode;
  readonly out: string | null;
  readonly json: boolean;
}

/**
 * The input arrays by name: an .npz's entries, or one .npy, named after the model's input when it has
 * one, else after the file. Values become float32, the engine's dtype.
 */
function arrayInputs(path: string, bytes: Uint8Array, model: ModelDescription): Map<string, Tensor> {
  if (looksLikeNpy(bytes)) {
    const a = readNpy(path, bytes);
    const declared = model.graph?.inputs ?? [];
    const name = declared.length === 1 ? declared[0].name : basename(path).replace(/\.npy$/i, '');
    return new Map([[name, Tensor.fromArray(a.data, a.shape)]]);
  }
  if (looksLikeZip(bytes)) {
    const arrays = readNpz(path, bytes);
    if (arrays.size === 0) throw new NpyError(path, 'the .npz archive holds no .npy arrays');
    return new Map([...arrays].map(([name, a]) => [name, Tensor.fromArray(a.data, a.shape)]));
  }
  throw new NpyError(path, 'not a NumPy .npy array or .npz archive');
}

/** The inputs by name: arrays as they are; images, a TensorProto or a CSV as one batch for the model's first input. */
export function dataInputs(data: InputData, model: ModelDescription, preprocessing: Preprocessing): Map<string, Tensor> {
  if (data.kind === 'arrays') return arrayInputs(data.file, data.bytes, model);
  const name = model.graph?.inputs?.[0]?.name ?? 'input';
  return new Map([[name, inputTensor(model, data, preprocessing)]]);
}

const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/**
 * The declared input shapes, checked before the forward pass so a wrong layout is named as such (e.g. NCHW
 * given to a channels-last Keras model). The batch size and sizes the file leaves open are free.
 */
function checkShapes(model: ModelDescription, inputs: ReadonlyMap<string, Tensor>, inputFile: string): void {
  const declared = model.graph?.inputs ?? [];
  for (const [name, t] of inputs) {
    const v = declared.find((d) => d.name === name);
    if (!v?.shape) continue;
    const fits = v.shape.length === t.rank && v.shape.every((d, i) => i === 0 || d <= 0 || d === t.shape[i]);
    if (!fits) {
      const want = `[${v.shape.map((d, i) => (i === 0 || d <= 0 ? '?' : d)).join(',')}]`;
      throw new ImportError(model.file, `input '${v.name}' must have shape ${want}, ${inputFile} gives ${shapeText(t.shape)}`);
    }
  }
}

/** A layer or output name as one file or folder name: anything but letters, digits, '.', '_' and '-' becomes '_', and clashes get _2, _3, … */
export function fileNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (/^\.*$/.test(safe)) safe = safe.replace(/\./g, '_') || '_';
    let unique = safe;
    for (let k = 2; used.has(unique); k++) unique = `${safe}_${k}`;
    used.add(unique);
    return unique;
  });
}

/** Writes under DIR only: names are made safe (fileNames) and every target is checked by real path, so a symbolic link inside DIR cannot lead a write elsewhere. */
async function writeArrays(dir: string, result: ForwardResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const write = async (folder: string, file: string, t: Tensor): Promise<void> => {
    const target = join(folder, file);
    try {
      await checkWriteInside(dir, target);
    } catch (e) {
      if (e instanceof LocalFileError) throw new ImportError(target, `not written: ${e.problem}`);
      throw e;
    }
    await writeFile(target, writeNpy(t.data, t.shape));
  };
  await write(join(dir, 'outputs'), `${fileNames([result.outputName])[0]}.npy`, result.output);
  const folders = fileNames(result.layers.map((l) => l.name));
  for (const [i, layer] of result.layers.entries()) {
    await write(join(dir, 'layers', folders[i]), 'input.npy', layer.input);
    await write(join(dir, 'layers', folders[i]), 'output.npy', layer.output);
  }
}

function stats(s: TensorStatistics): { mean: number; std: number; min: number; max: number } {
  return { mean: s.mean, std: s.std, min: s.min, max: s.max };
}

function forwardJson(model: ModelDescription, options: ForwardOptions, inputs: ReadonlyMap<string, Tensor>, result: ForwardResult): string {
  const kindOf = new Map(model.normLayers.map((l) => [l.name, l.kind]));
  return JSON.stringify({
    file: model.file,
    format: model.format,
    mode: options.mode,
    inputs: [...inputs].map(([name, t]) => ({ name, shape: t.shape })),
    output: { name: result.outputName, shape: result.output.shape },
    layers: result.layers.map((l) => ({
      name: l.name,
      kind: kindOf.get(l.name) ?? null,
      shape: l.input.shape,
      pre: stats(l.inputStats),
      post: stats(l.outputStats),
    })),
  });
}

function forwardTable(model: ModelDescription, options: ForwardOptions, inputs: ReadonlyMap<string, Tensor>, result: ForwardResult, data: InputData): string {
  const kindOf = new Map(model.normLayers.map((l) => [l.name, l.kind]));
  const given = [...inputs].map(([name, t]) => `'${name}' ${shapeText(t.shape)}`).join(', ');
  const out = [
    `${model.file}: ${model.format} (${model.variant}), ${options.mode} mode`,
    `input ${given}; output '${result.outputName}' ${shapeText(result.output.shape)}`,
    ...(data.kind === 'arrays' ? [] : [`data: ${describeInput(data, options.preprocessing)}`]),
  ];
  if (result.layers.length === 0) {
    out.push('', 'No normalization layers ran.');
  } else {
    const cells = (s: TensorStatistics): string[] => [num(s.mean), num(s.std), num(s.min), num(s.max)];
    out.push('', ...table(
      ['layer', 'kind', 'shape', 'pre mean', 'pre std', 'pre min', 'pre max', 'post mean', 'post std', 'post min', 'post max'],
      result.layers.map((l) => [l.name, kindOf.get(l.name) ?? '-', shapeText(l.input.shape), ...cells(l.inputStats), ...cells(l.outputStats)]),
    ));
  }
  if (options.out) out.push('', `Arrays written to ${options.out}.`);
  return out.join('\n');
}

/** The forward pass and its report; what is wrong with the model or the input is thrown as a FormatError or ImportError. */
export async function forwardCommand(model: ModelDescription, options: ForwardOptions): Promise<string> {
  // A model the engine cannot run is the file's problem whatever the input, so it is reported first,
  // with the importer's message (importModel throws it, naming the layer).
  if (importProblem(model) !== null) importModel(model);
  const data = await readDataInput(options.input, MAX_PROBE_IMAGES);
  const inputs = dataInputs(data, model, options.preprocessing);
  checkShapes(model, inputs, options.input);
  let result: ForwardResult;
  try {
    result = forwardPass(model, inputs, options.mode);
  } catch (e) {
    // The engine's layers check shapes as they run; a mismatch is this input's problem, not a crash.
    if (e instanceof RangeError) throw new ImportError(model.file, `the forward pass fails on ${options.input}: ${e.message}`);
    throw e;
  }
  if (options.out) await writeArrays(options.out, result);
  return options.json ? forwardJson(model, options, inputs, result) : forwardTable(model, options, inputs, result, data);
}
