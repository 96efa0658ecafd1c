// A run as CSV for spreadsheets and pandas: per-step metrics, per-epoch metrics, and one row per recorded
// step, layer and tensor with its summary statistics.

import { average, batchRunningGap, deadFraction } from '../../shared/runs/derived';
import type { RunData } from '../../shared/runs/types';

function cell(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function table(header: string[], rows: (number | string | null | undefined)[][]): string {
  return [header.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}

export interface CsvFile {
  readonly name: string;
  readonly text: string;
}

export function runCsvFiles(run: RunData): CsvFile[] {
  const steps = table(['step', 'loss', 'accuracy'], Array.from(run.steps.step, (s, i) => [s, run.steps.loss[i], run.steps.accuracy[i]]));
  const epochs = table(['epoch', 'step', 'train_loss', 'train_accuracy', 'validation_loss', 'validation_accuracy'],
    run.epochs.map((e) => [e.epoch, e.step, e.train.loss, e.train.accuracy, e.validation?.loss, e.validation?.accuracy]));
  const rows: (number | string | null | undefined)[][] = [];
  for (const frame of run.frames) {
    frame.layers.forEach((l, i) => {
      if (!l) return;
      const s = run.schema.layers[i];
      const shared = [average(l.gamma), average(l.beta), average(l.batchMean), average(l.runningMean), average(l.batchVariance), average(l.runningVariance), batchRunningGap(l), deadFraction(l, s)];
      for (const [role, t] of [['input', l.input], ['output', l.output]] as const) {
        rows.push([frame.step, s.name, s.kind, role, t.sampled, t.mean, t.std, t.min, t.max, t.zeroFraction, t.saturatedFraction, t.underflow, t.overflow, t.nonFinite, ...shared]);
      }
    });
  }
  const layers = table(['step', 'layer', 'kind', 'tensor', 'sampled', 'mean', 'std', 'min', 'max', 'zero_fraction', 'saturated_fraction', 'underflow', 'overflow', 'non_finite',
    'gamma_mean', 'beta_mean', 'batch_mean_mean', 'running_mean_mean', 'batch_variance_mean', 'running_variance_mean', 'batch_vs_running_gap', 'dead_fraction'], rows);
  const gradients = table(['step', 'layer', 'parameter', 'l2'],
    run.frames.flatMap((f) => run.schema.gradients.map((g, k) => [f.step, g.layer, g.parameter, f.gradients[k]] as (number | string)[]).filter((r) => Number.isFinite(r[3] as number))));
  return [
    { name: 'steps.csv', text: steps },
    { name: 'epochs.csv', text: epochs },
    { name: 'layers.csv', text: layers },
    { name: 'gradients.csv', text: gradients },
  ];
}
