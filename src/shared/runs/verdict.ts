// What an experiment's runs measured, and whether that shows the claim: computed from the runs' own
// numbers, per seed, with the spread over seeds, so the compare view never states more than the runs
// show. Each experiment compares variants seed by seed (paired: the same seed fixes the data split, the
// initial weights and the batch order) and calls the claim shown only when every seed agrees by a margin
// that is larger than run-to-run noise; with one seed, or seeds that disagree, it says it cannot tell.

import { batchRunningGap, isNormalizationKind } from './derived';
import type { ExperimentId } from './studioForm';
import type { RunData } from './types';

export type VerdictOutcome = 'shown' | 'not-shown' | 'inconclusive' | 'incomplete';

/** One variant's value of a measured quantity over its seeds. */
export interface VariantValues {
  readonly variant: string;
  /** Per seed, in seed order. */
  readonly values: readonly number[];
  readonly mean: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  readonly sd: number;
}

/** A paired difference between variants, one value per seed that has both. */
export interface Comparison {
  /** "BatchNorm − no normalization". */
  readonly label: string;
  readonly perSeed: readonly number[];
  readonly mean: number;
  readonly sd: number;
  /** The sign and size the claim expects: 'larger' means every seed's difference exceeds `margin`; 'similar' means |mean| ≤ margin. */
  readonly expect: 'larger' | 'similar';
  readonly margin: number;
  readonly outcome: VerdictOutcome;
}

export interface Quantity {
  /** What was measured, with its unit or meaning: "mean validation accuracy over the 10 epochs (eval mode)". */
  readonly label: string;
  readonly variants: readonly VariantValues[];
}

export interface Verdict {
  readonly outcome: VerdictOutcome;
  /** One sentence: whether the runs show the claim, with the deciding numbers. */
  readonly headline: string;
  readonly quantities: readonly Quantity[];
  readonly comparisons: readonly Comparison[];
  /** Seeds with a run of every variant. */
  readonly seeds: readonly number[];
}

/** A run's value of a quantity; NaN when the run has none (it failed, or recorded nothing). */
type Measure = (run: RunData) => number;

/** The variant of a run: the experiment's label for it, or the run's name outside an experiment. */
function variantOf(run: RunData): string {
  return run.info.experiment?.variant ?? run.info.name;
}

function seedOf(run: RunData): number {
  return run.spec.seed ?? 0;
}

export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  if (values.length === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, sd: 0 };
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (values.length - 1)) };
}

/** Accuracy by chance: one over the classes (the last layer's outputs). */
function chance(run: RunData): number {
  const last = run.info.layers[run.info.layers.length - 1]?.outputShape;
  const classes = last?.[last.length - 1];
  return classes && classes > 1 ? 1 / classes : NaN;
}

/** A run that ended because its loss became NaN or infinite: it did not train, whatever it had reached. */
export function diverged(run: RunData): boolean {
  return run.info.status === 'failed' && /loss became/.test(run.info.error ?? '');
}

const finalAccuracy: Measure = (run) => (diverged(run) ? chance(run) : run.info.finalValidation?.accuracy ?? NaN);

/** Mean of the per-epoch validation accuracies: the area under the learning curve (higher: learned sooner). */
const meanEpochAccuracy: Measure = (run) => {
  const accs = run.epochs.map((e) => e.validation?.accuracy).filter((a): a is number => a !== undefined);
  if (diverged(run) || run.info.status !== 'completed' || accs.length === 0) return diverged(run) ? chance(run) : NaN;
  return accs.reduce((a, b) => a + b, 0) / accs.length;
};

const modeGap: Measure = (run) => {
  const v = run.info.finalValidation;
  const t = run.info.finalValidationTrainMode;
  return v && t ? v.accuracy - t.accuracy : NaN;
};

/** Frames of the second half of the run (the first steps are dominated by the initial weights). */
function laterFrames(run: RunData): RunData['frames'] {
  return run.frames.slice(Math.floor(run.frames.length / 2));
}

function firstNormIndex(run: RunData): number {
  return run.schema.layers.findIndex((l) => isNormalizationKind(l.kind));
}

