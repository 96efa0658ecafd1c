// Everything the Training Studio decides before a training run starts, without VS Code: the CSV checks
// (a header with features and a label, a label column that holds classes), the model spec from the form
// (or from a `*.bnlens.json` spec file), the engine's job config and the run folder's name. The studio
// supplies the file reading; tests supply strings.

import { parseCsv, parseCsvRows } from '../../engine/data/csv';
import type { LayerConfig, TrainingJobConfig } from '../../engine/worker/config';
import { messageOf } from '../../shared/errors';
import { BUILTIN_DATASETS, type StudioForm } from '../../shared/runs/studioForm';
import type { RunInfo } from '../../shared/runs/types';
import { FormError, formLabel, runName, specFromForm } from './presets';
import { builtinSamples, parseSpecText, resolveSpec, type TrainingSpec } from './spec';

/** The header is looked for in this many characters of a CSV file. */
const HEADER_SEARCH = 64 * 1024;
/** More label values than this (or than half the rows) is a measurement, not classes. */
const MAX_CLASSES = 100;

/** The files a plan reads. */
export interface PlanFiles {
  /** A workspace file's text, by workspace-relative path; throws FormError naming the file if it cannot. */
  readText(path: string): Promise<string>;
  /** How the spec saved in the run folder refers to this workspace CSV file. */
  csvPathFromRun(path: string): string;
}

export interface StartPlan {
  readonly spec: TrainingSpec;
  readonly config: TrainingJobConfig;
  /** Whose problem a bad layer is: the spec file's, or the Training Studio form's. */
  readonly source: string;
  /** "spirals · MLP · BatchNorm before ReLU · …", the run's label. */
  readonly label: string;
  /** The run folder's name (before making it unique among the runs). */
  readonly name: string;
}

/** A CSV file's columns and the one most likely to be the label. */
export function csvColumns(file: string, text: string): { columns: string[]; labelGuess: string } {
  let columns: string[];
  try {
    columns = (parseCsvRows(text.slice(0, HEADER_SEARCH).split(/\r?\n/)[0] ?? '')[0]?.fields ?? []).map((h) => h.trim());
  } catch (e) {
    throw new FormError(`${file}: ${messageOf(e)}`);
  }
  if (columns.length < 2) throw new FormError(`${file}: the first row should be a header with at least two columns (features and a label), it has ${columns.length}`);
  const labelGuess = columns.find((h) => /^(label|class|target|y|species|category)$/i.test(h)) ?? columns[columns.length - 1];
  return { columns, labelGuess };
}

/** The classes and rows of a CSV dataset, checked to be a classification problem. */
export function csvClasses(file: string, text: string, labelColumn: string): { classes: number; samples: number } {
  let classes: number;
  let samples: number;
  try {
    const data = parseCsv(text, { labelColumn });
    classes = data.numClasses;
    samples = data.y.length;
  } catch (e) {
    throw new FormError(`${file}: ${messageOf(e)}`);
  }
  if (classes < 2) throw new FormError(`${file}: the label column "${labelColumn}" has only one value; a classifier needs at least two classes`);
  // A column of measurements (every row its own value) is a regression target, not classes.
  if (classes > MAX_CLASSES || classes > samples / 2) throw new FormError(`${file}: the label column "${labelColumn}" has ${classes} distinct values in ${samples} rows; the studio trains classifiers: choose the column that holds the class`);
  return { classes, samples };
}

/** What a run folder's name says after its time stamp: the experiment's variant, or the form's first parts. */
export function runNameHint(form: StudioForm, experiment?: RunInfo['experiment']): string {
  return experiment ? `${experiment.id}-${experiment.variant}` : formLabel(form).split(' · ').slice(0, 3).join(' ');
}

/** Checks the form and the files it names, and turns them into the spec and job config of a run. */
export async function planRun(form: StudioForm, files: PlanFiles, now: Date, experiment?: RunInfo['experiment']): Promise<StartPlan> {
  let classes: number;
  let samples: number;
  let csvText: string | undefined;
  let csvPath: string | undefined;
  if (form.dataset.kind === 'csv') {
    csvText = await files.readText(form.dataset.file);
    ({ classes, samples } = csvClasses(form.dataset.file, csvText, form.dataset.labelColumn));
    csvPath = files.csvPathFromRun(form.dataset.file);
  } else {
    const kind = form.dataset.kind;
    const builtin = BUILTIN_DATASETS.find((d) => d.kind === kind);
    if (!builtin) throw new FormError(`unknown dataset "${kind}"`);
    classes = builtin.classes;
    samples = builtinSamples({ kind } as Parameters<typeof builtinSamples>[0]);
  }
  let layers: LayerConfig[] | undefined;
  let source = 'the Training Studio form';
  if ('specFile' in form.architecture) {
    source = form.architecture.specFile;
    layers = parseSpecText(await files.readText(source), source).layers;
  }
  const label = formLabel(form);
  const spec = { name: label, ...specFromForm(form, { classes, samples, layers, csvPath }) };
  const config = await resolveSpec(spec, source, async () => csvText ?? null);
  return { spec, config, source, label, name: runName(now, runNameHint(form, experiment)) };
}
