// Recalibration in the inspector: what changed in each BatchNorm layer's running statistics when they
// were re-estimated from the user's data, and the button that saves the recalibrated copy.

import type { RecalibratedLayer, RecalibrationResult } from '../src/protocol';
import { recalibrationChange } from '../src/shared/recalibrationChange';
import { h } from './dom';
import { channelChart } from './channelChart';
import { formatNumber } from './format';

export type RecalibrationStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running' }
  | { readonly kind: 'done'; readonly result: RecalibrationResult; readonly source: string }
  | { readonly kind: 'failed'; readonly message: string };

export function recalibrationSummary(result: RecalibrationResult, source: string, digits: number, canSave: boolean, onSave: () => void, onSelect: (layer: string) => void): HTMLElement {
  const f = (x: number): string => formatNumber(x, digits);
  const rows = result.layers.map((l) => {
    const c = recalibrationChange(l);
    const link = h('button', { type: 'button', class: 'link' }, l.name);
    link.addEventListener('click', () => onSelect(l.name));
    return h('tr', {}, h('td', {}, link), h('td', { class: 'numeric' }, f(c.shift)), h('td', { class: 'numeric' }, `${f(c.ratioLow)} … ${f(c.ratioHigh)}`));
  });
  const save = h('button', { type: 'button' }, 'Save recalibrated copy…');
  save.addEventListener('click', onSave);
  return h('section', { class: 'recalibration', 'aria-label': 'Recalibration' },
    h('h2', {}, 'Recalibration'),
    h('p', {}, `Running statistics re-estimated from ${source}: ${result.samples} samples in ${result.batches} batches, averaged with equal weight (${result.variance} batch variance, as the file's framework stores it).`),
    result.warning ? h('p', { class: 'warning', role: 'status' }, h('strong', {}, 'Caution: '), result.warning) : null,
    h('table', { class: 'shift-table' },
      h('thead', {}, h('tr', {}, ...['Layer', 'Largest mean change (old σ)', 'New ÷ old variance'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, ...rows)),
    canSave ? h('div', { class: 'toolbar probe-controls' }, save, h('span', { class: 'muted' }, 'Writes a new file next to the model; the model itself is never changed.'))
      : h('p', { class: 'muted' }, 'Saving a recalibrated copy is supported for ONNX files.'));
}

export function recalibrationLayerDetail(layer: RecalibratedLayer, digits: number): HTMLElement {
  return h('div', { class: 'recalibration-detail' },
    h('h3', {}, `Recalibrated: ${layer.name}`),
    h('div', { class: 'charts' },
      channelChart('Running mean after recalibration', layer.after.mean, digits, layer.name),
      channelChart('Running mean: after − before', layer.after.mean.map((m, c) => m - layer.before.mean[c]), digits, layer.name),
      channelChart('Running variance after recalibration', layer.after.variance, digits, layer.name),
      channelChart('Running variance: after ÷ before', layer.after.variance.map((v, c) => v / layer.before.variance[c]), digits, layer.name),
    ));
}
