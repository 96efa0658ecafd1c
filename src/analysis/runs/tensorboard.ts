// A run as a TensorBoard event file, so `tensorboard --logdir` shows BN Lens' scalars and histograms.
// TFRecord framing with masked CRC-32C (the readers' own implementation, src/formats/tensorboard/crc32c)
// around Event protos:
//   Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; HistogramProto histo = 5; }
//   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5; repeated double bucket_limit = 6 [packed], bucket = 7 [packed]; }
// A recorded histogram (fixed edges e0…eB plus under- and overflow counts) becomes the buckets
// (−∞, e0], (e0, e1], …, (eB−1, eB], (eB, DBL_MAX]: nothing sampled is dropped.

import { maskedCrc32c } from '../../formats/tensorboard/crc32c';
import { average, batchRunningGap, deadFraction, isNormalizationKind } from '../../shared/runs/derived';
import type { RunData, TensorFrame } from '../../shared/runs/types';

class ProtoWriter {
  private readonly parts: number[] = [];
  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }
  varint(v: number | bigint): void {
    let x = BigInt(v);
    if (x < 0n) x += 1n << 64n;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.parts.push(b);
    } while (x > 0n);
  }
  double(field: number, v: number): void {
    this.tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.parts.push(...b);
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(...b);
  }
  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.parts.push(b);
  }
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }
  packedDoubles(field: number, values: readonly number[]): void {
    const b = new Uint8Array(8 * values.length);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat64(8 * i, v, true));
    this.bytes(field, b);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

type SummaryValue = { tag: string; scalar: number } | { tag: string; histogram: Histo };

interface Histo {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  limits: number[];
  counts: number[];
}

function encodeValue(v: SummaryValue): Uint8Array {
  const w = new ProtoWriter();
  w.string(1, v.tag);
  if ('scalar' in v) w.float(2, v.scalar);
  else {
    const h = new ProtoWriter();
    h.double(1, v.histogram.min);
    h.double(2, v.histogram.max);
    h.double(3, v.histogram.num);
    h.double(4, v.histogram.sum);
    h.double(5, v.histogram.sumSquares);
    h.packedDoubles(6, v.histogram.limits);
    h.packedDoubles(7, v.histogram.counts);
    w.bytes(5, h.finish());
  }
  return w.finish();
}

