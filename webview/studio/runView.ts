// One run (live or saved), optionally with a second run superimposed: loss and accuracy, then every
// recorded layer at once as a row of small multiples — pre- and post-normalization distributions over
// steps (the recorder's fixed robust bins, so outliers land in the red edge strips instead of squashing
// the rest), γ and β per channel over steps, batch against running statistics, gradient norms, and for
// ReLUs the fraction of dead units.

import { h } from '../dom';
import { formatNumber } from '../format';
import { isNormalizationKind, isReluKind } from '../../src/shared/runs/derived';
import type { LayerSchema, RunData } from '../../src/protocol/studio';
import { heatmap, lineChart, type HeatColumn, type OverlayLine } from './charts';
import { epochSeries, gradientSeries, layerValue, smoothed, statusText, type Series } from './runModel';

export interface RunViewOptions {
  readonly run: RunData;
  readonly overlay: RunData | null;
  readonly digits: number;
  readonly layerFilter: string;
  readonly live: boolean;
  /**
   * A row drawn before that may stand in for this render's (the layer is scrolled out of view): rows
   * off screen are then not redrawn at every live update, so a model of hundreds of layers updates
   * as fast as one of four. Returns null to have the row drawn.
   */
  readonly reuseRow?: (layer: string) => HTMLElement | null;
  /** Told of every row drawn. */
  readonly rowDrawn?: (layer: string, row: HTMLElement) => void;
  /** The overview drawn before, if it is recent enough to stand in for this render's. */
  readonly reuseOverview?: () => HTMLElement | null;
  readonly overviewDrawn?: (overview: HTMLElement) => void;
}

/** The steps a run's charts span: all it will take while it trains (the lines grow to the right), what it took once it ended. */
export function stepSpan(r: RunData): number {
  const training = r.info.status === 'running' || r.info.status === 'paused';
  return Math.max(training ? r.info.totalSteps ?? 0 : 0, r.info.steps, r.steps.step[r.steps.step.length - 1] ?? 0);
}

function xRangeOf(runs: readonly (RunData | null)[]): [number, number] {
  let hi = 1;
  for (const r of runs) if (r) hi = Math.max(hi, stepSpan(r));
  return [0, hi];
}

function distributionColumns(run: RunData, layer: number, role: 'input' | 'output'): HeatColumn[] {
  const out: HeatColumn[] = [];
  for (const f of run.frames) {
    const l = f.layers[layer];
    if (!l) continue;
    const t = l[role];
    const total = t.sampled || 1;
    out.push({ step: f.step, values: t.counts, below: t.underflow / total, above: t.overflow / total });
  }
  return out;
}

/** Per-channel values over steps, each mapped to 0…1 between the run's min and max (γ near 1 still shows its spread). */
function channelColumns(run: RunData, layer: number, pick: 'gamma' | 'beta' | 'runningVariance'): { columns: HeatColumn[]; range: [number, number] } {
  let lo = Infinity;
  let hi = -Infinity;
  const raw: { step: number; values: Float32Array }[] = [];
  for (const f of run.frames) {
    const v = f.layers[layer]?.[pick];
    if (!v) continue;
    raw.push({ step: f.step, values: v });
    for (const x of v) if (Number.isFinite(x)) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
  }
  if (!(lo <= hi)) return { columns: [], range: [0, 1] };
  const span = hi - lo || 1;
  return { columns: raw.map((c) => ({ step: c.step, values: Float32Array.from(c.values, (x) => (x - lo) / span + 1e-3) })), range: [lo, hi] };
}

function overlayLines(overlay: RunData | null, name: string, role: 'input' | 'output'): OverlayLine[] {
  if (!overlay) return [];
  const i = overlay.schema.layers.findIndex((l) => l.name === name);
  if (i < 0) return [];
  const mean = role === 'input' ? layerValue.inputMean(overlay, i) : layerValue.outputMean(overlay, i);
  const std = role === 'input' ? layerValue.inputStd(overlay, i) : layerValue.outputStd(overlay, i);
  return [
    { label: 'B: mean', steps: mean.x, values: mean.y, colour: '--vscode-charts-orange' },
    { label: 'B: +1 std', steps: mean.x, values: Float64Array.from(mean.y, (m, k) => m + std.y[k]), colour: '--vscode-charts-yellow' },
    { label: 'B: −1 std', steps: mean.x, values: Float64Array.from(mean.y, (m, k) => m - std.y[k]), colour: '--vscode-charts-yellow' },
  ];
}

