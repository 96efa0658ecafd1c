// A training job as plain JSON (what the extension host sends to the worker), and its validation.
// Every field is checked with a message that names it, so a bad config becomes a readable error
// instead of a crash deep inside a layer.

import type { InitializerName } from '../train/initializers';
import type { LossName } from '../train/loop';

export type DatasetConfig = (
  | { kind: 'exam-scores'; samples?: number }
  | { kind: 'moons'; samples?: number; noise?: number }
  | { kind: 'spirals'; samples?: number; classes?: number; noise?: number }
  | { kind: 'blobs'; samples?: number; centers?: number; std?: number }
  | { kind: 'shapes'; samples?: number; noise?: number }
  | { kind: 'csv'; text: string; labelColumn: string; delimiter?: string }
) & {
  /** Share of the samples held out for validation (default 0.2). */
  validationFraction?: number;
  /** Standardize every feature with the training split's mean and std (default false). */
  standardize?: boolean;
};

type Pair = number | [number, number];

/** One layer of a sequential architecture; input sizes are inferred from the previous layer's output. */
export type LayerConfig = { name?: string } & (
  | { type: 'dense'; units: number; bias?: boolean; init?: InitializerName }
  | { type: 'conv2d'; filters: number; kernelSize: Pair; stride?: Pair; padding?: 'same' | 'valid' | Pair; dilation?: Pair; groups?: number; bias?: boolean; init?: InitializerName }
  | { type: 'conv1d'; filters: number; kernelSize: number; stride?: number; padding?: 'same' | 'valid' | number; dilation?: number; groups?: number; bias?: boolean; init?: InitializerName }
  | { type: 'maxpool2d' | 'avgpool2d'; kernelSize: Pair; stride?: Pair; padding?: Pair }
  | { type: 'maxpool1d' | 'avgpool1d'; kernelSize: number; stride?: number; padding?: number }
  | { type: 'globalavgpool' | 'flatten' | 'identity' | 'relu' | 'relu6' | 'sigmoid' | 'tanh' | 'silu' }
  | { type: 'reshape'; shape: number[] }
  | { type: 'transpose'; perm: number[] }
  | { type: 'dropout'; p?: number }
  | { type: 'leakyrelu'; negativeSlope?: number }
  | { type: 'gelu'; approximate?: 'none' | 'tanh' }
  | { type: 'clip'; min: number; max: number }
  | { type: 'softmax'; axis?: number }
  /** PyTorch BatchNorm1d/2d (chosen by the input rank) with its momentum convention. */
  | { type: 'batchnorm'; momentum?: number; eps?: number; affine?: boolean }
  | { type: 'layernorm'; eps?: number }
  | { type: 'groupnorm'; groups: number; eps?: number }
);

export type OptimizerConfig =
  | { type: 'sgd'; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number }
  | { type: 'adam' | 'adamw'; beta1?: number; beta2?: number; eps?: number; weightDecay?: number };

export interface TrainingJobConfig {
  dataset: DatasetConfig;
  layers: LayerConfig[];
  optimizer: OptimizerConfig;
  lr: number;
  batchSize: number;
  epochs: number;
  seed: number;
  /** Default 'cross-entropy'. */
  loss?: LossName;
  /** Drop a short last minibatch (default false). */
  dropLast?: boolean;
  /** Record activation statistics of the normalization layers and stream them as 'stats' messages. */
  record?: RecordConfig;
}

/** Options of the activation recorder (src/engine/recorder); absent fields take its defaults. */
export interface RecordConfig {
  /** Record every n-th step (default 1). */
  everySteps?: number;
  samplesPerChannel?: number;
  bins?: number;
  /**
   * Also record the outputs of activation layers (ReLU and the like), e.g. for the fraction of dead
   * ReLU units; by default only normalization layers are recorded.
   */
  activations?: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: unknown, path: string): Json {
  if (!isObject(v)) throw new ConfigError(`${path} must be an object`);
  return v;
}

interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
}

