// A per-channel bar chart in SVG: one bar per channel, a zero line, channel indices along x and the
// value scale along y, the hovered channel's value below (and in each bar's <title>), colours from
// the VS Code theme via CSS classes.

import { framed, type Axis } from './axes';
import { svg, h } from './dom';
import { finiteExtent, formatNumber } from './format';
import { exportButtons } from './chartExport';

const WIDTH = 560;
const HEIGHT = 120;
const PAD = 4;

/** `layer` names the layer the values belong to: exported images carry it in their title. */
export function channelChart(label: string, values: Float32Array | null, digits: number, layer?: string): HTMLElement {
  const figure = h('figure', { class: 'chart' });
  const caption = h('figcaption', {}, label);
  figure.append(caption);
  if (!values || values.length === 0) {
    figure.append(h('p', { class: 'muted' }, 'not stored in this file'));
    return figure;
  }
  const [min, max] = finiteExtent(values) ?? [0, 0];
  // The axis always includes zero, so bar lengths compare honestly.
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const span = hi - lo || 1;
  const y = (v: number): number => PAD + ((hi - v) / span) * (HEIGHT - 2 * PAD);
  const barWidth = (WIDTH - 2 * PAD) / values.length;
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': `${label}: ${values.length} channels, from ${formatNumber(min, digits)} to ${formatNumber(max, digits)}`,
    preserveAspectRatio: 'none',
  });
  values.forEach((v, c) => {
    const finite = Number.isFinite(v);
    const top = finite ? Math.min(y(v), y(0)) : PAD;
    const height = finite ? Math.max(Math.abs(y(v) - y(0)), 0.5) : HEIGHT - 2 * PAD;
    chart.append(
      svg('rect', {
        x: PAD + c * barWidth,
        y: top,
        width: Math.max(barWidth - (barWidth > 3 ? 1 : 0), 0.5),
        height,
        class: finite ? (v < 0 ? 'bar negative' : 'bar') : 'bar invalid',
      }, svg('title', {}, `channel ${c}: ${formatNumber(v, digits)}`)),
    );
  });
  chart.append(svg('line', { x1: 0, x2: WIDTH, y1: y(0), y2: y(0), class: 'zero' }));
  const xAxis: Axis = { lo: 0, hi: values.length - 1, label: 'channel', bands: true, inset: PAD / WIDTH };
  const yAxis: Axis = { lo, hi: hi === lo ? lo + 1 : hi, label, inset: PAD / HEIGHT };
  const frame = framed(chart, xAxis, yAxis, (x) => {
    const c = Math.round(x);
    return c >= 0 && c < values.length ? `channel ${c}: ${formatNumber(values[c], digits)}` : null;
  });
  const buttons = exportButtons(layer ? `${layer} · ${label}` : label, () => ({ plot: chart, x: xAxis, y: yAxis, legend: `${values.length} channels · min ${formatNumber(min, digits)} · max ${formatNumber(max, digits)}` }));
  if (buttons) caption.append(' ', buttons);
  figure.append(frame.element, frame.readout, h('p', { class: 'range muted' }, `min ${formatNumber(min, digits)} · max ${formatNumber(max, digits)} · ${values.length} channels`));
  return figure;
}
