// The Training Studio's one-click experiments: each checks one claim made for BatchNorm with a design
// chosen so that the effect is real on this engine (dataset, depth, learning rate, batch size and length
// picked for it, not taken from the form), and runs every variant with several seeds, since one run's
// difference can be noise. verdict.ts then says from the numbers whether the runs show the claim.
// The designs were measured with test/unit/studio/experiments.test.ts (numbers in its header).

import { NORM_LABELS, type StudioForm } from './presets';

export type ExperimentId = 'bn-vs-none' | 'lr-x10' | 'placement' | 'batch-sizes' | 'norm-kinds' | 'train-eval-gap';

export interface ExperimentPreset {
  readonly id: ExperimentId;
  readonly title: string;
  /** The claim the runs test, in a sentence the compare view puts above them. */
  readonly claim: string;
  /** The setup in words: what is fixed, what varies. */
  readonly design: string;
}

/** Seeds per variant: three, so that one seed's luck shows as spread rather than as an effect. */
export const EXPERIMENT_SEEDS = 3;

export const EXPERIMENTS: readonly ExperimentPreset[] = [
  {
    id: 'bn-vs-none', title: 'With vs without BatchNorm',
    claim: 'BatchNorm lets the same network train faster at the same learning rate.',
    design: 'Spirals, deep MLP (6 × Dense 32), SGD lr 0.05, batch 32, 10 epochs; BatchNorm before each ReLU vs no normalization.',
  },
  {
    id: 'lr-x10', title: 'Learning rate ×10, with and without BatchNorm',
    claim: 'With BatchNorm a ten times higher learning rate still trains; without it, training diverges or stalls.',
    design: 'Spirals, deep MLP (6 × Dense 32), SGD, batch 32, 10 epochs; lr 0.05 and 0.5, each with and without BatchNorm.',
  },
  {
    id: 'placement', title: 'BatchNorm before vs after the activation',
    claim: 'The original paper normalizes before the ReLU; after it trains as well, but the layer then sees the ReLU\'s non-negative, half-zero outputs.',
    design: 'Spirals, small MLP (Dense 32, Dense 32), SGD lr 0.05, batch 32, 10 epochs; Dense → BN → ReLU vs Dense → ReLU → BN.',
  },
  {
    id: 'batch-sizes', title: 'Batch sizes 2, 8 and 64',
    claim: 'Batch statistics are noisy for small batches: the batch mean strays further from the running mean the smaller the batch.',
    design: 'Spirals, small MLP (Dense 32, Dense 32) with BatchNorm, SGD lr 0.01, 3 epochs; batch 2, 8 and 64.',
  },
  {
    id: 'norm-kinds', title: 'BatchNorm vs LayerNorm vs GroupNorm at batch 2',
    claim: 'At a batch of 2 BatchNorm\'s statistics are mostly noise and it trains poorly; LayerNorm and GroupNorm normalize each sample on its own and do not care.',
    design: 'Spirals, small MLP (Dense 32, Dense 32), SGD lr 0.01, batch 2, 3 epochs; BatchNorm, LayerNorm, GroupNorm (4 groups) before each ReLU.',
  },
  {
    id: 'train-eval-gap', title: 'Train-mode vs eval-mode accuracy',
    claim: 'BatchNorm normalizes with batch statistics in train mode and running statistics in eval mode; at tiny batches the two modes give different accuracy.',
    design: 'Gaussian blobs, small MLP (Dense 32, Dense 32) with BatchNorm, SGD lr 0.02, 6 epochs; batch 2 vs 64. Train mode is measured with batches of the training size.',
  },
];

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
