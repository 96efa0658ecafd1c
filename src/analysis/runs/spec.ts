// Model spec files (`*.bnlens.json`, schemas/bnlens-model.schema.json): a training job as a person
// writes it. Everything but `layers` has a default, and a CSV dataset names its file (relative to the
// spec) instead of carrying its text. resolveSpec() turns a spec into the worker's TrainingJobConfig,
// with every problem reported against the spec's file name.

import { parseJobConfig, ConfigError, type DatasetConfig, type LayerConfig, type OptimizerConfig, type RecordConfig, type TrainingJobConfig } from '../../engine/worker/config';
import type { LossName } from '../../engine/train/loop';
import { messageOf } from '../../shared/errors';

type BuiltinDataset = Exclude<DatasetConfig, { kind: 'csv' }>;

/** A CSV file of the workspace: one row per sample, a header row, numeric feature columns and a label column. */
export interface CsvDatasetSpec {
  kind: 'csv';
  /** Path of the CSV file, relative to the spec file (or absolute). */
  file: string;
  labelColumn: string;
  delimiter?: string;
  validationFraction?: number;
  standardize?: boolean;
}

export type DatasetSpec = BuiltinDataset | CsvDatasetSpec;

export interface TrainingSpec {
  $schema?: string;
  name?: string;
  description?: string;
  dataset?: DatasetSpec;
  layers: LayerConfig[];
  optimizer?: OptimizerConfig;
  lr?: number;
  batchSize?: number;
  epochs?: number;
  seed?: number;
  loss?: LossName;
  dropLast?: boolean;
  record?: RecordConfig;
}

export const SPEC_DEFAULTS = {
  dataset: { kind: 'moons', samples: 400, standardize: true } as DatasetSpec,
  optimizer: { type: 'adam' } as OptimizerConfig,
  lr: 0.01,
  batchSize: 32,
  epochs: 10,
  seed: 0,
};

/** A problem with a spec, naming its file: "models/mlp.bnlens.json: config.lr must be > 0". */
export class SpecError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'SpecError';
  }
}

/** Parses the text of a spec file (JSON, as the schema describes it). */
export function parseSpecText(text: string, file: string): TrainingSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpecError(file, `not valid JSON (${messageOf(e)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SpecError(file, 'a model spec is a JSON object with at least "layers"');
  const spec = value as Record<string, unknown>;
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw new SpecError(file, '"layers" must be a non-empty array of layers, e.g. [{ "type": "dense", "units": 16 }]');
  return value as TrainingSpec;
}

/** Reads a CSV file named by a spec (path as written in the spec); null when there is no such file. */
export type ReadCsv = (path: string) => Promise<string | null>;

/**
 * The worker's job config for a spec: defaults filled in, a CSV file read, and the result validated
 * (parseJobConfig) so that a mistake is reported here, naming the spec file and the field.
 */
export async function resolveSpec(spec: TrainingSpec, file: string, readCsv: ReadCsv): Promise<TrainingJobConfig> {
  const dataset = spec.dataset ?? SPEC_DEFAULTS.dataset;
  let datasetConfig: DatasetConfig;
  if (dataset.kind === 'csv') {
    if (typeof dataset.file !== 'string' || dataset.file === '') throw new SpecError(file, 'dataset.file must name a CSV file (relative to the spec file)');
    const text = await readCsv(dataset.file);
    if (text === null) throw new SpecError(file, `dataset.file "${dataset.file}" does not exist`);
    datasetConfig = { kind: 'csv', text, labelColumn: dataset.labelColumn, delimiter: dataset.delimiter, validationFraction: dataset.validationFraction, standardize: dataset.standardize };
  } else {
    datasetConfig = dataset;
  }
  const config = {
    dataset: datasetConfig,
    layers: spec.layers,
    optimizer: spec.optimizer ?? SPEC_DEFAULTS.optimizer,
    lr: spec.lr ?? SPEC_DEFAULTS.lr,
    batchSize: spec.batchSize ?? SPEC_DEFAULTS.batchSize,
    epochs: spec.epochs ?? SPEC_DEFAULTS.epochs,
    seed: spec.seed ?? SPEC_DEFAULTS.seed,
    ...(spec.loss !== undefined ? { loss: spec.loss } : {}),
    ...(spec.dropLast !== undefined ? { dropLast: spec.dropLast } : {}),
    ...(spec.record !== undefined ? { record: spec.record } : {}),
  };
  try {
    return parseJobConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new SpecError(file, e.message.replace(/^config\./, ''));
    throw e;
  }
}

/** Samples in the training split of a built-in dataset (before the config is run), for planning the recording. */
export function builtinSamples(dataset: BuiltinDataset): number {
  const defaults: Record<BuiltinDataset['kind'], number> = { 'exam-scores': 400, moons: 400, spirals: 600, blobs: 400, shapes: 600 };
  return dataset.samples ?? defaults[dataset.kind];
}

/** Recorded steps a run aims at: enough for smooth charts over time, few enough to keep a run small. */
export const TARGET_FRAMES = 200;

/** Every how many steps to record so a run of `totalSteps` gets about TARGET_FRAMES frames. */
export function recordEvery(totalSteps: number): number {
  return Math.max(1, Math.round(totalSteps / TARGET_FRAMES));
}

/** Optimizer steps of a config (what the worker's 'started' will say), from the sample count. */
export function plannedSteps(samples: number, config: Pick<TrainingJobConfig, 'batchSize' | 'epochs' | 'dropLast'> & { dataset: { validationFraction?: number } }): number {
  const train = samples - Math.round(samples * (config.dataset.validationFraction ?? 0.2));
  const perEpoch = config.dropLast ? Math.floor(train / config.batchSize) : Math.ceil(train / config.batchSize);
  return perEpoch * config.epochs;
}
