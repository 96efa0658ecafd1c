// The Training Studio's form as both sides know it: its fields and defaults, and the choices it offers
// (built-in datasets, architecture presets, normalization kinds, one-click experiments). Plain data:
// the webview draws the form from it, the host turns a filled form into a model spec
// (src/analysis/runs/presets.ts).

export type NormKind = 'batchnorm' | 'layernorm' | 'groupnorm' | 'none';
/** Where the normalization goes relative to the activation: Dense→BN→ReLU ('before') or Dense→ReLU→BN ('after'). */
export type Placement = 'before' | 'after' | 'none';
export type OptimizerName = 'sgd' | 'adam' | 'adamw';
export type ArchitecturePreset = 'mlp' | 'cnn';

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
  { preset: 'cnn', label: 'CNN: Conv(8)-BN-ReLU-Pool-Conv(16)-BN-ReLU-Pool-GAP-Dense(classes) (image datasets)' },
];

export const NORM_LABELS: Record<NormKind, string> = { batchnorm: 'BatchNorm', layernorm: 'LayerNorm', groupnorm: 'GroupNorm', none: 'no normalization' };

export type ExperimentId = 'bn-vs-none' | 'lr-x10' | 'placement' | 'batch-sizes' | 'norm-kinds' | 'train-eval-gap';

export interface ExperimentPreset {
  readonly id: ExperimentId;
  readonly title: string;
  /** What the runs show, in a sentence the compare view puts above them. */
  readonly claim: string;
}

export const EXPERIMENTS: readonly ExperimentPreset[] = [
  { id: 'bn-vs-none', title: 'With vs without BatchNorm', claim: 'BatchNorm lets the same network train faster at the same learning rate.' },
  { id: 'lr-x10', title: 'Learning rate ×10, with and without BatchNorm', claim: 'With BatchNorm a ten times higher learning rate still trains; without it, training tends to diverge or stall.' },
  { id: 'placement', title: 'BatchNorm before vs after the activation', claim: 'The original paper normalizes before the ReLU; after it works too, and the statistics the layer sees differ.' },
  { id: 'batch-sizes', title: 'Batch sizes 2, 8 and 64', claim: 'Batch statistics are noisy for small batches: the batch mean wanders far from the running mean at batch 2.' },
  { id: 'norm-kinds', title: 'BatchNorm vs LayerNorm vs GroupNorm', claim: 'LayerNorm and GroupNorm do not depend on the batch; BatchNorm does, and behaves differently in train and eval mode.' },
  { id: 'train-eval-gap', title: 'Train-mode vs eval-mode accuracy', claim: 'BatchNorm normalizes with batch statistics in train mode and running statistics in eval mode; small batches widen the gap.' },
];