function series(label: string, d: { x: ArrayLike<number>; y: ArrayLike<number> }, className: string): Series {
  return { label, x: d.x, y: d.y, className };
}

function outsideShare(run: RunData, layer: number, role: 'input' | 'output'): string | undefined {
  let outside = 0;
  let total = 0;
  for (const f of run.frames) {
    const t = f.layers[layer]?.[role];
    if (!t) continue;
    outside += t.underflow + t.overflow;
    total += t.sampled;
  }
  return total && outside ? `${((100 * outside) / total).toFixed(2)}% outside (red strips)` : undefined;
}

function layerRow(o: RunViewOptions, s: LayerSchema, i: number, xRange: [number, number]): HTMLElement {
  const { run, overlay, digits } = o;
  const charts: HTMLElement[] = [];
  const other = overlay ? overlay.schema.layers.findIndex((l) => l.name === s.name) : -1;
  const norm = isNormalizationKind(s.kind);
  const dist = (role: 'input' | 'output', title: string): HTMLElement => {
    const t = s[role];
    return heatmap({
      title, columns: distributionColumns(run, i, role), range: [t.edges[0], t.edges[t.edges.length - 1]], digits, scale: 'column', rowLabel: 'value',
      overlays: overlayLines(overlay, s.name, role), xRange, note: outsideShare(run, i, role),
    });
  };
  if (norm) {
    charts.push(dist('input', `${s.name} · pre-normalization`), dist('output', `${s.name} · post-normalization`));
    for (const [pick, label] of [['gamma', 'γ per channel'], ['beta', 'β per channel']] as const) {
      const { columns, range } = channelColumns(run, i, pick);
      if (columns.length) {
        charts.push(heatmap({ title: `${s.name} · ${label}`, columns, range, digits, scale: 'global', rowLabel: 'channel', xRange,
          rangeText: `rows: channels 0 (bottom) … ${s.normChannels - 1} (top) · colour: ${formatNumber(range[0], digits)} (faint) … ${formatNumber(range[1], digits)} (full)` }));
      }
    }
    const hasBatch = run.frames.some((f) => f.layers[i]?.batchMean);
    if (hasBatch) {
      const cls = (k: number): string => `s${k}`;
      const mean: Series[] = [series('batch', layerValue.batchMean(run, i), cls(0)), series('running', layerValue.runningMean(run, i), `${cls(1)} dashed`)];
      const variance: Series[] = [series('batch', layerValue.batchVariance(run, i), cls(0)), series('running', layerValue.runningVariance(run, i), `${cls(1)} dashed`)];
      const gap: Series[] = [series('this run', layerValue.gap(run, i), cls(0))];
      if (overlay && other >= 0) gap.push(series('B', layerValue.gap(overlay, other), `${cls(2)} dashed`));
      charts.push(
        lineChart({ title: `${s.name} · mean: batch vs running (channel average)`, series: mean, digits, xRange }),
        lineChart({ title: `${s.name} · variance: batch vs running (channel average)`, series: variance, digits, xRange }),
        lineChart({ title: `${s.name} · |batch − running mean| / running std`, series: gap, digits, xRange, note: 'how noisy the batch statistics are' }),
      );
    }
  } else {
    charts.push(dist('output', `${s.name} · output`));
    if (isReluKind(s.kind)) {
      const dead: Series[] = [series('dead units', layerValue.dead(run, i), 's3'), series('zeros', layerValue.zero(run, i), 's0 dashed')];
      if (overlay && other >= 0) dead.push(series('B: dead units', layerValue.dead(overlay, other), 's2 dashed'));
      charts.push(lineChart({ title: `${s.name} · dead ReLU fraction`, series: dead, digits, yRange: [0, 1], xRange, note: 'dead: zero for the whole batch' }));
    }
  }
  const grads = run.schema.gradients.map((g, k) => ({ g, k })).filter(({ g }) => g.layer === s.name);
  if (grads.length) {
    const lines = grads.map(({ g, k }, n) => series(g.parameter, gradientSeries(run, k), `s${n % 6}`));
    charts.push(lineChart({ title: `${s.name} · gradient norms`, series: lines, digits, log: true, xRange }));
  }
  const channels = s.normChannels || s.output.channels;
  return h('section', { class: 'layer-row', 'data-layer': s.name, 'aria-label': `${s.name} (${s.kind})` },
    h('h3', {}, s.name, ' ', h('span', { class: 'muted' }, `${s.kind} · ${channels} channel${channels === 1 ? '' : 's'} · ${s.input.edges.length - 1} bins`)),
    h('div', { class: 'multiples' }, ...charts));
}

