// Runs side by side, one column each, with shared scales so the columns compare at a glance: final
// accuracy in eval and train mode (and the gap), loss and accuracy, the first normalization layer's
// distributions, and how far its batch statistics stray from the running ones. Above the columns, all
// runs' validation accuracy and training loss in one chart each.

import { h } from '../dom';
import { formatNumber } from '../format';
import { isNormalizationKind } from '../../src/shared/runs/derived';
import type { ExperimentProgress, RunData } from '../../src/protocol/studio';
import { autoLog, heatmap, lineChart } from './charts';
import { epochSeries, layerValue, smoothed, statusText, type Series } from './runModel';
import { stepSpan } from './runView';

function range(values: Iterable<number>, floor?: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) return [0, 1];
  return [floor ?? lo, hi];
}

function firstNorm(run: RunData): number {
  return run.schema.layers.findIndex((l) => isNormalizationKind(l.kind));
}

export function compareView(runs: readonly RunData[], digits: number, experiment: ExperimentProgress | null, variants: ReadonlyMap<string, string>): HTMLElement {
  if (runs.length === 0) return h('p', { class: 'status' }, 'Tick two or more saved runs in the list (or run an experiment) to compare them here.');
  const name = (r: RunData): string => variants.get(r.info.name) ?? r.info.experiment?.variant ?? r.info.name;
  const xRange: [number, number] = [0, Math.max(1, ...runs.map(stepSpan))];
  const lossRange = range(runs.flatMap((r) => Array.from(smoothed(r.steps.loss))));
  // One scale for every column: logarithmic when a run's loss blew up (lr ×10 without BN, say).
  const lossLog = autoLog(runs.map((r) => ({ label: '', x: r.steps.step, y: smoothed(r.steps.loss), className: '' })));
  const gaps = runs.map((r) => {
    const i = firstNorm(r);
    return i >= 0 ? layerValue.gap(r, i) : null;
  });
  const gapRange = range(gaps.flatMap((g) => (g ? Array.from(g.y) : [])), 0);
  const all = (metric: 'loss' | 'accuracy'): HTMLElement => lineChart({
    title: metric === 'loss' ? 'Training loss (smoothed), all runs' : 'Validation accuracy per epoch, all runs',
    series: runs.map((r, k): Series => (metric === 'loss'
      ? { label: name(r), x: r.steps.step, y: smoothed(r.steps.loss), className: `s${k % 6}` }
      : { label: name(r), ...epochSeries(r, 'validation', 'accuracy'), className: `s${k % 6}` })),
    digits, xRange, ...(metric === 'accuracy' ? { yRange: [0, 1] as [number, number] } : { yRange: lossRange, log: lossLog }),
  });
  const columns = runs.map((r, k) => {
    const v = r.info.finalValidation;
    const t = r.info.finalValidationTrainMode;
    const i = firstNorm(r);
    const s = i >= 0 ? r.schema.layers[i] : null;
    const cell = (label: string, value: number | undefined): HTMLElement => h('tr', {}, h('td', {}, label), h('td', { class: 'numeric' }, value === undefined ? '—' : formatNumber(value, digits)));
    const gap = gaps[k];
    const dist = (role: 'input' | 'output'): HTMLElement | null => {
      if (!s || i < 0) return null;
      const cols = r.frames.flatMap((f) => {
        const l = f.layers[i];
        if (!l) return [];
        const tt = l[role];
        return [{ step: f.step, values: tt.counts, below: tt.underflow / (tt.sampled || 1), above: tt.overflow / (tt.sampled || 1) }];
      });
      const e = s[role].edges;
      return heatmap({ title: `${s.name} · ${role === 'input' ? 'pre' : 'post'}-normalization`, columns: cols, range: [e[0], e[e.length - 1]], digits, scale: 'column', rowLabel: 'value', xRange });
    };
    return h('section', { class: `compare-column s${k % 6}`, 'data-run': r.info.name, 'aria-label': name(r) },
      h('h3', {}, h('span', { class: `key s${k % 6}` }, h('span', { class: 'swatch' })), ' ', name(r)),
      h('p', { class: 'muted small' }, r.info.name, h('br', {}), r.info.label, h('br', {}), statusText(r)),
      h('table', { class: 'final' },
        cell('validation accuracy, eval mode', v?.accuracy),
        cell('validation accuracy, train mode', t?.accuracy),
        cell('gap (eval − train mode)', v && t ? v.accuracy - t.accuracy : undefined),
        cell('last training loss (smoothed)', (() => { const sm = smoothed(r.steps.loss); return sm.length ? sm[sm.length - 1] : undefined; })()),
        cell('first epoch validation accuracy', r.epochs[0]?.validation?.accuracy)),
      lineChart({ title: 'Loss', series: [{ label: 'train', x: r.steps.step, y: smoothed(r.steps.loss), className: `s${k % 6}` }, { label: 'validation', ...epochSeries(r, 'validation', 'loss'), className: `s${k % 6} dashed` }], digits, xRange, yRange: lossRange, log: lossLog }),
      lineChart({ title: 'Accuracy', series: [{ label: 'train', x: r.steps.step, y: smoothed(r.steps.accuracy), className: `s${k % 6}` }, { label: 'validation', ...epochSeries(r, 'validation', 'accuracy'), className: `s${k % 6} dashed` }], digits, xRange, yRange: [0, 1] }),
      dist('input'), dist('output'),
      gap && s ? lineChart({ title: `${s.name} · |batch − running mean| / running std`, series: [{ label: 'gap', x: gap.x, y: gap.y, className: `s${k % 6}` }], digits, xRange, yRange: gapRange }) : h('p', { class: 'muted' }, s ? `${s.name} (${s.kind}) keeps no running statistics: it does not depend on the batch.`
        : r.frames.length === 0 ? 'No statistics recorded: the run ended before its first recorded step.' : 'No normalization layer.'));
  });
  return h('section', { class: 'compare-view', 'data-runs': String(runs.length) },
    h('h1', {}, experiment ? experiment.title : `Comparing ${runs.length} runs`),
    experiment ? h('p', { class: 'note' }, experiment.claim) : null,
    h('div', { class: 'multiples metrics' }, all('loss'), all('accuracy')),
    grid(runs.length, columns));
}

/** The columns' grid: the column count is set through CSSOM (the page's CSP allows no inline style attributes). */
function grid(count: number, columns: HTMLElement[]): HTMLElement {
  const el = h('div', { class: 'compare-columns' }, ...columns);
  el.style.gridTemplateColumns = `repeat(${count}, minmax(240px, 1fr))`;
  return el;
}