/** |batch mean − running mean| / running std of the first BatchNorm layer, averaged over the later recorded steps. */
const batchGap: Measure = (run) => {
  const i = firstNormIndex(run);
  const gaps = laterFrames(run).map((f) => f.layers[i]).map((l) => (l ? batchRunningGap(l) : null)).filter((g): g is number => g !== null);
  return gaps.length ? meanSd(gaps).mean : NaN;
};

/** Fraction of exact zeros among the first normalization layer's inputs, averaged over the later recorded steps. */
const inputZeros: Measure = (run) => {
  const i = firstNormIndex(run);
  const z = laterFrames(run).map((f) => f.layers[i]?.input.zeroFraction).filter((v): v is number => v !== undefined);
  return z.length ? meanSd(z).mean : NaN;
};

interface Check {
  readonly label: string;
  /** Variants whose values the difference uses, and how. */
  readonly of: (value: (variant: string) => number) => number;
  readonly uses: readonly string[];
  readonly expect: 'larger' | 'similar';
  readonly margin: number;
}

interface Design {
  readonly quantities: readonly { readonly label: string; readonly measure: Measure; readonly variants: readonly string[] }[];
  /** Checks over the quantity values, by quantity index. */
  readonly checks: readonly (Check & { readonly quantity: number })[];
  /** The sentence for a claim shown, given the comparisons. */
  readonly shown: (c: readonly Comparison[], q: readonly Quantity[]) => string;
}

const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const signed = (v: number): string => (v >= 0 ? `+${f3(v)}` : f3(v));
export const pm = (mean: number, sd: number): string => `${f3(mean)} ± ${f3(sd)}`;

function valueOf(q: Quantity, variant: string): VariantValues | undefined {
  return q.variants.find((v) => v.variant === variant);
}

function larger(label: string, quantity: number, a: string, b: string, margin: number): Check & { quantity: number } {
  return { label, quantity, uses: [a, b], of: (v) => v(a) - v(b), expect: 'larger', margin };
}

