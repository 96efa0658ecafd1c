// The inspector's tables as CSV: one row per layer (settings), or one row per channel of every layer
// (γ, β, running statistics and the effective inference map). RFC 4180 quoting; numbers in full
// precision, so a spreadsheet or pandas gets exactly what the file holds.

import { effectiveAffine } from '../shared/effectiveAffine';
import type { LayerSummary, ModelSummary } from './inventory';

type Cell = string | number | boolean | null;

function cell(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(header: readonly string[], rows: readonly Cell[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function layersCsv(model: ModelSummary): string {
  return csv(
    ['layer', 'kind', 'op', 'channels', 'epsilon', 'momentum', 'momentum_convention', 'momentum_pytorch', 'affine', 'center', 'scale', 'training', 'num_batches_tracked', 'after', 'before'],
    model.layers.map((l) => [l.name, l.kind, l.op, l.channels, l.epsilon, l.momentum, l.momentumConvention, l.momentumPytorch, l.affine, l.center, l.scale, l.training, l.numBatchesTracked, l.after, l.before]),
  );
}

export function channelsCsv(layers: readonly LayerSummary[]): string {
  const rows: Cell[][] = [];
  for (const l of layers) {
    const affine = effectiveAffine(l);
    const n = Math.max(l.channels ?? 0, l.gamma?.length ?? 0, l.beta?.length ?? 0, l.runningMean?.length ?? 0, l.runningVar?.length ?? 0);
    const at = (a: Float32Array | null | undefined, c: number): number | null => (a && c < a.length ? a[c] : null);
    for (let c = 0; c < n; c++) {
      rows.push([l.name, c, at(l.gamma, c), at(l.beta, c), at(l.runningMean, c), at(l.runningVar, c), at(affine?.scale, c), at(affine?.shift, c)]);
    }
  }
  return csv(['layer', 'channel', 'gamma', 'beta', 'running_mean', 'running_var', 'effective_scale', 'effective_shift'], rows);
}
