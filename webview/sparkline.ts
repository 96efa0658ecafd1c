// A tiny per-channel line in SVG for the side panel: the shape of a vector at a glance.

import { svg } from './dom';
import { finiteExtent, formatNumber } from './format';

const W = 120;
const H = 20;

export function sparkline(label: string, values: Float32Array | null, digits: number): SVGSVGElement | null {
  if (!values || values.length === 0) return null;
  const extent = finiteExtent(values);
  if (!extent) return null;
  const [min, max] = extent;
  const span = max - min || 1;
  const step = values.length > 1 ? W / (values.length - 1) : 0;
  const points = Array.from(values, (v, i) => `${(i * step).toFixed(1)},${Number.isFinite(v) ? (H - 1 - ((v - min) / span) * (H - 2)).toFixed(1) : H}`).join(' ');
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'sparkline', role: 'img',
    'aria-label': `${label}: ${values.length} channels from ${formatNumber(min, digits)} to ${formatNumber(max, digits)}` },
    svg('title', {}, `${label}: ${formatNumber(min, digits)} … ${formatNumber(max, digits)}`),
    svg('polyline', { points, fill: 'none' }));
}
