// TensorBoard summaries grouped by tag, as the views draw them: a scalar tag is a series over steps,
// a histogram tag is one histogram per step (edges may differ between steps, as TensorFlow's do).

import type { HistogramPoint, ModelDescription, ScalarPoint } from '../formats/model';

export interface ScalarSeries {
  readonly tag: string;
  readonly steps: Float64Array;
  readonly values: Float64Array;
}

export interface HistogramSeries {
  readonly tag: string;
  readonly steps: Float64Array;
  /** Per step: bins + 1 edges and bins counts. */
  readonly edges: readonly Float64Array[];
  readonly counts: readonly Float64Array[];
  /** Per step: the smallest and largest value the writer stored (NaN where it stored none). */
  readonly min: Float64Array;
  readonly max: Float64Array;
}

export interface LogSummary {
  readonly scalars: readonly ScalarSeries[];
  readonly histograms: readonly HistogramSeries[];
  /** The last record of a file was still being written when it was read. */
  readonly incomplete: boolean;
}

/** Points grouped by tag in order of appearance, in one pass (linear in the points, whatever the steps per tag). */
export function groupByTag<T extends { tag: string }>(points: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const p of points) {
    const list = groups.get(p.tag);
    if (list) list.push(p);
    else groups.set(p.tag, [p]);
  }
  return groups;
}

function byTag<T extends { tag: string; step: number }>(points: readonly T[]): Map<string, T[]> {
  const groups = groupByTag(points);
  for (const list of groups.values()) list.sort((a, b) => a.step - b.step);
  return groups;
}

export function summarizeLogs(model: Pick<ModelDescription, 'scalars' | 'histograms' | 'incomplete'>): LogSummary | null {
  if (!model.scalars && !model.histograms) return null;
  const scalars = [...byTag<ScalarPoint>(model.scalars ?? [])].map(([tag, points]) => ({
    tag,
    steps: Float64Array.from(points, (p) => p.step),
    values: Float64Array.from(points, (p) => p.value),
  }));
  const histograms = [...byTag<HistogramPoint>(model.histograms ?? [])].map(([tag, points]) => ({
    tag,
    steps: Float64Array.from(points, (p) => p.step),
    edges: points.map((p) => Float64Array.from(p.edges)),
    counts: points.map((p) => Float64Array.from(p.counts)),
    min: Float64Array.from(points, (p) => p.min ?? NaN),
    max: Float64Array.from(points, (p) => p.max ?? NaN),
  }));
  return { scalars, histograms, incomplete: model.incomplete ?? false };
}