function design(id: ExperimentId): Design {
  switch (id) {
    case 'bn-vs-none':
      return {
        quantities: [
          { label: 'mean validation accuracy over the epochs (eval mode; higher = learned sooner)', measure: meanEpochAccuracy, variants: ['BatchNorm', 'no normalization'] },
          { label: 'final validation accuracy (eval mode)', measure: finalAccuracy, variants: ['BatchNorm', 'no normalization'] },
        ],
        checks: [larger('BatchNorm − no normalization', 0, 'BatchNorm', 'no normalization', 0.05)],
        shown: (c, q) => `BatchNorm learned sooner: mean validation accuracy over the epochs ${pm(valueOf(q[0], 'BatchNorm')!.mean, valueOf(q[0], 'BatchNorm')!.sd)} vs ${pm(valueOf(q[0], 'no normalization')!.mean, valueOf(q[0], 'no normalization')!.sd)} without (${signed(c[0].mean)}, every seed ahead).`,
      };
    case 'lr-x10':
      return {
        quantities: [{
          label: 'final validation accuracy (eval mode; a run whose loss diverged counts as chance)', measure: finalAccuracy,
          variants: ['BatchNorm, lr 0.05', 'no normalization, lr 0.05', 'BatchNorm, lr 0.5', 'no normalization, lr 0.5'],
        }],
        checks: [larger('at lr 0.5: BatchNorm − no normalization', 0, 'BatchNorm, lr 0.5', 'no normalization, lr 0.5', 0.1)],
        shown: (c, q) => `At the ten times higher learning rate BatchNorm still reached ${pm(valueOf(q[0], 'BatchNorm, lr 0.5')!.mean, valueOf(q[0], 'BatchNorm, lr 0.5')!.sd)} validation accuracy; without it ${pm(valueOf(q[0], 'no normalization, lr 0.5')!.mean, valueOf(q[0], 'no normalization, lr 0.5')!.sd)} (${signed(c[0].mean)}, every seed).`,
      };
    case 'placement':
      return {
        quantities: [
          { label: 'final validation accuracy (eval mode)', measure: finalAccuracy, variants: ['BatchNorm before ReLU', 'BatchNorm after ReLU'] },
          { label: 'share of exact zeros in the first BatchNorm layer\'s input (later recorded steps)', measure: inputZeros, variants: ['BatchNorm before ReLU', 'BatchNorm after ReLU'] },
        ],
        checks: [
          { label: 'accuracy: after − before', quantity: 0, uses: ['BatchNorm after ReLU', 'BatchNorm before ReLU'], of: (v) => v('BatchNorm after ReLU') - v('BatchNorm before ReLU'), expect: 'similar', margin: 0.05 },
          larger('zeros in BN input: after − before', 1, 'BatchNorm after ReLU', 'BatchNorm before ReLU', 0.2),
        ],
        shown: (c, q) => `Both placements trained (validation accuracy ${f3(valueOf(q[0], 'BatchNorm before ReLU')!.mean)} before, ${f3(valueOf(q[0], 'BatchNorm after ReLU')!.mean)} after; difference ${pm(c[0].mean, c[0].sd)}), and after the ReLU the layer's input is ${(100 * valueOf(q[1], 'BatchNorm after ReLU')!.mean).toFixed(0)}% zeros against ${(100 * valueOf(q[1], 'BatchNorm before ReLU')!.mean).toFixed(0)}% before it.`,
      };
    case 'batch-sizes':
      return {
        quantities: [
          { label: '|batch mean − running mean| / running std, first BatchNorm layer, later recorded steps', measure: batchGap, variants: ['batch 2', 'batch 8', 'batch 64'] },
          { label: 'final validation accuracy (eval mode)', measure: finalAccuracy, variants: ['batch 2', 'batch 8', 'batch 64'] },
        ],
        checks: [larger('batch 2 − batch 8', 0, 'batch 2', 'batch 8', 0.05), larger('batch 8 − batch 64', 0, 'batch 8', 'batch 64', 0.02)],
        shown: (_, q) => `The batch mean strayed from the running mean by ${['batch 2', 'batch 8', 'batch 64'].map((v) => `${pm(valueOf(q[0], v)!.mean, valueOf(q[0], v)!.sd)} (${v})`).join(', ')} running standard deviations: the smaller the batch, the noisier its statistics, in every seed.`,
      };
    case 'norm-kinds':
      return {
        quantities: [{ label: 'final validation accuracy (eval mode) at batch 2', measure: finalAccuracy, variants: ['BatchNorm', 'LayerNorm', 'GroupNorm'] }],
        checks: [larger('LayerNorm − BatchNorm', 0, 'LayerNorm', 'BatchNorm', 0.1), larger('GroupNorm − BatchNorm', 0, 'GroupNorm', 'BatchNorm', 0.1)],
        shown: (_, q) => `At batch 2 BatchNorm reached ${pm(valueOf(q[0], 'BatchNorm')!.mean, valueOf(q[0], 'BatchNorm')!.sd)} validation accuracy, LayerNorm ${pm(valueOf(q[0], 'LayerNorm')!.mean, valueOf(q[0], 'LayerNorm')!.sd)}, GroupNorm ${pm(valueOf(q[0], 'GroupNorm')!.mean, valueOf(q[0], 'GroupNorm')!.sd)}: both beat BatchNorm in every seed.`,
      };
    case 'train-eval-gap':
      return {
        quantities: [
          { label: 'validation accuracy, eval mode − train mode', measure: modeGap, variants: ['batch 2', 'batch 64'] },
          { label: 'final validation accuracy (eval mode)', measure: finalAccuracy, variants: ['batch 2', 'batch 64'] },
        ],
        checks: [{ label: '|gap| at batch 2 − |gap| at batch 64', quantity: 0, uses: ['batch 2', 'batch 64'], of: (v) => Math.abs(v('batch 2')) - Math.abs(v('batch 64')), expect: 'larger', margin: 0.05 }],
        shown: (c, q) => `Eval and train mode disagreed by ${pm(valueOf(q[0], 'batch 2')!.mean, valueOf(q[0], 'batch 2')!.sd)} in accuracy at batch 2 and by ${pm(valueOf(q[0], 'batch 64')!.mean, valueOf(q[0], 'batch 64')!.sd)} at batch 64 (${signed(c[0].mean)}, every seed).`,
      };
  }
}

