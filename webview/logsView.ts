// TensorBoard logs in the inspector: every scalar tag as a small line chart and every histogram tag as
// a ridge plot of its histograms over steps (TensorBoard's distributions), all at once as small multiples.

import type { HistogramSeries, LogSummary, ScalarSeries } from '../src/protocol';
import { h, svg } from './dom';
import { finiteExtent, formatNumber } from './format';
import { exportButtons } from './chartExport';

const W = 300;
const H = 90;
/** More steps than this are thinned evenly (the first and last always kept) so a ridge stays legible. */
const MAX_RIDGES = 40;

function extent(values: Iterable<number>): [number, number] {
  return finiteExtent(values) ?? [0, 1];
}

function scalarChart(series: ScalarSeries, digits: number): HTMLElement {
  const [s0, s1] = extent(series.steps);
  const [v0, v1] = extent(series.values);
  const x = (s: number): number => 2 + ((s - s0) / (s1 - s0 || 1)) * (W - 4);
  const y = (v: number): number => H - 2 - ((v - v0) / (v1 - v0 || 1)) * (H - 4);
  const points = Array.from(series.values, (v, i) => `${x(series.steps[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', preserveAspectRatio: 'none',
    'aria-label': `${series.tag}: ${series.values.length} points from step ${s0} to ${s1}, values ${formatNumber(v0, digits)} to ${formatNumber(v1, digits)}` },
    svg('polyline', { points, class: 'series' }),
    ...Array.from(series.values, (v, i) => svg('circle', { cx: x(series.steps[i]), cy: y(v), r: 1.5, class: 'point' }, svg('title', {}, `step ${series.steps[i]}: ${formatNumber(v, digits)}`))));
  return h('figure', { class: 'chart small', 'data-tag': series.tag },
    h('figcaption', {}, series.tag, ' ', exportButtons(series.tag, () => chart)), chart,
    h('p', { class: 'range muted' }, `steps ${s0}–${s1} · ${formatNumber(v0, digits)} … ${formatNumber(v1, digits)} · last ${formatNumber(series.values[series.values.length - 1], digits)}`));
}

function thinned(n: number): number[] {
  if (n <= MAX_RIDGES) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: MAX_RIDGES }, (_, i) => Math.round((i * (n - 1)) / (MAX_RIDGES - 1))))];
}

const GRID = 64;

/**
 * A histogram spread onto GRID equal bins over [lo, hi], each bucket's count shared in proportion to
 * its overlap: TensorFlow's default buckets are exponentially narrow near zero, and drawn as they are
 * they turn into spikes (or, as densities, into towers).
 */
export function regrid(edges: Float64Array, counts: Float64Array, lo: number, hi: number, valueMin = NaN, valueMax = NaN): Float64Array {
  const out = new Float64Array(GRID);
  const width = (hi - lo) / GRID || 1;
  const binOf = (v: number): number => Math.min(GRID - 1, Math.max(0, Math.floor((v - lo) / width)));
  counts.forEach((c, i) => {
    // The values of a bucket lie within the stored min and max too: TensorFlow's outer buckets reach to
    // ±1e308, and a constant tensor's one bucket holds a single value (drawn as a spike, not spread thin).
    const a = Number.isFinite(valueMin) ? Math.max(edges[i], valueMin) : edges[i];
    const b = Number.isFinite(valueMax) ? Math.min(edges[i + 1], valueMax) : edges[i + 1];
    if (!(c > 0) || !Number.isFinite(a) || !Number.isFinite(b)) return;
    if (b <= a) {
      out[binOf(a)] += c;
      return;
    }
    for (let g = binOf(a); g <= binOf(b); g++) {
      const overlap = Math.min(b, lo + (g + 1) * width) - Math.max(a, lo + g * width);
      if (overlap > 0) out[g] += (c * overlap) / (b - a);
    }
  });
  return out;
}

/** The values' range over the steps: the stored min and max where the writer stored them, else the bucket edges. */
export function histogramRange(series: HistogramSeries): [number, number] {
  const ends = series.edges.flatMap((e, k) => [Number.isFinite(series.min[k]) ? series.min[k] : e[0], Number.isFinite(series.max[k]) ? series.max[k] : e[e.length - 1]]);
  const [lo, hi] = extent(ends.filter((v) => Math.abs(v) < 1e300));
  // A constant tensor: a range around its value, so its spike has room.
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(lo))) return [lo - Math.max(0.5, Math.abs(lo) * 0.1), hi + Math.max(0.5, Math.abs(hi) * 0.1)];
  return [lo, hi];
}

function ridgeChart(series: HistogramSeries, digits: number): HTMLElement {
  const shown = thinned(series.steps.length);
  const [lo, hi] = histogramRange(series);
  const rows = shown.length;
  const band = (H - 4) / Math.max(rows, 1);
  const x = (v: number): number => 2 + ((v - lo) / (hi - lo || 1)) * (W - 4);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', preserveAspectRatio: 'none',
    'aria-label': `${series.tag}: histograms of ${series.steps.length} steps over ${formatNumber(lo, digits)} to ${formatNumber(hi, digits)}` });
  shown.forEach((k, row) => {
    // Each step on the same grid, scaled to its own peak, so steps with different bucket layouts compare in shape.
    const grid = regrid(series.edges[k], series.counts[k], lo, hi, series.min[k], series.max[k]);
    const peak = Math.max(...grid, 1e-12);
    const base = 2 + (row + 1) * band;
    const height = Math.min(band * 2.5, H - 4);
    const step = (hi - lo) / GRID;
    const pts = [`${x(lo).toFixed(1)},${base.toFixed(1)}`];
    grid.forEach((g, i) => {
      const yy = (base - (g / peak) * height).toFixed(1);
      pts.push(`${x(lo + i * step).toFixed(1)},${yy}`, `${x(lo + (i + 1) * step).toFixed(1)},${yy}`);
    });
    pts.push(`${x(hi).toFixed(1)},${base.toFixed(1)}`);
    chart.append(svg('polygon', { points: pts.join(' '), class: 'ridge', 'fill-opacity': rows === 1 ? '1' : (0.35 + 0.65 * (row / (rows - 1))).toFixed(2) },
      svg('title', {}, `step ${series.steps[k]}`)));
  });
  return h('figure', { class: 'chart small', 'data-tag': series.tag },
    h('figcaption', {}, series.tag, ' ', exportButtons(series.tag, () => chart)), chart,
    h('p', { class: 'range muted' }, `steps ${series.steps[0]}–${series.steps[series.steps.length - 1]} (top to bottom) · ${formatNumber(lo, digits)} … ${formatNumber(hi, digits)}`));
}

export function logsView(logs: LogSummary, digits: number, filter: string): HTMLElement {
  const needle = filter.trim().toLowerCase();
  const keep = (tag: string): boolean => !needle || tag.toLowerCase().includes(needle);
  const scalars = logs.scalars.filter((s) => keep(s.tag));
  const histograms = logs.histograms.filter((s) => keep(s.tag));
  return h('section', { class: 'logs', 'aria-label': 'TensorBoard summaries' },
    logs.incomplete ? h('p', { class: 'note', role: 'note' }, 'The last record is still being written; reopen the file to read what has been added.') : null,
    h('h2', {}, `Histograms (${histograms.length} of ${logs.histograms.length} tags)`),
    histograms.length ? h('div', { class: 'multiples' }, ...histograms.map((s) => ridgeChart(s, digits))) : h('p', { class: 'muted' }, 'None.'),
    h('h2', {}, `Scalars (${scalars.length} of ${logs.scalars.length} tags)`),
    scalars.length ? h('div', { class: 'multiples' }, ...scalars.map((s) => scalarChart(s, digits))) : h('p', { class: 'muted' }, 'None.'));
}