function encodeEvent(wallTime: number, step: number, values: SummaryValue[], fileVersion?: string): Uint8Array {
  const w = new ProtoWriter();
  w.double(1, wallTime);
  w.int(2, step);
  if (fileVersion !== undefined) w.string(3, fileVersion);
  if (values.length) {
    const s = new ProtoWriter();
    for (const v of values) s.bytes(1, encodeValue(v));
    w.bytes(5, s.finish());
  }
  return w.finish();
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data (little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

const DBL_MAX = Number.MAX_VALUE;

function recordedHistogram(t: TensorFrame, edges: readonly number[]): Histo {
  const num = t.sampled;
  return {
    min: Number.isFinite(t.min) ? t.min : edges[0],
    max: Number.isFinite(t.max) ? t.max : edges[edges.length - 1],
    num,
    sum: t.mean * num,
    sumSquares: (t.std * t.std + t.mean * t.mean) * num,
    limits: [...edges, DBL_MAX],
    counts: [t.underflow, ...t.counts, t.overflow],
  };
}

/** A histogram of a per-channel vector (γ, β) over 30 equal buckets between its min and max. */
function vectorHistogram(values: Float32Array): Histo | null {
  const finite = Array.from(values).filter(Number.isFinite);
  if (!finite.length) return null;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const buckets = 30;
  const width = (max - min) / buckets || 1;
  const limits = Array.from({ length: buckets }, (_, i) => (i === buckets - 1 ? Math.max(max, min + width * buckets) : min + width * (i + 1)));
  const counts = new Array<number>(buckets).fill(0);
  for (const v of finite) counts[Math.min(buckets - 1, Math.max(0, Math.ceil((v - min) / width) - 1))]++;
  const sum = finite.reduce((a, b) => a + b, 0);
  return { min, max, num: finite.length, sum, sumSquares: finite.reduce((a, b) => a + b * b, 0), limits, counts };
}

/** The event file's name, as TensorFlow names them (tensorboard --logdir finds files by "tfevents"). */
export function eventFileName(run: RunData): string {
  return `events.out.tfevents.${Math.floor(Date.parse(run.info.createdAt) / 1000)}.bnlens.${run.info.name}`;
}

/** The whole run as one event file: per-step loss/accuracy, epoch metrics, and per recorded step the layers' histograms and scalars. */
export function tensorboardEventFile(run: RunData): Uint8Array {
  const start = Date.parse(run.info.createdAt) / 1000;
  const lastStep = Math.max(1, run.info.steps);
  // Only the run's total wall time is kept, so steps are spread evenly over it.
  const wallOf = (step: number): number => start + (run.info.wallMs / 1000) * (step / lastStep);
  const records: Uint8Array[] = [tfRecord(encodeEvent(start, 0, [], 'brain.Event:2'))];
  const byStep = new Map<number, SummaryValue[]>();
  const add = (step: number, value: SummaryValue): void => {
    const list = byStep.get(step) ?? [];
    list.push(value);
    byStep.set(step, list);
  };
  const { step, loss, accuracy } = run.steps;
  for (let i = 0; i < step.length; i++) {
    if (Number.isFinite(loss[i])) add(step[i], { tag: 'train/loss_step', scalar: loss[i] });
    add(step[i], { tag: 'train/accuracy_step', scalar: accuracy[i] });
  }
  for (const e of run.epochs) {
    add(e.step, { tag: 'epoch/train_loss', scalar: e.train.loss });
    add(e.step, { tag: 'epoch/train_accuracy', scalar: e.train.accuracy });
    if (e.validation) {
      add(e.step, { tag: 'epoch/validation_loss', scalar: e.validation.loss });
      add(e.step, { tag: 'epoch/validation_accuracy', scalar: e.validation.accuracy });
    }
  }
  for (const frame of run.frames) {
    frame.layers.forEach((l, i) => {
      if (!l) return;
      const s = run.schema.layers[i];
      const norm = isNormalizationKind(s.kind);
      add(frame.step, { tag: `${s.name}/${norm ? 'pre_norm' : 'input'}`, histogram: recordedHistogram(l.input, s.input.edges) });
      add(frame.step, { tag: `${s.name}/${norm ? 'post_norm' : 'output'}`, histogram: recordedHistogram(l.output, s.output.edges) });
      for (const [name, values] of [['gamma', l.gamma], ['beta', l.beta]] as const) {
        const h = values && vectorHistogram(values);
        if (h) add(frame.step, { tag: `${s.name}/${name}`, histogram: h });
      }
      const dead = deadFraction(l, s);
      if (dead !== null) add(frame.step, { tag: `${s.name}/dead_fraction`, scalar: dead });
      const gap = batchRunningGap(l);
      if (gap !== null) add(frame.step, { tag: `${s.name}/batch_vs_running_mean_gap`, scalar: gap });
      if (l.runningVariance) add(frame.step, { tag: `${s.name}/running_variance_mean`, scalar: average(l.runningVariance) });
      if (l.batchVariance) add(frame.step, { tag: `${s.name}/batch_variance_mean`, scalar: average(l.batchVariance) });
    });
    run.schema.gradients.forEach((g, k) => {
      const v = frame.gradients[k];
      if (Number.isFinite(v)) add(frame.step, { tag: `grad_norm/${g.layer}.${g.parameter}`, scalar: v });
    });
  }
  for (const s of [...byStep.keys()].sort((a, b) => a - b)) records.push(tfRecord(encodeEvent(wallOf(s), s, byStep.get(s) ?? [])));
  if (run.info.finalValidation) {
    const values: SummaryValue[] = [{ tag: 'final/validation_accuracy_eval_mode', scalar: run.info.finalValidation.accuracy }];
    if (run.info.finalValidationTrainMode) values.push({ tag: 'final/validation_accuracy_train_mode', scalar: run.info.finalValidationTrainMode.accuracy });
    records.push(tfRecord(encodeEvent(wallOf(lastStep), lastStep, values)));
  }
  const total = records.reduce((a, r) => a + r.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of records) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
