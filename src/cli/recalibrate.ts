// `bnlens recalibrate FILE --input DATA [preprocessing] [--batch-size N] [--out NEW.onnx] [--json]`:
// re-estimates every BatchNorm layer's running statistics from the user's data (as
// torch.optim.swa_utils.update_bn does), prints them before and after per layer, and for an ONNX model
// writes a copy with the new statistics — NAME.recalibrated.onnx beside the model unless --out says where.
// The model file itself is never written.

import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { importModel, importProblem } from '../analysis/import';
import { ImportError } from '../analysis/import/common';
import { describeInput, inputBatches } from '../analysis/inputs/batch';
import { MAX_IMAGES } from '../analysis/inputs/gather';
import type { Preprocessing } from '../analysis/inputs/preprocess';
import { recalibrate, type RecalibrationResult } from '../analysis/recalibrate';
import { recalibrationChange } from '../shared/recalibrationChange';
import type { ModelDescription } from '../formats/model';
import { replaceInitializers } from '../formats/onnx/writer';
import { readDataInput } from './dataInput';
import { num, table } from './render';

export interface RecalibrateOptions {
  readonly input: string;
  readonly preprocessing: Preprocessing;
  readonly batchSize: number;
  readonly out: string | null;
  readonly json: boolean;
}

/** Where the recalibrated copy goes: --out, or NAME.recalibrated.onnx beside the model. */
export function recalibratedPath(modelPath: string, out: string | null): string {
  return out ?? join(dirname(modelPath), `${basename(modelPath).replace(/\.onnx$/i, '')}.recalibrated.onnx`);
}

async function writeCopy(model: ModelDescription, modelPath: string, out: string | null, result: RecalibrationResult): Promise<string> {
  const target = recalibratedPath(modelPath, out);
  if (resolve(target) === resolve(modelPath)) throw new ImportError(model.file, `--out ${target} is the model itself; BN Lens writes the recalibrated copy to a new file and never changes the model`);
  const replacements = new Map<string, Float32Array>();
  for (const l of result.layers) {
    if (!l.meanTensor || !l.varianceTensor) throw new ImportError(model.file, `layer ${l.name} has no stored running statistics to replace`);
    replacements.set(l.meanTensor, l.after.mean);
    replacements.set(l.varianceTensor, l.after.variance);
  }
  await writeFile(target, replaceInitializers(model.file, await readFile(modelPath), replacements));
  return target;
}

const average = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;

function summaryTable(model: ModelDescription, source: string, result: RecalibrationResult, written: string | null): string {
  return [
    `${model.file}: ${model.format} (${model.variant}); recalibrated ${result.layers.length} BatchNorm layer(s) from ${result.samples} samples in ${result.batches} batches of ${source}`,
    `batch statistics averaged with equal weight, ${result.variance} variance (the file's framework's convention); means over channels:`,
    '',
    ...table(
      ['layer', 'channels', 'mean before', 'mean after', 'var before', 'var after', 'largest mean change (old σ)', 'new ÷ old var'],
      result.layers.map((l) => {
        const c = recalibrationChange(l);
        return [l.name, String(l.after.mean.length), num(average(l.before.mean)), num(average(l.after.mean)), num(average(l.before.variance)), num(average(l.after.variance)),
          num(c.shift), `${num(c.ratioLow)} … ${num(c.ratioHigh)}`];
      }),
    ),
    '',
    written ? `Wrote ${written} (the model itself is unchanged).` : `Not written: saving a recalibrated copy is supported for ONNX files (this is ${model.format}).`,
  ].join('\n');
}

function summaryJson(model: ModelDescription, source: string, result: RecalibrationResult, written: string | null): string {
  return JSON.stringify({
    file: model.file,
    format: model.format,
    data: source,
    batches: result.batches,
    samples: result.samples,
    variance: result.variance,
    written,
    layers: result.layers.map((l) => {
      const c = recalibrationChange(l);
      return {
        name: l.name,
        before: { mean: [...l.before.mean], variance: [...l.before.variance] },
        after: { mean: [...l.after.mean], variance: [...l.after.variance] },
        largestMeanChange: c.shift,
        varianceRatio: [c.ratioLow, c.ratioHigh],
      };
    }),
  });
}

export async function recalibrateCommand(model: ModelDescription, modelPath: string, options: RecalibrateOptions): Promise<string> {
  if (importProblem(model) !== null) importModel(model);
  if (options.out !== null && model.format !== 'onnx') throw new ImportError(model.file, `--out: BN Lens writes recalibrated copies of ONNX files only (this is ${model.format}); leave out --out to see the new statistics`);
  const data = await readDataInput(options.input, MAX_IMAGES);
  const source = describeInput(data, options.preprocessing);
  let result: RecalibrationResult;
  try {
    result = recalibrate(model, inputBatches(model, data, options.preprocessing, options.batchSize));
  } catch (e) {
    if (e instanceof RangeError) throw new ImportError(model.file, `the forward pass fails on ${options.input}: ${e.message}`);
    throw e;
  }
  const written = model.format === 'onnx' ? await writeCopy(model, modelPath, options.out, result) : null;
  return options.json ? summaryJson(model, source, result, written) : summaryTable(model, source, result, written);
}
