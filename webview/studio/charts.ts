// The studio's small charts: lines over steps (SVG, several series, optional log scale) and
// distributions over steps as heatmaps (canvas: one column per recorded step, one row per bin, each
// column scaled to its own peak as TensorBoard's distributions are). Long series are thinned to at most
// MAX_POINTS points so a chart costs the same at step 100 and step 100 000.

import { framed, nearestIndex, type Axis } from '../axes';
import { h, svg } from '../dom';
import { exportButtons, type SaveChart } from '../chartExport';
import { formatNumber } from '../format';
import type { Series } from './runModel';

const W = 260;
const H = 96;
const PAD = 3;
const MAX_POINTS = 400;
const MAX_COLUMNS = 300;

function extent(values: Iterable<number>, log = false): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v) && (!log || v > 0)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Indices of at most `max` evenly spread points, first and last kept. */
export function thin(n: number, max = MAX_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: max }, (_, i) => Math.round((i * (n - 1)) / (max - 1))))];
}

export function autoLog(series: readonly Series[]): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.y.length; i++) {
      const v = s.y[i];
      if (!Number.isFinite(v)) continue;
      if (v <= 0) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return lo <= hi && hi / lo > 100;
}

export interface LineChartOptions {
  readonly title: string;
  readonly series: readonly Series[];
  readonly digits: number;
  /** 'auto': log scale when every value is positive and they span more than a factor of 100 (a diverging loss). */
  readonly log?: boolean | 'auto';
  /** Fixed y range (shared by the charts of a comparison). */
  readonly yRange?: [number, number];
  readonly xRange?: [number, number];
  /** What x is, with its unit (default "step"). */
  readonly xLabel?: string;
  /** What y is, with its unit (default: the title). */
  readonly yLabel?: string;
  /** The run (or experiment) the chart belongs to: the start of an exported image's title. */
  readonly context?: string;
  readonly note?: string;
}

export function lineChart(o: LineChartOptions): HTMLElement {
  const log = o.log === 'auto' ? autoLog(o.series) : o.log ?? false;
  const [x0, x1] = o.xRange ?? extent(o.series.flatMap((s) => Array.from(s.x)));
  const [rawY0, rawY1] = o.yRange ?? extent(o.series.flatMap((s) => Array.from(s.y)), log);
  const f = (v: number): number => (log ? Math.log10(v) : v);
  const y0 = f(rawY0);
  const y1 = f(rawY1) === y0 ? y0 + 1 : f(rawY1);
  const px = (x: number): number => PAD + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * PAD);
  const py = (y: number): number => H - PAD - ((f(y) - y0) / (y1 - y0)) * (H - 2 * PAD);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', preserveAspectRatio: 'none',
    'aria-label': `${o.title}: ${o.series.map((s) => s.label).join(', ')}; ${formatNumber(rawY0, o.digits)} to ${formatNumber(rawY1, o.digits)}${log ? ' (log scale)' : ''}` });
  for (const s of o.series) {
    // A NaN (a diverged loss, an unrecorded layer) breaks the line instead of dropping to the axis.
    let run: string[] = [];
    const flush = (): void => {
      if (run.length > 1) chart.append(svg('polyline', { points: run.join(' '), class: `line ${s.className}` }));
      else if (run.length === 1) chart.append(svg('circle', { cx: run[0].split(',')[0], cy: run[0].split(',')[1], r: 1.5, class: `dot ${s.className}` }));
      run = [];
    };
    for (const i of thin(s.x.length)) {
      const v = s.y[i];
      if (!Number.isFinite(v) || (log && v <= 0)) {
        flush();
        continue;
      }
      run.push(`${px(s.x[i]).toFixed(1)},${Math.min(H, Math.max(0, py(v))).toFixed(1)}`);
    }
    flush();
  }
  const last = (s: Series): string => {
    for (let i = s.y.length - 1; i >= 0; i--) if (Number.isFinite(s.y[i])) return formatNumber(s.y[i], o.digits);
    return '—';
  };
  const xLabel = o.xLabel ?? 'step';
  const xAxis: Axis = { lo: x0, hi: x1, label: xLabel, inset: PAD / W };
  const yAxis: Axis = { lo: rawY0, hi: rawY1 === rawY0 ? (log ? rawY0 * 10 : rawY0 + 1) : rawY1, label: `${o.yLabel ?? o.title}${log ? ' (log scale)' : ''}`, log, inset: PAD / H };
  // The readout: each series' value at the hovered x (nearest point).
  const frame = framed(chart, xAxis, yAxis, (x) => {
    const values = o.series.map((s) => {
      const i = nearestIndex(s.x, x);
      return i < 0 ? null : `${s.label} ${formatNumber(s.y[i], o.digits)}`;
    }).filter((t): t is string => t !== null);
    return values.length ? `${xLabel} ${formatNumber(x, 4)}: ${values.join(' · ')}` : null;
  });
  const name = o.context ? `${o.context} · ${o.title}` : o.title;
  const named = o.series.filter((s) => !s.quiet);
  const legend = named.map((s) => `${s.label} ${last(s)}`).join(' · ');
  return h('figure', { class: 'chart small', 'data-chart': o.title },
    h('figcaption', {}, o.title, ' ', exportButtons(name, () => ({ plot: chart, x: xAxis, y: yAxis, legend }))),
    frame.element,
    frame.readout,
    h('p', { class: 'legend' }, ...named.map((s) => h('span', { class: `key ${s.className}` }, h('span', { class: 'swatch' }), ` ${s.label} ${last(s)}`))),
    o.note ? h('p', { class: 'range muted' }, o.note) : null);
}