function compare(check: Check, perSeed: number[]): Comparison {
  const { mean, sd } = meanSd(perSeed);
  let outcome: VerdictOutcome;
  if (perSeed.length === 0) outcome = 'incomplete';
  else if (check.expect === 'larger') {
    if (perSeed.length >= 2 && perSeed.every((d) => d > check.margin)) outcome = 'shown';
    else if (mean <= 0 || perSeed.every((d) => d <= check.margin)) outcome = 'not-shown';
    else outcome = 'inconclusive';
  } else if (perSeed.length < 2) outcome = 'inconclusive';
  else outcome = Math.abs(mean) <= check.margin ? 'shown' : 'not-shown';
  // One seed that agrees is not evidence: it says so rather than claiming.
  if (outcome === 'shown' && perSeed.length < 2) outcome = 'inconclusive';
  return { label: check.label, perSeed, mean, sd, expect: check.expect, margin: check.margin, outcome };
}

/** The verdict on an experiment's runs (any subset: runs not yet done count as missing). */
export function experimentVerdict(id: ExperimentId, runs: readonly RunData[]): Verdict {
  const d = design(id);
  const finished = runs.filter((r) => r.info.status === 'completed' || diverged(r));
  const seeds = [...new Set(finished.map(seedOf))].sort((a, b) => a - b);
  const wanted = new Set(d.quantities.flatMap((q) => q.variants));
  const table = d.quantities.map((q) => new Map(finished.filter((r) => q.variants.includes(variantOf(r))).map((r) => [`${variantOf(r)}\u0000${seedOf(r)}`, q.measure(r)] as const)));
  const complete = seeds.filter((s) => [...wanted].every((v) => finished.some((r) => variantOf(r) === v && seedOf(r) === s)));
  const quantities: Quantity[] = d.quantities.map((q, k) => ({
    label: q.label,
    variants: q.variants.map((variant) => {
      const values = complete.map((s) => table[k].get(`${variant}\u0000${s}`) ?? NaN).filter(Number.isFinite);
      return { variant, values, ...meanSd(values) };
    }),
  }));
  const comparisons = d.checks.map((check) => {
    const perSeed = complete.map((s) => check.of((v) => table[check.quantity].get(`${v}\u0000${s}`) ?? NaN)).filter(Number.isFinite);
    return compare(check, perSeed);
  });
  const outcomes = comparisons.map((c) => c.outcome);
  const outcome: VerdictOutcome = complete.length === 0 || outcomes.includes('incomplete') ? 'incomplete'
    : outcomes.every((o) => o === 'shown') ? 'shown'
      : outcomes.includes('not-shown') ? 'not-shown' : 'inconclusive';
  return { outcome, headline: headline(outcome, d, comparisons, quantities, complete.length), quantities, comparisons, seeds: complete };
}

function headline(outcome: VerdictOutcome, d: Design, comparisons: readonly Comparison[], quantities: readonly Quantity[], seeds: number): string {
  const numbers = comparisons.map((c) => `${c.label}: ${pm(c.mean, c.sd)} (per seed ${c.perSeed.map(signed).join(', ')})`).join('; ');
  const of = `${seeds} seed${seeds === 1 ? '' : 's'}`;
  switch (outcome) {
    case 'incomplete':
      return 'Not enough finished runs yet: the verdict needs every variant of at least one seed.';
    case 'shown':
      return `The runs show the claim (${of}). ${d.shown(comparisons, quantities)}`;
    case 'not-shown':
      return `The runs do not show the claim (${of}). ${numbers}.`;
    case 'inconclusive':
      return seeds < 2 ? `One seed so far: its difference could be noise. ${numbers}.` : `The runs do not settle the claim: the seeds disagree or the difference is within their spread (${of}). ${numbers}.`;
  }
}
