// A TensorBoard log written by python/bnlens (bnlens.torch.watch, bnlens.keras.Callback) in the Training
// Studio's layout: NaN/Inf alarms first, then every normalization layer as a row of small multiples —
// pre- and post-normalization distributions over steps, batch against running mean and variance, γ and
// β per channel, and how far the ranks' batch statistics drift apart. Several ranks (or runs) are
// superimposed: one colour each in the line charts, their mean lines drawn over the first one's
// distributions.

import { h } from '../dom';
import { formatNumber } from '../format';
import { average } from '../../src/shared/runs/derived';
import type { WatchedHistogram, WatchedLayer, WatchedRun } from '../../src/protocol/studio';
import { heatmap, lineChart, type HeatColumn, type OverlayLine } from './charts';
import type { Series } from './runModel';

/** The charts' colours by run index, as CSS classes (lines) and theme variables (overlays on heatmaps). */
const CLASSES = ['s0', 's1', 's2', 's3', 's4', 's5'];
const COLOURS = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red', '--vscode-charts-purple', '--vscode-charts-yellow'];

interface Entry { readonly run: WatchedRun; readonly index: number; readonly layer: WatchedLayer }

/** Layer names in the order the runs first logged them. */
function layerNames(runs: readonly WatchedRun[]): string[] {
  const names = new Set<string>();
  for (const r of runs) for (const l of r.layers) names.add(l.layer);
  return [...names];
}

function distribution(l: WatchedLayer, role: 'pre' | 'post'): { columns: HeatColumn[]; range: [number, number] } | null {
  const hs = l[role];
  const first = hs.find((x): x is WatchedHistogram => x !== null);
  if (!first) return null;
  const columns: HeatColumn[] = [];
  hs.forEach((x, k) => {
    if (!x || x.counts.length !== first.counts.length) return;
    const total = x.count || 1;
    columns.push({ step: l.steps[k], values: x.counts, below: x.underflow / total, above: x.overflow / total });
  });
  return { columns, range: [first.edges[0], first.edges[first.edges.length - 1]] };
}

function meanLine(e: Entry, role: 'pre' | 'post'): OverlayLine {
  return { label: `${e.run.label}: mean`, steps: e.layer.steps, values: e.layer[role].map((x) => x?.mean ?? NaN), colour: COLOURS[e.index % COLOURS.length] };
}

function averages(l: WatchedLayer, pick: 'batchMean' | 'runningMean' | 'batchVar' | 'runningVar' | 'gamma' | 'beta'): { x: number[]; y: number[] } {
  return { x: [...l.steps], y: l[pick].map((v) => (v ? average(v) : NaN)) };
}

/** Per step: |rank k's batch mean − the first rank's| / √(first rank's running var + 1e-5), averaged over channels. */
function drift(base: WatchedLayer, other: WatchedLayer): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  base.steps.forEach((step, k) => {
    const j = other.steps.indexOf(step);
    const a = base.batchMean[k];
    const b = j >= 0 ? other.batchMean[j] : null;
    const rv = base.runningVar[k] ?? base.batchVar[k];
    if (!a || !b || !rv || a.length !== b.length) return;
    let sum = 0;
    for (let c = 0; c < a.length; c++) sum += Math.abs(b[c] - a[c]) / Math.sqrt(rv[c] + 1e-5);
    x.push(step);
    y.push(sum / a.length);
  });
  return { x, y };
}

function channelMap(l: WatchedLayer, pick: 'gamma' | 'beta', digits: number, xRange: [number, number], label: string): HTMLElement | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of l[pick]) if (v) for (const x of v) if (Number.isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  if (!(lo <= hi)) return null;
  const span = hi - lo || 1;
  const columns = l.steps.flatMap((step, k) => {
    const v = l[pick][k];
    return v ? [{ step, values: Float32Array.from(v, (x) => (x - lo) / span + 1e-3) }] : [];
  });
  return heatmap({ title: `${l.layer} · ${label}`, columns, range: [lo, hi], digits, scale: 'global', rowLabel: 'channel', xRange,
    rangeText: `rows: channels 0 (bottom) … ${l.channels - 1} (top) · colour: ${formatNumber(lo, digits)} (faint) … ${formatNumber(hi, digits)} (full)` });
}

function alarmText(run: WatchedRun, l: WatchedLayer, a: WatchedLayer['alarms'][number]): string {
  const where = a.source.replace('_', ' ');
  return `${run.label} · ${l.layer} (${l.kind}): ${where} holds NaN/Inf from step ${a.firstStep} (${a.count} value${a.count === 1 ? '' : 's'} then; seen at ${a.steps.length} logged step${a.steps.length === 1 ? '' : 's'})`;
}

