// The page's copy of a run: saved or live data, with a live run's batched updates appended, and the
// series the charts draw, derived once per render.

import { decodeFrames, widenFrame } from '../../src/shared/runs/frames';
import { average, batchRunningGap, deadFraction } from '../../src/shared/runs/derived';
import type { RunData, RunUpdate, StepSeries, WireRun } from '../../src/protocol/studio';

function concat(a: Float64Array, b: Float64Array): Float64Array {
  if (b.length === 0) return a;
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The run with an update appended (the update's steps, epochs and frames follow the run's). */
export function applyUpdate(run: RunData, u: RunUpdate): RunData {
  const schema = u.schema ?? run.schema;
  const steps: StepSeries = { step: concat(run.steps.step, u.steps.step), loss: concat(run.steps.loss, u.steps.loss), accuracy: concat(run.steps.accuracy, u.steps.accuracy) };
  const fresh = decodeFrames(u.frames, schema, `update of ${u.name}`);
  const frames = schema === run.schema ? [...run.frames, ...fresh] : [...run.frames.map((f) => widenFrame(f, schema)), ...fresh];
  return { info: u.info, spec: run.spec, steps, epochs: [...run.epochs, ...u.epochs], schema, frames };
}

export function fromWire(w: WireRun): RunData {
  return { ...w, frames: decodeFrames(w.frames, w.schema, w.info.name) };
}

export interface Series {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** CSS class of the line: s0…s5 colours, plus "dashed" or "faint". */
  readonly className: string;
}

/** A per-frame value of layer `i` as a series over the recorded steps (NaN where the layer was not recorded). */
export function frameSeries(run: RunData, layer: number, pick: (f: NonNullable<RunData['frames'][number]['layers'][number]>) => number | null): { x: Float64Array; y: Float64Array } {
  const x = Float64Array.from(run.frames, (f) => f.step);
  const y = Float64Array.from(run.frames, (f) => {
    const l = f.layers[layer];
    const v = l ? pick(l) : null;
    return v === null ? NaN : v;
  });
  return { x, y };
}

export const layerValue = {
  batchMean: (run: RunData, i: number) => frameSeries(run, i, (l) => (l.batchMean ? average(l.batchMean) : null)),
  runningMean: (run: RunData, i: number) => frameSeries(run, i, (l) => (l.runningMean ? average(l.runningMean) : null)),
  batchVariance: (run: RunData, i: number) => frameSeries(run, i, (l) => (l.batchVariance ? average(l.batchVariance) : null)),
  runningVariance: (run: RunData, i: number) => frameSeries(run, i, (l) => (l.runningVariance ? average(l.runningVariance) : null)),
  gap: (run: RunData, i: number) => frameSeries(run, i, (l) => batchRunningGap(l)),
  dead: (run: RunData, i: number) => frameSeries(run, i, (l) => deadFraction(l, run.schema.layers[i])),
  zero: (run: RunData, i: number) => frameSeries(run, i, (l) => l.output.zeroFraction),
  inputMean: (run: RunData, i: number) => frameSeries(run, i, (l) => l.input.mean),
  inputStd: (run: RunData, i: number) => frameSeries(run, i, (l) => l.input.std),
  outputMean: (run: RunData, i: number) => frameSeries(run, i, (l) => l.output.mean),
  outputStd: (run: RunData, i: number) => frameSeries(run, i, (l) => l.output.std),
};

/** Gradient norms of one schema entry over the recorded steps. */
export function gradientSeries(run: RunData, k: number): { x: Float64Array; y: Float64Array } {
  return { x: Float64Array.from(run.frames, (f) => f.step), y: Float64Array.from(run.frames, (f) => f.gradients[k] ?? NaN) };
}

/** Epoch metrics as series (x = the step the epoch ended at). */
export function epochSeries(run: RunData, which: 'train' | 'validation', metric: 'loss' | 'accuracy'): { x: Float64Array; y: Float64Array } {
  const points = run.epochs.filter((e) => which === 'train' || e.validation);
  return { x: Float64Array.from(points, (e) => e.step), y: Float64Array.from(points, (e) => (which === 'train' ? e.train[metric] : e.validation?.[metric] ?? NaN)) };
}

/** A per-step series smoothed with an exponential moving average (TensorBoard's smoothing, weight 0.9). */
export function smoothed(values: ArrayLike<number>, weight = 0.9): Float64Array {
  const out = new Float64Array(values.length);
  let last = NaN;
  let debias = 0;
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = last;
      continue;
    }
    acc = acc * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    last = acc / debias;
    out[i] = last;
  }
  return out;
}

export function statusText(run: RunData): string {
  const i = run.info;
  const steps = `${i.steps}${i.totalSteps ? ` of ${i.totalSteps}` : ''} steps`;
  switch (i.status) {
    case 'running': return `training · ${steps}`;
    case 'paused': return `paused · ${steps}`;
    case 'completed': return `completed · ${steps}`;
    case 'stopped': return `stopped by you · ${steps} saved`;
    case 'interrupted': return `interrupted (the window closed mid-run) · ${steps} saved`;
    case 'failed': return `failed · ${steps}${i.error ? ` · ${i.error}` : ''}`;
  }
}