let colourCache: { key: string; rgb: [number, number, number] } | undefined;

/** The theme's chart colour as RGB (read through a canvas, which normalizes any CSS colour). */
function themeRgb(variable: string): [number, number, number] {
  const css = getComputedStyle(document.body).getPropertyValue(variable).trim() || '#3794ff';
  const key = `${variable}:${css}:${document.body.className}`;
  if (colourCache?.key === key) return colourCache.rgb;
  const ctx = document.createElement('canvas').getContext('2d');
  let rgb: [number, number, number] = [55, 148, 255];
  if (ctx) {
    ctx.fillStyle = css;
    const v = ctx.fillStyle;
    if (/^#[0-9a-f]{6}$/i.test(v)) rgb = [parseInt(v.slice(1, 3), 16), parseInt(v.slice(3, 5), 16), parseInt(v.slice(5, 7), 16)];
    else {
      const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(v);
      if (m) rgb = [Number(m[1]), Number(m[2]), Number(m[3])];
    }
  }
  colourCache = { key, rgb };
  return rgb;
}

export interface HeatColumn {
  readonly step: number;
  /** Values to colour, bottom row first. */
  readonly values: ArrayLike<number>;
  /** Shares of the column below and above the drawn range (under/overflow), drawn as edge strips. */
  readonly below?: number;
  readonly above?: number;
}

export interface OverlayLine {
  readonly label: string;
  readonly steps: ArrayLike<number>;
  /** In the heatmap's value units (mapped through `range`). */
  readonly values: ArrayLike<number>;
  readonly colour: string;
}

export interface HeatmapOptions {
  readonly title: string;
  readonly columns: readonly HeatColumn[];
  /** Value at the bottom and top edge of the rows, for the axis note and overlays. */
  readonly range: [number, number];
  readonly digits: number;
  /** 'column': each step scaled to its own peak (distributions); 'global': one scale for all (γ, β per channel). */
  readonly scale: 'column' | 'global';
  readonly rowLabel: string;
  readonly overlays?: readonly OverlayLine[];
  readonly xRange?: [number, number];
  /** What x is, with its unit (default "step"); columns' `step` is in these units. */
  readonly xLabel?: string;
  /** The run the chart belongs to: the start of an exported image's title. */
  readonly context?: string;
  readonly note?: string;
  /** Replaces the "value lo (bottom) … hi (top)" line, for maps whose colour, not rows, is the value. */
  readonly rangeText?: string;
  /** Rows are channels 0…range[1] (γ, β per channel): the axis labels them by index. */
  readonly channelRows?: boolean;
  /** A thumbnail: small, with its title only (the overview of every layer). */
  readonly mini?: boolean;
}

let saveCanvas: SaveChart | undefined;

/** Where heatmaps saved as PNG go (the page posts them to the host, as it does the SVG charts). */
export function setCanvasSaver(save: SaveChart): void {
  saveCanvas = save;
}

const CANVAS_W = 260;
const CANVAS_H = 96;

/** Steps left to right, rows bottom to top; colour intensity is the value. */
export function heatmap(o: HeatmapOptions): HTMLElement {
  const canvas = h('canvas', { width: String(o.mini ? CANVAS_W : CANVAS_W * 2), height: String(o.mini ? CANVAS_H / 2 : CANVAS_H * 2), role: 'img',
    'aria-label': `${o.title}: ${o.columns.length} recorded steps, ${o.rowLabel} from ${formatNumber(o.range[0], o.digits)} to ${formatNumber(o.range[1], o.digits)}` });
  const ctx = canvas.getContext('2d');
  const shown = thin(o.columns.length, MAX_COLUMNS).map((i) => o.columns[i]);
  const [x0, x1] = o.xRange ?? (shown.length ? [shown[0].step, shown[shown.length - 1].step] : [0, 1]);
  if (ctx && shown.length) {
    const rows = shown[0].values.length;
    const [r, g, b] = themeRgb('--vscode-charts-blue');
    const [or, og, ob] = themeRgb('--vscode-charts-red');
    const image = ctx.createImageData(shown.length, rows + 2);
    let globalMax = 0;
    if (o.scale === 'global') for (const c of shown) for (let i = 0; i < c.values.length; i++) if (Number.isFinite(c.values[i])) globalMax = Math.max(globalMax, Math.abs(c.values[i]));
    shown.forEach((c, x) => {
      let peak = globalMax;
      if (o.scale === 'column') {
        peak = 0;
        for (let i = 0; i < c.values.length; i++) if (c.values[i] > peak) peak = c.values[i];
      }
      const put = (row: number, alpha: number, rgb: [number, number, number]): void => {
        const p = ((rows + 1 - row) * shown.length + x) * 4;
        image.data[p] = rgb[0];
        image.data[p + 1] = rgb[1];
        image.data[p + 2] = rgb[2];
        image.data[p + 3] = Math.round(255 * Math.max(0, Math.min(1, alpha)));
      };
      for (let i = 0; i < rows; i++) put(i + 1, peak > 0 && Number.isFinite(c.values[i]) ? Math.sqrt(Math.abs(c.values[i]) / peak) : 0, [r, g, b]);
      // Under- and overflow: the bottom and top pixel rows, red in proportion to the share outside.
      put(0, c.below ? 0.25 + 3 * c.below : 0, [or, og, ob]);
      put(rows + 1, c.above ? 0.25 + 3 * c.above : 0, [or, og, ob]);
    });
    const off = document.createElement('canvas');
    off.width = shown.length;
    off.height = rows + 2;
    off.getContext('2d')?.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = false;
    const left = shown.length > 1 ? ((shown[0].step - x0) / (x1 - x0 || 1)) * canvas.width : 0;
    const right = shown.length > 1 ? ((shown[shown.length - 1].step - x0) / (x1 - x0 || 1)) * canvas.width : canvas.width;
    const colWidth = shown.length > 1 ? (right - left) / (shown.length - 1) : canvas.width;
    ctx.drawImage(off, left - colWidth / 2, 0, right - left + colWidth, canvas.height);
    for (const line of o.overlays ?? []) {
      ctx.strokeStyle = getComputedStyle(document.body).getPropertyValue(line.colour).trim() || '#f90';
      ctx.lineWidth = 2;
      ctx.beginPath();
      let started = false;
      for (const i of thin(line.steps.length)) {
        const v = line.values[i];
        if (!Number.isFinite(v)) {
          started = false;
          continue;
        }
        const px = ((line.steps[i] - x0) / (x1 - x0 || 1)) * canvas.width;
        const rowH = canvas.height / (rows + 2);
        const py = canvas.height - rowH - ((v - o.range[0]) / (o.range[1] - o.range[0] || 1)) * (canvas.height - 2 * rowH);
        if (started) ctx.lineTo(px, py);
        else ctx.moveTo(px, py);
        started = true;
      }
      ctx.stroke();
    }
  }
  if (o.mini) return h('figure', { class: 'chart mini heat', 'data-chart': o.title, 'data-columns': String(o.columns.length) }, h('figcaption', {}, o.title), canvas);
  const xLabel = o.xLabel ?? 'step';
  const xAxis: Axis = { lo: x0, hi: x1, label: xLabel };
  const rows = shown[0]?.values.length ?? 0;
  const yAxis: Axis = o.channelRows
    ? { lo: 0, hi: Math.max(0, rows - 1), label: 'channel', bands: true, inset: rows ? 1 / (rows + 2) : 0 }
    // The edge strips (under/overflow) take one row each at the bottom and top.
    : { lo: o.range[0], hi: o.range[1], label: o.rowLabel, inset: rows ? 1 / (rows + 2) : 0 };
  const frame = framed(canvas, xAxis, yAxis, (x, y) => {
    const k = nearestIndex(shown.map((c) => c.step), x);
    if (k < 0) return null;
    const c = shown[k];
    if (o.channelRows) {
      const ch = Math.round(y);
      return ch >= 0 && ch < c.values.length ? `${xLabel} ${formatNumber(c.step, 4)} · channel ${ch}` : `${xLabel} ${formatNumber(c.step, 4)}`;
    }
    const bin = Math.floor(((y - o.range[0]) / (o.range[1] - o.range[0] || 1)) * c.values.length);
    if (bin < 0 || bin >= c.values.length) return `${xLabel} ${formatNumber(c.step, 4)} · outside the drawn range: ${formatNumber(100 * ((bin < 0 ? c.below : c.above) ?? 0), 3)}%`;
    let total = 0;
    for (let i = 0; i < c.values.length; i++) total += c.values[i];
    const width = (o.range[1] - o.range[0]) / c.values.length;
    const lo = o.range[0] + bin * width;
    return `${xLabel} ${formatNumber(c.step, 4)} · ${o.rowLabel} ${formatNumber(lo, o.digits)} … ${formatNumber(lo + width, o.digits)}: ${formatNumber((100 * c.values[bin]) / (total || 1), 3)}% of the sampled values`;
  });
  const name = o.context ? `${o.context} · ${o.title}` : o.title;
  return h('figure', { class: 'chart small heat', 'data-chart': o.title, 'data-columns': String(o.columns.length) },
    h('figcaption', {}, o.title, ' ', exportButtons(name, () => ({ plot: canvas, x: xAxis, y: yAxis, legend: o.rangeText }), saveCanvas)),
    frame.element,
    frame.readout,
    o.overlays?.length ? h('p', { class: 'legend' }, ...o.overlays.map((l) => h('span', { class: 'key overlay' }, h('span', { class: 'swatch' }), ` ${l.label}`))) : null,
    o.rangeText || o.note ? h('p', { class: 'range muted' }, [o.rangeText, o.note].filter(Boolean).join(' · ')) : null);
}