function checkNumber(v: unknown, path: string, rule: NumberRule): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path} must be a finite number`);
  if (rule.integer && !Number.isInteger(v)) throw new ConfigError(`${path} must be an integer`);
  if (rule.min !== undefined && v < rule.min) throw new ConfigError(`${path} must be ≥ ${rule.min}`);
  if (rule.max !== undefined && v > rule.max) throw new ConfigError(`${path} must be ≤ ${rule.max}`);
  if (rule.above !== undefined && v <= rule.above) throw new ConfigError(`${path} must be > ${rule.above}`);
  return v;
}

/** Checks the listed fields of o (absent optional fields are fine) and returns o unchanged. */
function fields(o: Json, path: string, spec: Record<string, FieldRule>): Json {
  for (const [key, rule] of Object.entries(spec)) {
    const v = o[key];
    const at = `${path}.${key}`;
    if (v === undefined) {
      if (!rule.optional) throw new ConfigError(`${at} is required`);
      continue;
    }
    switch (rule.kind) {
      case 'number':
        checkNumber(v, at, rule);
        break;
      case 'pair':
        if (Array.isArray(v)) {
          if (v.length !== 2) throw new ConfigError(`${at} must be a number or two numbers`);
          v.forEach((e, i) => checkNumber(e, `${at}[${i}]`, rule));
        } else checkNumber(v, at, rule);
        break;
      case 'boolean':
        if (typeof v !== 'boolean') throw new ConfigError(`${at} must be true or false`);
        break;
      case 'string':
        if (typeof v !== 'string') throw new ConfigError(`${at} must be a string`);
        break;
      case 'enum':
        if (!rule.values.includes(v as string)) throw new ConfigError(`${at} must be one of ${rule.values.map((s) => `"${s}"`).join(', ')}`);
        break;
      case 'numbers':
        if (!Array.isArray(v)) throw new ConfigError(`${at} must be an array of numbers`);
        v.forEach((e, i) => checkNumber(e, `${at}[${i}]`, { integer: true }));
        break;
      case 'padding':
        if (v !== 'same' && v !== 'valid') fields({ [key]: v }, path, { [key]: { kind: 'pair', integer: true, min: 0 } });
        break;
    }
  }
  return o;
}

type FieldRule = { optional?: boolean } & (
  | ({ kind: 'number' | 'pair' } & NumberRule)
  | { kind: 'boolean' | 'string' | 'numbers' | 'padding' }
  | { kind: 'enum'; values: readonly string[] }
);

const opt = <R extends FieldRule>(rule: R): R => ({ ...rule, optional: true });
const positiveInt: FieldRule = { kind: 'number', integer: true, min: 1 };
const nonNegative: FieldRule = { kind: 'number', min: 0 };
const INITS = ['pytorch', 'he-normal', 'he-uniform', 'glorot-normal', 'glorot-uniform'] as const;

const DATASET_FIELDS: Record<DatasetConfig['kind'], Record<string, FieldRule>> = {
  'exam-scores': { samples: opt(positiveInt) },
  moons: { samples: opt(positiveInt), noise: opt(nonNegative) },
  spirals: { samples: opt(positiveInt), classes: opt({ kind: 'number', integer: true, min: 2 }), noise: opt(nonNegative) },
  blobs: { samples: opt(positiveInt), centers: opt({ kind: 'number', integer: true, min: 2 }), std: opt(nonNegative) },
  shapes: { samples: opt(positiveInt), noise: opt(nonNegative) },
  csv: { text: { kind: 'string' }, labelColumn: { kind: 'string' }, delimiter: opt({ kind: 'string' }) },
};

const POOL2D: Record<string, FieldRule> = { kernelSize: { kind: 'pair', integer: true, min: 1 }, stride: opt({ kind: 'pair', integer: true, min: 1 }), padding: opt({ kind: 'pair', integer: true, min: 0 }) };
const POOL1D: Record<string, FieldRule> = { kernelSize: positiveInt, stride: opt(positiveInt), padding: opt({ kind: 'number', integer: true, min: 0 }) };
const NONE: Record<string, FieldRule> = {};

const LAYER_FIELDS: Record<LayerConfig['type'], Record<string, FieldRule>> = {
  dense: { units: positiveInt, bias: opt({ kind: 'boolean' }), init: opt({ kind: 'enum', values: INITS }) },
  conv2d: {
    filters: positiveInt, kernelSize: { kind: 'pair', integer: true, min: 1 }, stride: opt({ kind: 'pair', integer: true, min: 1 }),
    padding: opt({ kind: 'padding' }), dilation: opt({ kind: 'pair', integer: true, min: 1 }), groups: opt(positiveInt),
    bias: opt({ kind: 'boolean' }), init: opt({ kind: 'enum', values: INITS }),
  },
  conv1d: {
    filters: positiveInt, kernelSize: positiveInt, stride: opt(positiveInt), padding: opt({ kind: 'padding' }),
    dilation: opt(positiveInt), groups: opt(positiveInt), bias: opt({ kind: 'boolean' }), init: opt({ kind: 'enum', values: INITS }),
  },
  maxpool2d: POOL2D,
  avgpool2d: POOL2D,
  maxpool1d: POOL1D,
  avgpool1d: POOL1D,
  globalavgpool: NONE,
  flatten: NONE,
  identity: NONE,
  relu: NONE,
  relu6: NONE,
  sigmoid: NONE,
  tanh: NONE,
  silu: NONE,
  reshape: { shape: { kind: 'numbers' } },
  transpose: { perm: { kind: 'numbers' } },
  dropout: { p: opt({ kind: 'number', min: 0, max: 0.999 }) },
  leakyrelu: { negativeSlope: opt({ kind: 'number' }) },
  gelu: { approximate: opt({ kind: 'enum', values: ['none', 'tanh'] }) },
  clip: { min: { kind: 'number' }, max: { kind: 'number' } },
  softmax: { axis: opt({ kind: 'number', integer: true }) },
  batchnorm: { momentum: opt({ kind: 'number', min: 0, max: 1 }), eps: opt({ kind: 'number', above: 0 }), affine: opt({ kind: 'boolean' }) },
  layernorm: { eps: opt({ kind: 'number', above: 0 }) },
  groupnorm: { groups: positiveInt, eps: opt({ kind: 'number', above: 0 }) },
};

const OPTIMIZER_FIELDS: Record<OptimizerConfig['type'], Record<string, FieldRule>> = {
  sgd: { momentum: opt(nonNegative), dampening: opt(nonNegative), nesterov: opt({ kind: 'boolean' }), weightDecay: opt(nonNegative) },
  adam: { beta1: opt({ kind: 'number', min: 0, max: 0.999999 }), beta2: opt({ kind: 'number', min: 0, max: 0.999999 }), eps: opt({ kind: 'number', above: 0 }), weightDecay: opt(nonNegative) },
  adamw: { beta1: opt({ kind: 'number', min: 0, max: 0.999999 }), beta2: opt({ kind: 'number', min: 0, max: 0.999999 }), eps: opt({ kind: 'number', above: 0 }), weightDecay: opt(nonNegative) },
};

function tagged<K extends string>(o: Json, path: string, tag: string, table: Record<K, Record<string, FieldRule>>): K {
  const value = o[tag];
  if (typeof value !== 'string' || !Object.hasOwn(table, value)) {
    throw new ConfigError(`${path}.${tag} must be one of ${Object.keys(table).map((k) => `"${k}"`).join(', ')}`);
  }
  fields(o, path, table[value as K]);
  return value as K;
}

/** Validates untrusted JSON as a TrainingJobConfig (throws ConfigError naming the bad field). */
export function parseJobConfig(value: unknown): TrainingJobConfig {
  const c = object(value, 'config');
  fields(c, 'config', {
    lr: { kind: 'number', above: 0 },
    batchSize: positiveInt,
    epochs: { kind: 'number', integer: true, min: 0 },
    seed: { kind: 'number', integer: true },
    loss: opt({ kind: 'enum', values: ['cross-entropy', 'bce', 'mse'] }),
    dropLast: opt({ kind: 'boolean' }),
  });
  const dataset = object(c.dataset, 'config.dataset');
  tagged(dataset, 'config.dataset', 'kind', DATASET_FIELDS);
  fields(dataset, 'config.dataset', { validationFraction: opt({ kind: 'number', min: 0, max: 0.9 }), standardize: opt({ kind: 'boolean' }) });
  if (!Array.isArray(c.layers) || c.layers.length === 0) throw new ConfigError('config.layers must be a non-empty array');
  c.layers.forEach((layer: unknown, i: number) => {
    const path = `config.layers[${i}]`;
    const o = object(layer, path);
    tagged(o, path, 'type', LAYER_FIELDS);
    fields(o, path, { name: opt({ kind: 'string' }) });
  });
  tagged(object(c.optimizer, 'config.optimizer'), 'config.optimizer', 'type', OPTIMIZER_FIELDS);
  if (c.record !== undefined) fields(object(c.record, 'config.record'), 'config.record', { everySteps: opt(positiveInt), samplesPerChannel: opt(positiveInt), bins: opt(positiveInt), activations: opt({ kind: 'boolean' }) });
  return c as unknown as TrainingJobConfig;
}