/** Every normalization layer's pre-normalization distribution as a thumbnail, so a deep model is seen at once; a click goes to the layer's row. */
function layerOverview(o: RunViewOptions, xRange: [number, number]): HTMLElement | null {
  const norms = o.run.schema.layers.map((s, i) => ({ s, i })).filter(({ s }) => isNormalizationKind(s.kind));
  if (norms.length <= 4) return null;
  const kept = o.reuseOverview?.();
  if (kept) return kept;
  const thumbs = norms.map(({ s, i }) => {
    const e = s.input.edges;
    const fig = heatmap({ title: s.name, columns: distributionColumns(o.run, i, 'input'), range: [e[0], e[e.length - 1]], digits: o.digits, scale: 'column', rowLabel: 'value', xRange, mini: true });
    const go = h('button', { type: 'button', class: 'thumb', 'aria-label': `Go to ${s.name}`, title: `${s.name} (${s.kind}): pre-normalization distribution over steps` }, fig);
    go.addEventListener('click', () => document.querySelector(`.layer-row[data-layer="${CSS.escape(s.name)}"]`)?.scrollIntoView({ block: 'start' }));
    return go;
  });
  const section = h('section', { class: 'overview' }, h('h2', {}, `All ${norms.length} normalization layers: pre-normalization distributions (click one for its row)`), h('div', { class: 'thumbs' }, ...thumbs));
  o.overviewDrawn?.(section);
  return section;
}

/** Layers with trainable weights but nothing recorded (Dense, Conv): their gradient norms in one chart. */
function weightGradients(o: RunViewOptions, xRange: [number, number]): HTMLElement | null {
  const recorded = new Set(o.run.schema.layers.map((l) => l.name));
  const entries = o.run.schema.gradients.map((g, k) => ({ g, k })).filter(({ g }) => !recorded.has(g.layer) && g.parameter === 'weight');
  if (!entries.length) return null;
  return lineChart({ title: 'Weight gradient norms (Dense/Conv layers)', series: entries.map(({ g, k }, n) => series(g.layer, gradientSeries(o.run, k), `s${n % 6}`)), digits: o.digits, log: true, xRange });
}

function metricCharts(o: RunViewOptions, xRange: [number, number]): HTMLElement[] {
  const { run, overlay, digits } = o;
  return (['loss', 'accuracy'] as const).map((metric) => {
    const perStep = metric === 'loss' ? run.steps.loss : run.steps.accuracy;
    const list: Series[] = [
      series('train (step)', { x: run.steps.step, y: perStep }, 's0 faint'),
      series('train (smoothed)', { x: run.steps.step, y: smoothed(perStep) }, 's0'),
      series('validation (epoch)', epochSeries(run, 'validation', metric), 's1'),
    ];
    if (overlay) {
      const other = metric === 'loss' ? overlay.steps.loss : overlay.steps.accuracy;
      list.push(series('B: train', { x: overlay.steps.step, y: smoothed(other) }, 's2 dashed'), series('B: validation', epochSeries(overlay, 'validation', metric), 's3 dashed'));
    }
    return lineChart({ title: metric === 'loss' ? 'Loss' : 'Accuracy', series: list, digits, xRange, ...(metric === 'accuracy' ? { yRange: [0, 1] as [number, number] } : {}), log: metric === 'loss' ? 'auto' : false });
  });
}

