// Runs side by side with shared scales so they compare at a glance. The runs of one experiment are
// grouped by variant (one column each, its seeds drawn together and summarized as mean ± sd), and the
// experiment's verdict, computed from the runs' numbers (src/analysis/runs/verdict.ts), heads the view.
// Every chart shares one x axis, in epochs or in samples seen (the reader's choice), so a batch-64 run
// and a batch-2 run span the same width; the columns wrap rather than run off the panel's edge.

import { h } from '../dom';
import { formatNumber } from '../format';
import { isNormalizationKind } from '../../src/shared/runs/derived';
import { EXPERIMENTS, type ExperimentId } from '../../src/shared/runs/studioForm';
import { experimentVerdict, meanSd, pm, type Verdict } from '../../src/shared/runs/verdict';
import type { ExperimentProgress, RunData } from '../../src/protocol/studio';
import { autoLog, heatmap, lineChart } from './charts';
import { epochSeries, layerValue, smoothed, statusText, type Series } from './runModel';
import { stepSpan } from './runView';

export type CompareAxis = 'epochs' | 'samples';

const AXIS_LABEL: Record<CompareAxis, string> = { epochs: 'epoch', samples: 'samples seen' };

function range(values: Iterable<number>, floor?: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) return [0, 1];
  return [floor ?? lo, hi];
}

function firstNorm(run: RunData): number {
  return run.schema.layers.findIndex((l) => isNormalizationKind(l.kind));
}

/** Optimizer steps per epoch of a run: from its planned total, else from its first epoch. */
function stepsPerEpoch(run: RunData): number {
  const epochs = run.spec.epochs;
  if (run.info.totalSteps && epochs) return run.info.totalSteps / epochs;
  return run.epochs[0]?.step || 1;
}

/** Maps a run's step numbers onto the shared axis: fractional epochs, or samples seen (steps × batch size). */
export function stepToAxis(run: RunData, axis: CompareAxis): (step: number) => number {
  if (axis === 'epochs') {
    const per = stepsPerEpoch(run);
    return (s) => s / per;
  }
  const batch = run.spec.batchSize ?? 32;
  return (s) => s * batch;
}

function mapped(run: RunData, axis: CompareAxis, d: { x: ArrayLike<number>; y: ArrayLike<number> }): { x: Float64Array; y: ArrayLike<number> } {
  const f = stepToAxis(run, axis);
  return { x: Float64Array.from(d.x, f), y: d.y };
}

interface Group {
  readonly name: string;
  readonly runs: readonly RunData[];
}

/** Runs of one experiment grouped by variant (seeds together); other runs one per group. */
function groups(runs: readonly RunData[], name: (r: RunData) => string, byVariant: boolean): Group[] {
  if (!byVariant) return runs.map((r) => ({ name: name(r), runs: [r] }));
  const out = new Map<string, RunData[]>();
  for (const r of runs) out.set(name(r), [...(out.get(name(r)) ?? []), r]);
  return [...out].map(([n, rs]) => ({ name: n, runs: rs.sort((a, b) => (a.spec.seed ?? 0) - (b.spec.seed ?? 0)) }));
}

/** The experiment all the runs belong to, if they all belong to one. */
function commonExperiment(runs: readonly RunData[]): ExperimentId | null {
  const ids = new Set(runs.map((r) => r.info.experiment?.id));
  const [id] = ids;
  return ids.size === 1 && id && EXPERIMENTS.some((e) => e.id === id) ? id as ExperimentId : null;
}

function verdictBox(id: ExperimentId, verdict: Verdict, digits: number): HTMLElement {
  const preset = EXPERIMENTS.find((e) => e.id === id);
  const label: Record<Verdict['outcome'], string> = { shown: 'Shown', 'not-shown': 'Not shown', inconclusive: 'Not settled', incomplete: 'Waiting for runs' };
  const rows = verdict.quantities.flatMap((q) => [
    h('tr', {}, h('th', { colspan: '3', scope: 'colgroup' }, q.label)),
    ...q.variants.map((v) => h('tr', {}, h('td', {}, v.variant), h('td', { class: 'numeric' }, v.values.length ? pm(v.mean, v.sd) : '—'),
      h('td', { class: 'numeric muted' }, v.values.map((x) => formatNumber(x, digits)).join(', ')))),
  ]);
  return h('section', { class: `verdict ${verdict.outcome}`, 'data-outcome': verdict.outcome, role: 'status', 'aria-label': 'Verdict' },
    h('p', { class: 'claim' }, h('strong', {}, 'Claim: '), preset?.claim ?? ''),
    preset ? h('p', { class: 'muted small' }, 'Design: ', preset.design) : null,
    h('p', { class: 'headline' }, h('span', { class: 'badge' }, label[verdict.outcome]), ' ', verdict.headline),
    verdict.seeds.length ? h('table', { class: 'verdict-table' },
      h('tr', {}, h('th', {}, 'variant'), h('th', { class: 'numeric' }, `mean ± sd (${verdict.seeds.length} seed${verdict.seeds.length === 1 ? '' : 's'})`), h('th', { class: 'numeric' }, `per seed (${verdict.seeds.join(', ')})`)),
      ...rows) : null);
}

