// The Training Studio's form as both sides know it: its fields and defaults, and the choices it offers
// (built-in datasets, architecture presets, normalization kinds, one-click experiments). Plain data:
// the webview draws the form from it, the host turns a filled form into a model spec
// (src/analysis/runs/presets.ts).

export type NormKind = 'batchnorm' | 'layernorm' | 'groupnorm' | 'none';
/** Where the normalization goes relative to the activation: Dense→BN→ReLU ('before') or Dense→ReLU→BN ('after'). */
export type Placement = 'before' | 'after' | 'none';
export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export type ArchitecturePreset = 'mlp' | 'small-mlp' | 'deep-mlp' | 'cnn';

export type BuiltinDatasetKind = 'moons' | 'spirals' | 'blobs' | 'exam-scores' | 'shapes';

/** The Training Studio's form, as the webview sends it. */
export interface StudioForm {
  readonly dataset: { readonly kind: BuiltinDatasetKind } | { readonly kind: 'csv'; readonly file: string; readonly labelColumn: string };
  /** A preset, or a `*.bnlens.json` spec file of the workspace (workspace-relative path). */
  readonly architecture: { readonly preset: ArchitecturePreset } | { readonly specFile: string };
  readonly norm: NormKind;
  readonly placement: Placement;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly seed: number;
}

export const DEFAULT_FORM: StudioForm = {
  dataset: { kind: 'spirals' },
  architecture: { preset: 'mlp' },
  norm: 'batchnorm',
  placement: 'before',
  optimizer: 'sgd',
  lr: 0.05,
  batchSize: 32,
  epochs: 20,
  seed: 0,
};

export const BUILTIN_DATASETS: readonly { kind: BuiltinDatasetKind; label: string; classes: number; image: boolean }[] = [
  { kind: 'spirals', label: 'Spirals (3 interleaved arms, 600 points)', classes: 3, image: false },
  { kind: 'moons', label: 'Two moons (400 points)', classes: 2, image: false },
  { kind: 'blobs', label: 'Gaussian blobs (3 centres, 400 points)', classes: 3, image: false },
  { kind: 'exam-scores', label: 'Exam scores (raw 0–100 scale, 400 students)', classes: 2, image: false },
  { kind: 'shapes', label: 'Shapes (28×28 images: circle, square, triangle)', classes: 3, image: true },
];

export const ARCHITECTURES: readonly { preset: ArchitecturePreset; label: string }[] = [
  { preset: 'mlp', label: 'MLP: Dense(128)-BN-ReLU-Dense(64)-BN-ReLU-Dense(classes)' },
  { preset: 'small-mlp', label: 'Small MLP: Dense(32)-BN-ReLU-Dense(32)-BN-ReLU-Dense(classes)' },
  { preset: 'deep-mlp', label: 'Deep MLP: 6 × (Dense(32)-BN-ReLU)-Dense(classes)' },
  { preset: 'cnn', label: 'CNN: Conv(8)-BN-ReLU-Pool-Conv(16)-BN-ReLU-Pool-GAP-Dense(classes) (image datasets)' },
];

export const NORM_LABELS: Record<NormKind, string> = { batchnorm: 'BatchNorm', layernorm: 'LayerNorm', groupnorm: 'GroupNorm', none: 'no normalization' };

// The one-click experiments: each checks one claim made for BatchNorm with its own design (the runs'
// forms are in src/analysis/runs/experiments.ts), every variant with several seeds.

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
