// A one-glance overview of every layer: a heatmap with one row per layer and its channels across the
// width, coloured by |effective inference scale| γ/√(var+ε) (or |γ| where there are no running
// statistics) on a log scale. Clicking a row opens that layer's detail.

import type { LayerSummary } from '../src/protocol';
import { effectiveAffine } from '../src/shared/effectiveAffine';
import { h } from './dom';
import { formatNumber } from './format';

const ROW_HEIGHT = 14;
const WIDTH = 720;

interface Row {
  readonly layer: LayerSummary;
  readonly values: Float32Array | null;
  readonly quantity: string;
}

function rowOf(layer: LayerSummary): Row {
  const affine = effectiveAffine(layer);
  if (affine) return { layer, values: affine.scale.map(Math.abs), quantity: '|γ|/√(var+ε)' };
  if (layer.gamma) return { layer, values: layer.gamma.map(Math.abs), quantity: '|γ|' };
  return { layer, values: null, quantity: '' };
}

/** log10 of the value, clamped to the range [lo, hi] → 0..1. */
function position(v: number, lo: number, hi: number): number {
  if (!(v > 0)) return 0;
  return Math.min(1, Math.max(0, (Math.log10(v) - lo) / (hi - lo || 1)));
}

export function overview(layers: readonly LayerSummary[], selected: string | null, digits: number, onSelect: (name: string) => void): HTMLElement {
  const rows = layers.map(rowOf);
  const finite = rows.flatMap((r) => (r.values ? Array.from(r.values).filter((v) => v > 0 && Number.isFinite(v)) : []));
  const section = h('section', { class: 'overview', 'aria-label': 'Overview of all layers' },
    h('h2', {}, 'Overview: effective scale per channel'));
  if (finite.length === 0) {
    section.append(h('p', { class: 'muted' }, 'No layer stores γ or running statistics to draw.'));
    return section;
  }
  const lo = Math.log10(Math.min(...finite));
  const hi = Math.log10(Math.max(...finite));

  const canvas = h('canvas', { width: String(WIDTH), height: String(rows.length * ROW_HEIGHT), role: 'img',
    'aria-label': `Heatmap of ${rows.length} layers; darker is a smaller effective scale. Use the table to select a layer by keyboard.` });
  const tooltip = h('div', { class: 'tooltip', role: 'status' });
  const style = getComputedStyle(document.body);
  const hot = style.getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
  const empty = style.getPropertyValue('--vscode-editorWidget-background').trim() || 'transparent';
  const ctx = canvas.getContext('2d');
  if (ctx) {
    rows.forEach((row, r) => {
      const y = r * ROW_HEIGHT;
      if (!row.values) {
        ctx.fillStyle = empty;
        ctx.fillRect(0, y, WIDTH, ROW_HEIGHT - 1);
        return;
      }
      const w = WIDTH / row.values.length;
      row.values.forEach((v, c) => {
        ctx.globalAlpha = Number.isFinite(v) ? 0.08 + 0.92 * position(v, lo, hi) : 1;
        ctx.fillStyle = Number.isFinite(v) ? hot : 'red';
        ctx.fillRect(c * w, y, Math.max(w - (w > 3 ? 0.5 : 0), 0.5), ROW_HEIGHT - 1);
      });
      ctx.globalAlpha = 1;
      if (row.layer.name === selected) {
        ctx.strokeStyle = style.getPropertyValue('--vscode-focusBorder').trim() || '#007fd4';
        ctx.strokeRect(0.5, y + 0.5, WIDTH - 1, ROW_HEIGHT - 2);
      }
    });
  }
  const at = (event: MouseEvent): { row: Row; channel: number } | null => {
    const rect = canvas.getBoundingClientRect();
    const r = Math.floor(((event.clientY - rect.top) / rect.height) * rows.length);
    const row = rows[r];
    if (!row) return null;
    const n = row.values?.length ?? 1;
    return { row, channel: Math.min(n - 1, Math.floor(((event.clientX - rect.left) / rect.width) * n)) };
  };
  canvas.addEventListener('mousemove', (event) => {
    const hit = at(event);
    tooltip.textContent = hit
      ? `${hit.row.layer.name}${hit.row.values ? `, channel ${hit.channel}: ${hit.row.quantity} = ${formatNumber(hit.row.values[hit.channel], digits)}` : ': nothing stored'}`
      : '';
  });
  canvas.addEventListener('click', (event) => {
    const hit = at(event);
    if (hit) onSelect(hit.row.layer.name);
  });
  const labels = h('div', { class: 'overview-labels' }, ...rows.map((row) => h('div', { class: row.layer.name === selected ? 'selected' : undefined }, row.layer.name)));
  section.append(
    h('div', { class: 'overview-body' }, labels, canvas),
    tooltip,
    h('p', { class: 'muted legend' }, `log scale from ${formatNumber(10 ** lo, digits)} (faint) to ${formatNumber(10 ** hi, digits)} (full colour); red: not finite`),
  );
  return section;
}
