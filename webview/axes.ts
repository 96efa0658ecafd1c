// Axes for the small charts: "nice" tick values (1, 2, 5 × 10^k, or powers of ten on a log scale),
// tick labels in HTML beside the plot (an SVG stretched to its box would squash its own text), faint
// grid lines over the plot, the axes' names with their units, and a readout of the values under the
// pointer. The same description of the axes draws the exported image (chartExport.ts).

import { h, svg } from './dom';
import { formatNumber } from './format';

export interface Axis {
  readonly lo: number;
  readonly hi: number;
  /** The axis' name with its unit: "epoch", "samples seen", "value", "channel". */
  readonly label: string;
  readonly log?: boolean;
  /** Ticks at whole numbers only (channel indices, epochs). */
  readonly integer?: boolean;
  /** Share of the plot's box left empty at each end (the plot's padding), 0 by default. */
  readonly inset?: number;
  /** Rows or columns drawn as bands (a heatmap's channels): tick v sits at the middle of band v. */
  readonly bands?: boolean;
}

/** Up to about `count` round values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 4, log = false, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (log && lo > 0 && hi > 0) {
    const out: number[] = [];
    for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
    if (out.length > count + 1) return out.filter((_, i) => i % Math.ceil(out.length / count) === 0);
    return out.length ? out : [lo, hi];
  }
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** The axis' ends in drawing units (log10 on a log scale; half a band beyond the first and last band). */
function ends(a: Axis): { lo: number; hi: number; inset: number; f: (x: number) => number } {
  const f = (x: number): number => (a.log ? Math.log10(x) : x);
  const pad = a.bands ? 0.5 : 0;
  return { lo: f(a.lo) - pad, hi: f(a.hi) + pad, inset: a.inset ?? 0, f };
}

/** Where value v falls along the axis, 0 (low end) … 1 (high end) of the plot's box. */
export function axisFraction(a: Axis, v: number): number {
  const { lo, hi, inset, f } = ends(a);
  return inset + ((f(v) - lo) / (hi - lo || 1)) * (1 - 2 * inset);
}

/** The value at fraction t (0…1) of the plot's box: the inverse of axisFraction. */
export function axisValue(a: Axis, t: number): number {
  const { lo, hi, inset } = ends(a);
  const v = lo + ((t - inset) / (1 - 2 * inset || 1)) * (hi - lo);
  return a.log ? 10 ** v : v;
}

export function axisTicks(a: Axis, count = 4): number[] {
  return niceTicks(a.lo, a.hi, count, a.log, a.integer || a.bands).filter((v) => v >= a.lo - 1e-9 * Math.abs(a.hi - a.lo) && v <= a.hi + 1e-9 * Math.abs(a.hi - a.lo));
}

export function tickText(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(0).replace('e+', 'e');
  return formatNumber(v, 3);
}

export interface Framed {
  readonly element: HTMLElement;
  /** Shows a line of text under the chart (the readout of the hovered values). */
  readonly readout: HTMLElement;
}

/**
 * The plot (an SVG or canvas filling its box) with tick labels left and below, grid lines over it, the
 * axes' names, and a readout: `hover` gets the pointer's position as data values and returns the text.
 */
export function framed(plot: Element, x: Axis, y: Axis, hover?: (xValue: number, yValue: number) => string | null): Framed {
  const grid = svg('svg', { class: 'grid', viewBox: '0 0 100 100', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
  const yTicks = h('div', { class: 'y-ticks', 'aria-hidden': 'true' });
  const xTicks = h('div', { class: 'x-ticks', 'aria-hidden': 'true' });
  for (const v of axisTicks(y, 3)) {
    const t = 100 * (1 - axisFraction(y, v));
    grid.append(svg('line', { x1: 0, x2: 100, y1: t, y2: t }));
    const label = h('span', {}, tickText(v));
    label.style.top = `${t}%`;
    yTicks.append(label);
  }
  for (const v of axisTicks(x, 4)) {
    const t = 100 * axisFraction(x, v);
    grid.append(svg('line', { x1: t, x2: t, y1: 0, y2: 100 }));
    const label = h('span', {}, tickText(v));
    label.style.left = `${t}%`;
    xTicks.append(label);
  }
  const readout = h('p', { class: 'readout muted', 'aria-hidden': 'true' }, '\u00a0');
  const area = h('div', { class: 'plot-area' }, plot, grid);
  if (hover) {
    area.addEventListener('mousemove', (e) => {
      const box = area.getBoundingClientRect();
      const text = hover(axisValue(x, (e.clientX - box.left) / (box.width || 1)), axisValue(y, 1 - (e.clientY - box.top) / (box.height || 1)));
      readout.textContent = text ?? '\u00a0';
    });
    area.addEventListener('mouseleave', () => { readout.textContent = '\u00a0'; });
  }
  const element = h('div', { class: 'axes' },
    h('span', { class: 'y-name muted' }, y.label),
    yTicks, area,
    xTicks,
    h('span', { class: 'x-name muted' }, x.label));
  return { element, readout };
}

/** Index of the element of ascending `xs` nearest to v (−1 for none). */
export function nearestIndex(xs: ArrayLike<number>, v: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= v) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - v) <= Math.abs(xs[hi] - v) ? lo : hi;
}
