// What the Training Studio's form offers, turned into model specs: the architecture presets (shaped like
// the textbook examples), where the normalization goes and which kind it is, and the one-click
// experiments that check the claims made for BatchNorm (each a small set of runs that differ in one thing).

import type { LayerConfig, OptimizerConfig } from '../../engine/worker/config';
import { recordEvery, type DatasetSpec, type TrainingSpec } from './spec';
import { NORM_LABELS, type ArchitecturePreset, type ExperimentId, type NormKind, type Placement, type OptimizerName, type StudioForm } from '../../shared/runs/studioForm';

/** Groups for a GroupNorm over `channels`: 4 where it divides, else the largest of 2 and 1 that does. */
function groupsFor(channels: number): number {
  return [4, 2, 1].find((g) => channels % g === 0) ?? 1;
}

/**
 * The normalization layer for `channels` channels. On images a LayerNorm over the whole sample
 * ([C, H, W], as a CNN uses it) is GroupNorm with one group, which is what it becomes there: the
 * engine's LayerNorm normalizes the last axis only.
 */
function normLayer(kind: Exclude<NormKind, 'none'>, channels: number, index: number, image: boolean): LayerConfig {
  switch (kind) {
    case 'batchnorm':
      return { type: 'batchnorm', name: `bn${index}` };
    case 'layernorm':
      return image ? { type: 'groupnorm', groups: 1, name: `ln${index}` } : { type: 'layernorm', name: `ln${index}` };
    case 'groupnorm':
      return { type: 'groupnorm', groups: groupsFor(channels), name: `gn${index}` };
  }
}

/** The preset's layers with the chosen normalization placed before or after each hidden activation. */
export function presetLayers(preset: ArchitecturePreset, norm: NormKind, placement: Placement, classes: number): LayerConfig[] {
  const block = (main: LayerConfig, channels: number, index: number, image: boolean): LayerConfig[] => {
    const relu: LayerConfig = { type: 'relu', name: `relu${index}` };
    if (norm === 'none' || placement === 'none') return [main, relu];
    const n = normLayer(norm, channels, index, image);
    return placement === 'before' ? [main, n, relu] : [main, relu, n];
  };
  if (preset === 'mlp') {
    return [
      ...block({ type: 'dense', units: 128, name: 'fc1' }, 128, 1, false),
      ...block({ type: 'dense', units: 64, name: 'fc2' }, 64, 2, false),
      { type: 'dense', units: classes, name: 'out' },
    ];
  }
  return [
    ...block({ type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', name: 'conv1' }, 8, 1, true),
    { type: 'maxpool2d', kernelSize: 2, name: 'pool1' },
    ...block({ type: 'conv2d', filters: 16, kernelSize: 3, padding: 'same', name: 'conv2' }, 16, 2, true),
    { type: 'maxpool2d', kernelSize: 2, name: 'pool2' },
    { type: 'globalavgpool', name: 'gap' },
    { type: 'dense', units: classes, name: 'out' },
  ];
}

export function optimizerConfig(name: OptimizerName): OptimizerConfig {
  // SGD with momentum 0.9, as the BatchNorm paper's experiments and most textbooks use it.
  return name === 'sgd' ? { type: 'sgd', momentum: 0.9 } : { type: name };
}

export class FormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormError';
  }
}

