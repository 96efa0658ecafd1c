// What `bnlens inspect` prints: the JSON document (--json) or a plain-text table; the number and table
// formatting `bnlens forward` shares.

import { groupByTag } from '../analysis/logs';
import type { ModelDescription, NormLayer, TensorInfo } from '../formats/model';
import { watchedJson, watchedLayers } from '../analysis/runs/watched';

/** A finding of the anomaly checks; layer is null for one about the whole model. */
export interface InspectWarning {
  readonly layer: string | null;
  readonly code: string;
  readonly message: string;
}

function numbers(t: TensorInfo | null): number[] | null {
  return t ? [...t.values()] : null;
}

function layerJson(l: NormLayer): Record<string, unknown> {
  return {
    name: l.name,
    kind: l.kind,
    channels: l.channels,
    epsilon: l.epsilon,
    momentum: l.momentum,
    momentumConvention: l.momentumConvention,
    affine: l.affine,
    center: l.center,
    scale: l.scale,
    gamma: numbers(l.gamma),
    beta: numbers(l.beta),
    runningMean: numbers(l.runningMean),
    runningVar: numbers(l.runningVar),
    numBatchesTracked: l.numBatchesTracked,
    training: l.training,
    after: l.after,
    before: l.before,
  };
}

export function inspectJson(model: ModelDescription, warnings: readonly InspectWarning[]): string {
  const doc: Record<string, unknown> = {
    file: model.file,
    format: model.format,
    producer: model.producer,
    layers: model.normLayers.map(layerJson),
    warnings,
  };
  if (model.format === 'tensorboard') {
    doc.scalars = (model.scalars ?? []).map((s) => ({ tag: s.tag, step: s.step, value: s.value }));
    doc.histograms = (model.histograms ?? []).map((h) => ({
      tag: h.tag, step: h.step, min: h.min, max: h.max, num: h.num, sum: h.sum, sumSquares: h.sumSquares, edges: h.edges, counts: h.counts,
    }));
    // Layers logged by python/bnlens (bnlens/rank<R>/<layer>/… tags), per run and rank.
    const watched = watchedLayers(model.scalars ?? [], model.histograms ?? []);
    if (watched.length) doc.watched = watchedJson(watched);
  }
  return JSON.stringify(doc);
}

/** A short number for a table cell. */
export function num(v: number | null): string {
  if (v === null) return '-';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(2);
}

/** A tensor as "min..max" (one number when all are equal). */
function range(t: TensorInfo | null): string {
  if (!t) return '-';
  const v = t.values();
  if (v.length === 0) return '[]';
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  return num(lo) === num(hi) ? num(lo) : `${num(lo)}..${num(hi)}`;
}

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function inspectTable(model: ModelDescription): string {
  const out = [`${model.file}: ${model.format} (${model.variant})${model.producer ? `, written by ${model.producer}${model.producerVersion ? ` ${model.producerVersion}` : ''}` : ''}`];
  if (model.format === 'tensorboard') {
    const scalarTags = groupByTag(model.scalars ?? []);
    const histTags = groupByTag(model.histograms ?? []);
    out.push('', `${model.scalars?.length ?? 0} scalar values, ${model.histograms?.length ?? 0} histograms`);
    if (scalarTags.size) {
      out.push('', ...table(['scalar', 'points', 'steps', 'last value'], [...scalarTags].map(([tag, points]) => {
        return [tag, String(points.length), `${points[0].step}..${points[points.length - 1].step}`, num(points[points.length - 1].value)];
      })));
    }
    if (histTags.size) {
      out.push('', ...table(['histogram', 'points', 'steps', 'buckets (last)'], [...histTags].map(([tag, points]) => {
        return [tag, String(points.length), `${points[0].step}..${points[points.length - 1].step}`, String(points[points.length - 1].counts.length)];
      })));
    }
  } else if (model.normLayers.length === 0) {
    out.push('', 'No normalization layers found.');
  } else {
    const momentum = (l: NormLayer): string => (l.momentum === null ? (l.momentumConvention ? `? (${l.momentumConvention})` : '-') : `${num(l.momentum)} (${l.momentumConvention})`);
    out.push('', ...table(
      ['layer', 'kind', 'C', 'eps', 'momentum', 'gamma', 'beta', 'running mean', 'running var', 'mode', 'after', 'before'],
      model.normLayers.map((l) => [
        l.name, l.kind, num(l.channels), num(l.epsilon), momentum(l), range(l.gamma), range(l.beta), range(l.runningMean), range(l.runningVar),
        l.training === null ? '-' : l.training ? 'train' : 'eval', l.after ?? '-', l.before ?? '-',
      ]),
    ));
  }
  if (model.incomplete) out.push('', 'The file is still being written: its last record is incomplete.');
  if (model.notes.length) out.push('', ...model.notes.map((n) => `note: ${n}`));
  return out.join('\n');
}