function axisPicker(axis: CompareAxis, onAxis: (a: CompareAxis) => void): HTMLElement {
  const option = (value: CompareAxis, text: string): HTMLElement => {
    const input = h('input', { type: 'radio', name: 'compare-axis', id: `axis-${value}`, value, ...(axis === value ? { checked: '' } : {}) });
    input.addEventListener('change', () => { if (input.checked) onAxis(value); });
    return h('label', { for: `axis-${value}` }, input, ` ${text}`);
  };
  return h('fieldset', { class: 'axis-picker' }, h('legend', {}, 'x axis'), option('epochs', 'epochs'), ' ', option('samples', 'samples seen'));
}

export interface CompareOptions {
  readonly runs: readonly RunData[];
  readonly digits: number;
  readonly experiment: ExperimentProgress | null;
  readonly variants: ReadonlyMap<string, string>;
  readonly axis: CompareAxis;
  readonly onAxis: (axis: CompareAxis) => void;
}

export function compareView(o: CompareOptions): HTMLElement {
  const { runs, digits, axis } = o;
  if (runs.length === 0) return h('p', { class: 'status' }, 'Tick two or more saved runs in the list (or run an experiment) to compare them here.');
  const name = (r: RunData): string => o.variants.get(r.info.name) ?? r.info.experiment?.variant ?? r.info.name;
  const id = commonExperiment(runs);
  const grouped = groups(runs, name, id !== null);
  const colour = new Map(grouped.flatMap((g, k) => g.runs.map((r) => [r, `s${k % 6}`] as const)));
  const seedNote = (r: RunData, g: Group): string => (g.runs.length > 1 ? `seed ${r.spec.seed ?? 0}` : name(r));
  const xLabel = AXIS_LABEL[axis];
  const xRange: [number, number] = [0, Math.max(1e-9, ...runs.map((r) => stepToAxis(r, axis)(stepSpan(r))))];
  const lossOf = (r: RunData): { x: Float64Array; y: ArrayLike<number> } => mapped(r, axis, { x: r.steps.step, y: smoothed(r.steps.loss) });
  const lossRange = range(runs.flatMap((r) => Array.from(smoothed(r.steps.loss))));
  // One scale for every column: logarithmic when a run's loss blew up (lr ×10 without BN, say).
  const lossLog = autoLog(runs.map((r) => ({ label: '', x: r.steps.step, y: smoothed(r.steps.loss), className: '' })));
  const gapOf = (r: RunData): { x: Float64Array; y: ArrayLike<number> } | null => {
    const i = firstNorm(r);
    return i >= 0 && r.frames.some((f) => f.layers[i]?.batchMean) ? mapped(r, axis, layerValue.gap(r, i)) : null;
  };
  const gapRange = range(runs.flatMap((r) => Array.from(gapOf(r)?.y ?? [])), 0);
  const context = id ? EXPERIMENTS.find((e) => e.id === id)?.title ?? id : `${runs.length} runs`;
  const all = (metric: 'loss' | 'accuracy'): HTMLElement => lineChart({
    title: metric === 'loss' ? 'Training loss (smoothed), all runs' : 'Validation accuracy per epoch, all runs',
    yLabel: metric === 'loss' ? 'cross-entropy loss' : 'validation accuracy',
    series: grouped.flatMap((g) => g.runs.map((r, k): Series => ({
      label: g.runs.length > 1 ? `${g.name} (seed ${r.spec.seed ?? 0})` : g.name,
      ...(metric === 'loss' ? lossOf(r) : mapped(r, axis, epochSeries(r, 'validation', 'accuracy'))),
      className: colour.get(r) ?? 's0', ...(k > 0 ? { quiet: true } : {}),
    }))),
    digits, xRange, xLabel, context, ...(metric === 'accuracy' ? { yRange: [0, 1] as [number, number] } : { yRange: lossRange, log: lossLog }),
  });
  const columns = grouped.map((g, k) => {
    const cls = `s${k % 6}`;
    const first = g.runs[0];
    const i = firstNorm(first);
    const s = i >= 0 ? first.schema.layers[i] : null;
    const stat = (pick: (r: RunData) => number | undefined): string => {
      const values = g.runs.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
      if (!values.length) return '—';
      if (values.length === 1) return formatNumber(values[0], digits);
      const { mean, sd } = meanSd(values);
      return `${formatNumber(mean, 3)} ± ${formatNumber(sd, 2)}`;
    };
    const cell = (label: string, pick: (r: RunData) => number | undefined): HTMLElement => h('tr', {}, h('td', {}, label), h('td', { class: 'numeric' }, stat(pick)));
    const where = `${context} · ${g.name}`;
    const dist = (role: 'input' | 'output'): HTMLElement | null => {
      if (!s || i < 0) return null;
      const f = stepToAxis(first, axis);
      const cols = first.frames.flatMap((fr) => {
        const l = fr.layers[i];
        if (!l) return [];
        const t = l[role];
        return [{ step: f(fr.step), values: t.counts, below: t.underflow / (t.sampled || 1), above: t.overflow / (t.sampled || 1) }];
      });
      const e = s[role].edges;
      return heatmap({ title: `${s.name} · ${role === 'input' ? 'pre' : 'post'}-normalization${g.runs.length > 1 ? ` (${seedNote(first, g)})` : ''}`, columns: cols, range: [e[0], e[e.length - 1]], digits, scale: 'column', rowLabel: 'value', xRange, xLabel, context: where });
    };
    // Every seed drawn; the legend names the lines once ("train", "validation"), the readout gives each seed's value.
    const perSeed = (metric: 'loss' | 'accuracy'): Series[] => g.runs.flatMap((r, n) => {
      const label = (what: string): string => (g.runs.length > 1 ? `${what} (${seedNote(r, g)})` : what);
      const train = metric === 'loss' ? lossOf(r) : mapped(r, axis, { x: r.steps.step, y: smoothed(r.steps.accuracy) });
      return [
        { label: label('train'), ...train, className: cls, quiet: n > 0 },
        { label: label('validation'), ...mapped(r, axis, epochSeries(r, 'validation', metric)), className: `${cls} dashed`, quiet: n > 0 },
      ];
    });
    const gaps = g.runs.map((r) => ({ r, gap: gapOf(r) })).filter((x): x is { r: RunData; gap: NonNullable<ReturnType<typeof gapOf>> } => x.gap !== null);
    const finished = g.runs.filter((r) => r.info.status === 'completed').length;
    return h('section', { class: `compare-column ${cls}`, 'data-run': first.info.name, 'data-variant': g.name, 'data-seeds': String(g.runs.length), 'aria-label': g.name },
      h('h3', {}, h('span', { class: `key ${cls}` }, h('span', { class: 'swatch' })), ' ', g.name, g.runs.length > 1 ? h('span', { class: 'muted' }, ` · ${g.runs.length} seeds`) : null),
      h('p', { class: 'muted small' }, g.runs.length > 1 ? `${finished} of ${g.runs.length} runs completed` : `${first.info.name} · ${statusText(first)}`, h('br', {}), first.info.label.replace(/ · seed -?\d+$/, '')),
      h('table', { class: 'final' },
        cell('validation accuracy, eval mode', (r) => r.info.finalValidation?.accuracy),
        cell('validation accuracy, train mode', (r) => r.info.finalValidationTrainMode?.accuracy),
        cell('gap (eval − train mode)', (r) => (r.info.finalValidation && r.info.finalValidationTrainMode ? r.info.finalValidation.accuracy - r.info.finalValidationTrainMode.accuracy : undefined)),
        cell('last training loss (smoothed)', (r) => { const sm = smoothed(r.steps.loss); return sm.length ? sm[sm.length - 1] : undefined; }),
        cell('first epoch validation accuracy', (r) => r.epochs[0]?.validation?.accuracy)),
      lineChart({ title: 'Loss', yLabel: 'cross-entropy loss', series: perSeed('loss'), digits, xRange, xLabel, yRange: lossRange, log: lossLog, context: where }),
      lineChart({ title: 'Accuracy', yLabel: 'accuracy', series: perSeed('accuracy'), digits, xRange, xLabel, yRange: [0, 1], context: where }),
      dist('input'), dist('output'),
      gaps.length && s ? lineChart({ title: `${s.name} · |batch − running mean| / running std`, yLabel: 'running standard deviations', series: gaps.map(({ r, gap }) => ({ label: seedNote(r, g), ...gap, className: cls })), digits, xRange, xLabel, yRange: gapRange, context: where })
        : h('p', { class: 'muted' }, s ? `${s.name} (${s.kind}) keeps no running statistics: it does not depend on the batch.`
          : first.frames.length === 0 ? 'No statistics recorded: the run ended before its first recorded step.' : 'No normalization layer.'));
  });
  return h('section', { class: 'compare-view', 'data-runs': String(runs.length), 'data-columns': String(grouped.length) },
    h('h1', {}, id ? EXPERIMENTS.find((e) => e.id === id)?.title ?? id : `Comparing ${runs.length} runs`),
    id ? verdictBox(id, experimentVerdict(id, runs), digits) : o.experiment ? h('p', { class: 'note' }, o.experiment.claim) : null,
    h('div', { class: 'toolbar' }, axisPicker(axis, o.onAxis)),
    h('div', { class: 'multiples metrics' }, all('loss'), all('accuracy')),
    h('div', { class: 'compare-columns' }, ...columns));
}