/** The studio's form as a model spec (architecture layers given, for a spec file). */
export function specFromForm(form: StudioForm, options: { classes: number; samples: number; layers?: LayerConfig[]; csvPath?: string }): TrainingSpec {
  const image = form.dataset.kind === 'shapes';
  if ('preset' in form.architecture && form.architecture.preset === 'cnn' && !image) {
    throw new FormError('the CNN preset needs an image dataset: choose "Shapes" (28×28 images), or the MLP preset');
  }
  if ('preset' in form.architecture && form.architecture.preset === 'mlp' && image) {
    throw new FormError('the MLP preset takes feature vectors; for the Shapes images choose the CNN preset');
  }
  for (const [key, value, integer, min] of [['learning rate', form.lr, false, 0], ['batch size', form.batchSize, true, 1], ['epochs', form.epochs, true, 1], ['seed', form.seed, true, -Infinity]] as const) {
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || (key === 'learning rate' && value <= 0)) {
      throw new FormError(`the ${key} must be ${integer ? 'a whole number' : 'a number'}${key === 'learning rate' ? ' above 0' : min > -Infinity ? ` of at least ${min}` : ''}`);
    }
  }
  const layers = options.layers ?? presetLayers('preset' in form.architecture ? form.architecture.preset : 'mlp', form.norm, form.placement, options.classes);
  let dataset: DatasetSpec;
  if (form.dataset.kind === 'csv') {
    dataset = { kind: 'csv', file: options.csvPath ?? form.dataset.file, labelColumn: form.dataset.labelColumn, standardize: true };
  } else {
    dataset = { kind: form.dataset.kind, standardize: form.dataset.kind !== 'exam-scores' && form.dataset.kind !== 'shapes' };
  }
  const validationFraction = 0.2;
  const train = options.samples - Math.round(options.samples * validationFraction);
  const total = Math.ceil(train / form.batchSize) * form.epochs;
  return {
    dataset,
    layers,
    optimizer: optimizerConfig(form.optimizer),
    lr: form.lr,
    batchSize: form.batchSize,
    epochs: form.epochs,
    seed: form.seed,
    record: { everySteps: recordEvery(total), activations: true },
  };
}

/** "spirals · MLP · BatchNorm before ReLU · SGD lr 0.05 · batch 32 · 8 epochs · seed 0". */
export function formLabel(form: StudioForm): string {
  const data = form.dataset.kind === 'csv' ? form.dataset.file : form.dataset.kind;
  const arch = 'preset' in form.architecture ? form.architecture.preset.toUpperCase() : form.architecture.specFile;
  const norm = form.norm === 'none' || form.placement === 'none' ? 'no normalization' : `${NORM_LABELS[form.norm]} ${form.placement} ReLU`;
  return [data, arch, 'specFile' in form.architecture ? null : norm, `${form.optimizer.toUpperCase()} lr ${form.lr}`, `batch ${form.batchSize}`, `${form.epochs} epochs`, `seed ${form.seed}`]
    .filter((x): x is string => x !== null).join(' · ');
}

/** The runs of an experiment: the form varied in one thing. */
export function experimentVariants(id: ExperimentId, base: StudioForm): { variant: string; form: StudioForm }[] {
  const bn: StudioForm = { ...base, norm: 'batchnorm', placement: base.placement === 'none' ? 'before' : base.placement };
  const none: StudioForm = { ...base, norm: 'none', placement: 'none' };
  switch (id) {
    case 'bn-vs-none':
      return [{ variant: 'BatchNorm', form: bn }, { variant: 'no normalization', form: none }];
    case 'lr-x10':
      return [
        { variant: `BatchNorm, lr ${base.lr}`, form: bn },
        { variant: `no normalization, lr ${base.lr}`, form: none },
        { variant: `BatchNorm, lr ${tenTimes(base.lr)}`, form: { ...bn, lr: tenTimes(base.lr) } },
        { variant: `no normalization, lr ${tenTimes(base.lr)}`, form: { ...none, lr: tenTimes(base.lr) } },
      ];
    case 'placement':
      return [{ variant: 'BatchNorm before ReLU', form: { ...bn, placement: 'before' } }, { variant: 'BatchNorm after ReLU', form: { ...bn, placement: 'after' } }];
    case 'batch-sizes':
      return [2, 8, 64].map((b) => ({ variant: `batch ${b}`, form: { ...bn, batchSize: b } }));
    case 'norm-kinds':
      return (['batchnorm', 'layernorm', 'groupnorm'] as const).map((norm) => ({ variant: NORM_LABELS[norm], form: { ...bn, norm } }));
    case 'train-eval-gap':
      return [2, 64].map((b) => ({ variant: `BatchNorm, batch ${b}`, form: { ...bn, batchSize: b } }));
  }
}

/** lr × 10 without binary noise in the label (0.05 × 10 is 0.5, not 0.5000000000000001). */
function tenTimes(lr: number): number {
  return Number((lr * 10).toPrecision(12));
}

/** A name for a run folder: time, then what distinguishes it, in file-name-safe characters. */
export function runName(now: Date, what: string): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const slug = what.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return slug ? `${stamp}-${slug}` : stamp;
}
