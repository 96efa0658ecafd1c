// A histogram in SVG with its under/overflow counts, optionally overlaid with an expected density
// (a line of expected counts per bin).

import type { Histogram } from '../src/protocol';
import { framed, type Axis } from './axes';
import { h, svg } from './dom';
import { formatNumber } from './format';
import { exportButtons } from './chartExport';

const W = 360;
const H = 120;
const PAD = 4;

/** `layer` names the layer the values belong to: exported images carry it in their title. */
export function histogramChart(label: string, histogram: Histogram, digits: number, expected?: Float64Array, layer?: string): HTMLElement {
  const { edges, counts, underflow, overflow } = histogram;
  const bins = counts.length;
  let top = 1;
  for (const c of counts) top = Math.max(top, c);
  if (expected) for (const e of expected) top = Math.max(top, e);
  const x = (i: number): number => PAD + ((W - 2 * PAD) * i) / bins;
  const y = (v: number): number => H - PAD - (v / top) * (H - 2 * PAD);
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', preserveAspectRatio: 'none',
    'aria-label': `${label}: ${bins} bins from ${formatNumber(edges[0], digits)} to ${formatNumber(edges[bins], digits)}` });
  counts.forEach((c, i) => {
    chart.append(svg('rect', { x: x(i), y: y(c), width: Math.max(x(i + 1) - x(i) - 0.5, 0.5), height: H - PAD - y(c), class: 'bar' },
      svg('title', {}, `[${formatNumber(edges[i], digits)}, ${formatNumber(edges[i + 1], digits)}): ${c}`)));
  });
  if (expected) {
    const points = Array.from(expected, (e, i) => `${((x(i) + x(i + 1)) / 2).toFixed(1)},${y(e).toFixed(1)}`).join(' ');
    chart.append(svg('polyline', { points, class: 'expected' }));
  }
  const outside = underflow + overflow;
  const xAxis: Axis = { lo: edges[0], hi: edges[bins], label: 'value', inset: PAD / W };
  const yAxis: Axis = { lo: 0, hi: top, label: 'count', inset: PAD / H };
  const frame = framed(chart, xAxis, yAxis, (v) => {
    const i = Math.floor(((v - edges[0]) / (edges[bins] - edges[0] || 1)) * bins);
    return i >= 0 && i < bins ? `[${formatNumber(edges[i], digits)}, ${formatNumber(edges[i + 1], digits)}): ${counts[i]}${expected ? ` (expected ${formatNumber(expected[i], 3)})` : ''}` : null;
  });
  return h('figure', { class: 'chart' },
    h('figcaption', {}, label, ' ', exportButtons(layer ? `${layer} · ${label}` : label, () => ({ plot: chart, x: xAxis, y: yAxis }))),
    frame.element, frame.readout,
    h('p', { class: 'range muted' },
      `${formatNumber(edges[0], digits)} … ${formatNumber(edges[bins], digits)}`,
      outside ? ` · outside the range: ${underflow} below, ${overflow} above` : '',
      expected ? ' · line: expected γ·N(0,1)+β' : ''));
}

/**
 * Expected counts per bin of the pooled post-normalization values if every channel c were exactly
 * N(β_c, γ_c²): the mixture of the channels' normals, each with an equal share of `total` values.
 */
export function expectedNormalCounts(edges: Float64Array, gamma: Float64Array | null, beta: Float64Array | null, channels: number, total: number): Float64Array {
  const out = new Float64Array(edges.length - 1);
  const cdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));
  for (let c = 0; c < channels; c++) {
    const g = Math.abs(gamma ? gamma[c] : 1);
    const b = beta ? beta[c] : 0;
    for (let i = 0; i < out.length; i++) {
      out[i] += g > 0 ? (cdf((edges[i + 1] - b) / g) - cdf((edges[i] - b) / g)) * (total / channels) : edges[i] <= b && b < edges[i + 1] ? total / channels : 0;
    }
  }
  return out;
}

/** Abramowitz–Stegun 7.1.26: |error| < 1.5e-7, plenty for a drawn line. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
