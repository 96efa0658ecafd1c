// The Training Studio's one-click experiments: each checks one claim made for BatchNorm with a design
// chosen so that the effect is real on this engine (dataset, depth, learning rate, batch size and length
// picked for it, not taken from the form), and runs every variant with several seeds, since one run's
// difference can be noise. verdict.ts then says from the numbers whether the runs show the claim.
// The designs were measured with test/unit/studio/experiments.test.ts (numbers in its header).

import { EXPERIMENT_SEEDS, NORM_LABELS, type ExperimentId, type StudioForm } from '../../shared/runs/studioForm';

export interface ExperimentRunPlan {
  /** What distinguishes the run within its experiment (seeds of one variant share it). */
  readonly variant: string;
  readonly form: StudioForm;
}

const SPIRALS_SGD: Omit<StudioForm, 'lr' | 'batchSize' | 'epochs' | 'seed'> = {
  dataset: { kind: 'spirals' }, architecture: { preset: 'small-mlp' }, norm: 'batchnorm', placement: 'before', optimizer: 'sgd',
};

/** The variants of an experiment, one form each, before seeds. */
function variants(id: ExperimentId): ExperimentRunPlan[] {
  const deep = { ...SPIRALS_SGD, architecture: { preset: 'deep-mlp' as const }, batchSize: 32, epochs: 10, seed: 0 };
  const none = { norm: 'none' as const, placement: 'none' as const };
  switch (id) {
    case 'bn-vs-none':
      return [{ variant: 'BatchNorm', form: { ...deep, lr: 0.05 } }, { variant: 'no normalization', form: { ...deep, ...none, lr: 0.05 } }];
    case 'lr-x10':
      return [
        { variant: 'BatchNorm, lr 0.05', form: { ...deep, lr: 0.05 } },
        { variant: 'no normalization, lr 0.05', form: { ...deep, ...none, lr: 0.05 } },
        { variant: 'BatchNorm, lr 0.5', form: { ...deep, lr: 0.5 } },
        { variant: 'no normalization, lr 0.5', form: { ...deep, ...none, lr: 0.5 } },
      ];
    case 'placement': {
      const base = { ...SPIRALS_SGD, lr: 0.05, batchSize: 32, epochs: 10, seed: 0 };
      return [{ variant: 'BatchNorm before ReLU', form: { ...base, placement: 'before' } }, { variant: 'BatchNorm after ReLU', form: { ...base, placement: 'after' } }];
    }
    case 'batch-sizes':
      return [2, 8, 64].map((b) => ({ variant: `batch ${b}`, form: { ...SPIRALS_SGD, lr: 0.01, batchSize: b, epochs: 3, seed: 0 } }));
    case 'norm-kinds':
      return (['batchnorm', 'layernorm', 'groupnorm'] as const).map((norm) => ({ variant: NORM_LABELS[norm], form: { ...SPIRALS_SGD, norm, lr: 0.01, batchSize: 2, epochs: 3, seed: 0 } }));
    case 'train-eval-gap':
      return [2, 64].map((b) => ({ variant: `batch ${b}`, form: { ...SPIRALS_SGD, dataset: { kind: 'blobs' }, lr: 0.02, batchSize: b, epochs: 6, seed: 0 } }));
  }
}

/**
 * The runs of an experiment in the order they train: every variant with seeds firstSeed,
 * firstSeed + 1, … (the form's seed, so a user can try other seeds), seed by seed so that the first
 * comparison is complete early.
 */
export function experimentRuns(id: ExperimentId, firstSeed: number, seeds = EXPERIMENT_SEEDS): ExperimentRunPlan[] {
  const vs = variants(id);
  return Array.from({ length: seeds }, (_, k) => vs.map((v) => ({ variant: v.variant, form: { ...v.form, seed: firstSeed + k } }))).flat();
}

/** The distinct variants of an experiment, in order. */
export function experimentVariantNames(id: ExperimentId): string[] {
  return variants(id).map((v) => v.variant);
}