function layerRow(name: string, entries: readonly Entry[], digits: number, xRange: [number, number]): HTMLElement {
  const first = entries[0];
  const l = first.layer;
  const charts: (HTMLElement | null)[] = [];
  for (const [role, title] of [['pre', 'pre-normalization'], ['post', 'post-normalization']] as const) {
    const d = distribution(l, role);
    if (d) {
      charts.push(heatmap({ title: `${name} · ${title} (${first.run.label})`, columns: d.columns, range: d.range, digits, scale: 'column', rowLabel: 'value', xRange,
        // The map is the first run's distribution; the others' means are drawn over it.
        overlays: entries.slice(1).map((e) => meanLine(e, role)) }));
    }
  }
  const statLines = (batch: 'batchMean' | 'batchVar', running: 'runningMean' | 'runningVar'): Series[] => entries.flatMap((e) => {
    const cls = CLASSES[e.index % CLASSES.length];
    const out: Series[] = [{ label: `${e.run.label} batch`, ...averages(e.layer, batch), className: cls }];
    if (e.layer.runningMean.some((v) => v)) out.push({ label: `${e.run.label} running`, ...averages(e.layer, running), className: `${cls} dashed` });
    return out;
  });
  if (entries.some((e) => e.layer.batchMean.some((v) => v))) {
    charts.push(
      lineChart({ title: `${name} · mean: batch vs running (channel average)`, series: statLines('batchMean', 'runningMean'), digits, xRange }),
      lineChart({ title: `${name} · variance: batch vs running (channel average)`, series: statLines('batchVar', 'runningVar'), digits, xRange, note: 'batch: biased (÷ n), this rank' }),
    );
  }
  if (entries.length > 1) {
    const series = entries.slice(1).map((e) => ({ label: `${e.run.label} vs ${first.run.label}`, ...drift(l, e.layer), className: CLASSES[e.index % CLASSES.length] }));
    if (series.some((s) => s.x.length)) charts.push(lineChart({ title: `${name} · batch mean drift between ranks`, series, digits, xRange, note: '|Δ batch mean| / running std, channel average' }));
  }
  charts.push(channelMap(l, 'gamma', digits, xRange, `γ per channel (${first.run.label})`), channelMap(l, 'beta', digits, xRange, `β per channel (${first.run.label})`));
  const alarms = entries.flatMap((e) => e.layer.alarms.map((a) => alarmText(e.run, e.layer, a)));
  const ranks = entries.map((e) => e.run.label).join(', ');
  return h('section', { class: 'layer-row', 'data-layer': name, 'aria-label': `${name} (${l.kind})`, 'data-steps': entries.map((e) => `${e.run.label}=${e.layer.steps.length}`).join(';') },
    h('h3', {}, name, ' ', h('span', { class: 'muted' }, `${l.kind || 'normalization'} · ${l.channels} channel${l.channels === 1 ? '' : 's'} · ${ranks}`)),
    alarms.length ? h('ul', { class: 'alarms' }, ...alarms.map((a) => h('li', { class: 'alarm' }, a))) : null,
    h('div', { class: 'multiples' }, ...charts.filter((c): c is HTMLElement => c !== null)));
}

export function watchedView(runs: readonly WatchedRun[], digits: number, filter: string): HTMLElement {
  let last = 1;
  for (const r of runs) for (const l of r.layers) last = Math.max(last, l.steps[l.steps.length - 1] ?? 0);
  const xRange: [number, number] = [0, last];
  const needle = filter.trim().toLowerCase();
  const names = layerNames(runs);
  const rows = names.map((name) => ({
    name,
    entries: runs.flatMap((run, index) => {
      const layer = run.layers.find((l) => l.layer === name);
      return layer ? [{ run, index, layer }] : [];
    }),
  })).filter(({ name, entries }) => !needle || name.toLowerCase().includes(needle) || entries[0].layer.kind.toLowerCase().includes(needle));
  const alarms = runs.flatMap((run) => run.layers.flatMap((l) => l.alarms.map((a) => ({ step: a.firstStep, text: alarmText(run, l, a) }))))
    .sort((a, b) => a.step - b.step);
  return h('section', { class: 'watched-view', 'data-runs': String(runs.length), 'data-layers': String(names.length) },
    h('p', { class: 'legend' }, ...runs.map((r, i) => h('span', { class: `key ${CLASSES[i % CLASSES.length]}` }, h('span', { class: 'swatch' }), ` ${r.label} (${r.layers.length} layers)`))),
    alarms.length
      ? h('div', { class: 'error alarms', role: 'alert' }, h('strong', {}, `NaN/Inf alarms (${alarms.length}), earliest first`), h('ul', {}, ...alarms.slice(0, 20).map((a) => h('li', {}, a.text))),
        alarms.length > 20 ? h('p', {}, `… and ${alarms.length - 20} more (in the layers' rows)`) : null)
      : h('p', { class: 'muted' }, 'No NaN or Inf in any logged input, output, running statistic, γ or β.'),
    h('h2', {}, `Normalization layers (${rows.length} of ${names.length})`),
    ...rows.map(({ name, entries }) => layerRow(name, entries, digits, xRange)));
}