function finalTable(run: RunData, digits: number): HTMLElement | null {
  const v = run.info.finalValidation;
  if (!v) return null;
  const t = run.info.finalValidationTrainMode;
  const lastEpoch = run.epochs[run.epochs.length - 1];
  return h('table', { class: 'final' },
    h('caption', {}, 'Final weights on the validation split'),
    h('tr', {}, h('th', {}, ''), h('th', { class: 'numeric' }, 'accuracy'), h('th', { class: 'numeric' }, 'loss')),
    h('tr', {}, h('td', {}, 'eval mode (running statistics)'), h('td', { class: 'numeric' }, formatNumber(v.accuracy, digits)), h('td', { class: 'numeric' }, formatNumber(v.loss, digits))),
    t ? h('tr', {}, h('td', {}, 'train mode (batch statistics)'), h('td', { class: 'numeric' }, formatNumber(t.accuracy, digits)), h('td', { class: 'numeric' }, formatNumber(t.loss, digits))) : null,
    t ? h('tr', {}, h('td', {}, 'gap (eval − train mode)'), h('td', { class: 'numeric' }, formatNumber(v.accuracy - t.accuracy, digits)), h('td', {}, '')) : null,
    lastEpoch ? h('tr', {}, h('td', {}, 'last epoch, training batches'), h('td', { class: 'numeric' }, formatNumber(lastEpoch.train.accuracy, digits)), h('td', { class: 'numeric' }, formatNumber(lastEpoch.train.loss, digits))) : null);
}

export function runView(o: RunViewOptions): HTMLElement {
  const { run, overlay } = o;
  const xRange = xRangeOf([run, overlay]);
  const needle = o.layerFilter.trim().toLowerCase();
  const layers = run.schema.layers.map((s, i) => ({ s, i })).filter(({ s }) => !needle || s.name.toLowerCase().includes(needle) || s.kind.toLowerCase().includes(needle));
  const info = run.info;
  const progress = info.totalSteps ? h('progress', { max: String(info.totalSteps), value: String(info.steps), 'aria-label': `${info.steps} of ${info.totalSteps} steps` }) : null;
  const norms = run.schema.layers.filter((l) => isNormalizationKind(l.kind)).length;
  return h('section', { class: 'run-view', 'data-run': info.name, 'data-status': info.status, 'data-frames': String(run.frames.length), 'data-steps': String(run.steps.step.length), 'data-last-step': String(run.info.steps) },
    h('header', {},
      h('h1', {}, info.name),
      h('p', { class: `status ${info.status}`, role: 'status' }, statusText(run), progress, ` · ${(info.wallMs / 1000).toFixed(1)} s`),
      h('p', { class: 'muted' }, info.label, info.parameterCount !== null ? ` · ${info.parameterCount} parameters` : ''),
      overlay ? h('p', { class: 'note' }, `Superimposed as B: ${overlay.info.name} (${overlay.info.label}) — dashed lines on the charts, orange (mean) and yellow (± std) lines on the distributions.`) : null),
    h('div', { class: 'multiples metrics' }, ...metricCharts(o, xRange), finalTable(run, o.digits)),
    h('h2', {}, `Layers (${layers.length} of ${run.schema.layers.length} recorded: ${norms} normalization, ${run.schema.layers.length - norms} activation) · ${run.frames.length} recorded steps`),
    layerOverview(o, xRange),
    run.schema.layers.length === 0 ? h('p', { class: 'muted' }, o.live ? 'Waiting for the first recorded step…' : 'No layer statistics were recorded in this run.') : null,
    ...layers.map(({ s, i }) => {
      const kept = o.reuseRow?.(s.name);
      if (kept) return kept;
      const row = layerRow(o, s, i, xRange);
      o.rowDrawn?.(s.name, row);
      return row;
    }),
    weightGradients(o, xRange),
  );
}

