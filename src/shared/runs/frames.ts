// Recorder StepRecords → StatsFrames against a growing schema, and the compact binary form of frames
// that a run keeps on disk (little-endian, no padding):
//
//   frame   := u32 step, u16 layerCount, layer × layerCount, u16 gradientCount, f32 × gradientCount
//   layer   := u8 flags (1 present, 2 batch statistics, 4 running statistics, 8 γ, 16 β),
//              [tensor input, tensor output, f32 × normChannels per array the flags announce]  (if present)
//   tensor  := u32 sampled, u32 nonFinite, u32 underflow, u32 overflow,
//              f32 min, max, mean, std, zeroFraction, saturatedFraction,
//              u32 × bins counts, f32 × channels channel means, f32 × channels channel variances
//
// bins, channels and normChannels come from the schema, which is stored beside the frames (the index):
// a frame never repeats what every frame has in common (names, edges, sizes).

import type { StepRecord, TensorSummary } from '../../engine/recorder';
import type { EncodedFrames, LayerFrame, LayerSchema, StatsFrame, StatsSchema, TensorFrame, TensorSchema } from './types';

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const f32 = (a: ArrayLike<number> | undefined): Float32Array | undefined => (a ? Float32Array.from(a) : undefined);

function tensorFrame(t: TensorSummary): TensorFrame {
  const h = t.histogram;
  return {
    counts: Uint32Array.from(h.counts), underflow: h.underflow, overflow: h.overflow, sampled: t.sampled, nonFinite: t.nonFinite,
    // Rounded to float32 here, as on disk, so a live run and the same run reopened show the same numbers.
    min: Math.fround(t.min), max: Math.fround(t.max), mean: Math.fround(t.mean), std: Math.fround(t.std),
    zeroFraction: Math.fround(t.zeroFraction), saturatedFraction: Math.fround(t.saturatedFraction),
    channelMean: Float32Array.from(t.channelMean), channelVariance: Float32Array.from(t.channelVariance),
  };
}

function tensorSchema(t: TensorSummary): TensorSchema {
  return { edges: Array.from(t.histogram.edges), channels: t.channelMean.length };
}

/**
 * The frame of a record, and the schema extended with whatever the record shows for the first time
 * (the same object when nothing is new, so a caller can tell whether to send the schema again).
 */
export function frameOf(record: StepRecord, schema: StatsSchema): { frame: StatsFrame; schema: StatsSchema } {
  let layers = schema.layers;
  let gradients = schema.gradients;
  const frameLayers: (LayerFrame | null)[] = new Array(layers.length).fill(null);
  for (const l of record.layers) {
    let index = layers.findIndex((s) => s.name === l.layerName);
    const n = l.normalization;
    const normChannels = Math.max(n?.gamma?.length ?? 0, n?.beta?.length ?? 0, n?.batchMean?.length ?? 0, n?.runningMean?.length ?? 0);
    if (index < 0) {
      const entry: LayerSchema = { name: l.layerName, kind: l.kind, input: tensorSchema(l.input), output: tensorSchema(l.output), normChannels };
      layers = [...layers, entry];
      index = layers.length - 1;
      frameLayers.push(null);
    }
    const s = layers[index];
    if (s.input.channels !== l.input.channelMean.length || s.output.channels !== l.output.channelMean.length || s.input.edges.length !== l.input.histogram.edges.length || s.output.edges.length !== l.output.histogram.edges.length) {
      // The recorder keeps a tensor's edges for the whole run; a changed shape would mean a different model.
      throw new FrameError(`layer ${l.layerName} changed shape at step ${record.step}`);
    }
    frameLayers[index] = {
      input: tensorFrame(l.input), output: tensorFrame(l.output),
      batchMean: f32(n?.batchMean), batchVariance: f32(n?.batchVariance), runningMean: f32(n?.runningMean), runningVariance: f32(n?.runningVariance),
      gamma: f32(n?.gamma), beta: f32(n?.beta),
    };
  }
  const values: number[] = new Array(gradients.length).fill(NaN);
  for (const g of record.gradients) {
    g.parameters.forEach((parameter, k) => {
      let i = gradients.findIndex((e) => e.layer === g.layerName && e.parameter === parameter);
      if (i < 0) {
        gradients = [...gradients, { layer: g.layerName, parameter }];
        i = gradients.length - 1;
        values.push(NaN);
      }
      values[i] = g.l2[k];
    });
  }
  const changed = layers !== schema.layers || gradients !== schema.gradients;
  return { frame: { step: record.step, layers: frameLayers, gradients: Float32Array.from(values) }, schema: changed ? { layers, gradients } : schema };
}

const FLAG_PRESENT = 1;
const FLAG_BATCH = 2;
const FLAG_RUNNING = 4;
const FLAG_GAMMA = 8;
const FLAG_BETA = 16;

function tensorBytes(t: TensorSchema): number {
  return 16 + 24 + 4 * (t.edges.length - 1) + 8 * t.channels;
}

/** Bytes of a frame's encoding. */
export function frameBytes(frame: StatsFrame, schema: StatsSchema): number {
  let n = 4 + 2 + 2 + 4 * frame.gradients.length;
  frame.layers.forEach((l, i) => {
    n += 1;
    if (!l) return;
    const s = schema.layers[i];
    n += tensorBytes(s.input) + tensorBytes(s.output);
    const arrays = (l.batchMean ? 2 : 0) + (l.runningMean ? 2 : 0) + (l.gamma ? 1 : 0) + (l.beta ? 1 : 0);
    n += arrays * 4 * s.normChannels;
  });
  return n;
}

class Writer {
  private at = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(v: number): void { this.view.setUint8(this.at, v); this.at += 1; }
  u16(v: number): void { this.view.setUint16(this.at, v, true); this.at += 2; }
  u32(v: number): void { this.view.setUint32(this.at, v, true); this.at += 4; }
  f32(v: number): void { this.view.setFloat32(this.at, v, true); this.at += 4; }
  array(a: ArrayLike<number>, length: number, what: string): void {
    if (a.length !== length) throw new FrameError(`${what} has ${a.length} entries, the schema says ${length}`);
    for (let i = 0; i < length; i++) this.f32(a[i]);
  }
  get offset(): number { return this.at; }
}

function writeTensor(w: Writer, t: TensorFrame, s: TensorSchema, what: string): void {
  w.u32(t.sampled);
  w.u32(t.nonFinite);
  w.u32(t.underflow);
  w.u32(t.overflow);
  for (const v of [t.min, t.max, t.mean, t.std, t.zeroFraction, t.saturatedFraction]) w.f32(v);
  const bins = s.edges.length - 1;
  if (t.counts.length !== bins) throw new FrameError(`${what}: ${t.counts.length} histogram bins, the schema says ${bins}`);
  for (let i = 0; i < bins; i++) w.u32(t.counts[i]);
  w.array(t.channelMean, s.channels, `${what} channel means`);
  w.array(t.channelVariance, s.channels, `${what} channel variances`);
}

export function encodeFrame(frame: StatsFrame, schema: StatsSchema): Uint8Array {
  if (frame.layers.length > schema.layers.length) throw new FrameError(`a frame of ${frame.layers.length} layers against a schema of ${schema.layers.length}`);
  if (frame.gradients.length > schema.gradients.length) throw new FrameError(`a frame of ${frame.gradients.length} gradient norms against a schema of ${schema.gradients.length}`);
  const w = new Writer(new Uint8Array(frameBytes(frame, schema)));
  w.u32(frame.step);
  w.u16(frame.layers.length);
  frame.layers.forEach((l, i) => {
    if (!l) {
      w.u8(0);
      return;
    }
    const s = schema.layers[i];
    w.u8(FLAG_PRESENT | (l.batchMean && l.batchVariance ? FLAG_BATCH : 0) | (l.runningMean && l.runningVariance ? FLAG_RUNNING : 0) | (l.gamma ? FLAG_GAMMA : 0) | (l.beta ? FLAG_BETA : 0));
    writeTensor(w, l.input, s.input, `${s.name} input`);
    writeTensor(w, l.output, s.output, `${s.name} output`);
    const arrays: [Float32Array | undefined, string][] = [];
    if (l.batchMean && l.batchVariance) arrays.push([l.batchMean, 'batch mean'], [l.batchVariance, 'batch variance']);
    if (l.runningMean && l.runningVariance) arrays.push([l.runningMean, 'running mean'], [l.runningVariance, 'running variance']);
    arrays.push([l.gamma, 'γ'], [l.beta, 'β']);
    for (const [a, what] of arrays) if (a) w.array(a, s.normChannels, `${s.name} ${what}`);
  });
  w.u16(frame.gradients.length);
  for (const g of frame.gradients) w.f32(g);
  if (w.offset !== w.bytes.length) throw new FrameError(`encoded ${w.offset} of ${w.bytes.length} bytes`);
  return w.bytes;
}

class Reader {
  private at: number;
  private readonly view: DataView;
  constructor(bytes: Uint8Array, private readonly end: number, start: number, private readonly where: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = start;
  }
  private need(n: number): void {
    if (this.at + n > this.end) throw new FrameError(`${this.where}: the frame ends at byte ${this.end}, reading ${n} more bytes at ${this.at}`);
  }
  u8(): number { this.need(1); return this.view.getUint8(this.at++); }
  u16(): number { this.need(2); const v = this.view.getUint16(this.at, true); this.at += 2; return v; }
  u32(): number { this.need(4); const v = this.view.getUint32(this.at, true); this.at += 4; return v; }
  f32(): number { this.need(4); const v = this.view.getFloat32(this.at, true); this.at += 4; return v; }
  f32s(n: number): Float32Array { this.need(4 * n); const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = this.f32(); return a; }
  u32s(n: number): Uint32Array { this.need(4 * n); const a = new Uint32Array(n); for (let i = 0; i < n; i++) a[i] = this.u32(); return a; }
  get offset(): number { return this.at; }
}

function readTensor(r: Reader, s: TensorSchema): TensorFrame {
  const sampled = r.u32();
  const nonFinite = r.u32();
  const underflow = r.u32();
  const overflow = r.u32();
  const [min, max, mean, std, zeroFraction, saturatedFraction] = [r.f32(), r.f32(), r.f32(), r.f32(), r.f32(), r.f32()];
  const counts = r.u32s(s.edges.length - 1);
  return { sampled, nonFinite, underflow, overflow, min, max, mean, std, zeroFraction, saturatedFraction, counts, channelMean: r.f32s(s.channels), channelVariance: r.f32s(s.channels) };
}

/** Decodes the frame in bytes[offset, offset + length). `where` names the file for error messages. */
export function decodeFrame(bytes: Uint8Array, offset: number, length: number, schema: StatsSchema, where: string): StatsFrame {
  const r = new Reader(bytes, offset + length, offset, where);
  const step = r.u32();
  const layerCount = r.u16();
  if (layerCount > schema.layers.length) throw new FrameError(`${where}: frame of step ${step} has ${layerCount} layers, the index lists ${schema.layers.length}`);
  const layers: (LayerFrame | null)[] = [];
  for (let i = 0; i < layerCount; i++) {
    const flags = r.u8();
    if (!(flags & FLAG_PRESENT)) {
      layers.push(null);
      continue;
    }
    const s = schema.layers[i];
    const input = readTensor(r, s.input);
    const output = readTensor(r, s.output);
    const c = s.normChannels;
    const batch = flags & FLAG_BATCH ? [r.f32s(c), r.f32s(c)] : undefined;
    const running = flags & FLAG_RUNNING ? [r.f32s(c), r.f32s(c)] : undefined;
    const gamma = flags & FLAG_GAMMA ? r.f32s(c) : undefined;
    const beta = flags & FLAG_BETA ? r.f32s(c) : undefined;
    layers.push({ input, output, batchMean: batch?.[0], batchVariance: batch?.[1], runningMean: running?.[0], runningVariance: running?.[1], gamma, beta });
  }
  while (layers.length < schema.layers.length) layers.push(null);
  const gradientCount = r.u16();
  if (gradientCount > schema.gradients.length) throw new FrameError(`${where}: frame of step ${step} has ${gradientCount} gradient norms, the index lists ${schema.gradients.length}`);
  const gradients = new Float32Array(schema.gradients.length).fill(NaN);
  for (let i = 0; i < gradientCount; i++) gradients[i] = r.f32();
  if (r.offset !== offset + length) throw new FrameError(`${where}: frame of step ${step} is ${length} bytes but its contents take ${r.offset - offset}`);
  return { step, layers, gradients };
}

/** A frame extended to a later (larger) schema, so every frame of a run lines up with its final schema. */
export function widenFrame(frame: StatsFrame, schema: StatsSchema): StatsFrame {
  if (frame.layers.length === schema.layers.length && frame.gradients.length === schema.gradients.length) return frame;
  const layers = [...frame.layers];
  while (layers.length < schema.layers.length) layers.push(null);
  const gradients = new Float32Array(schema.gradients.length).fill(NaN);
  gradients.set(frame.gradients);
  return { step: frame.step, layers, gradients };
}

export function encodeFrames(frames: readonly StatsFrame[], schema: StatsSchema): EncodedFrames {
  const parts = frames.map((f) => encodeFrame(f, schema));
  const index = new Uint32Array(2 * parts.length);
  let total = 0;
  parts.forEach((p, i) => {
    index[2 * i] = total;
    index[2 * i + 1] = p.length;
    total += p.length;
  });
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, index[2 * i]));
  return { bytes, index };
}

/** The frames of encodeFrames(), each widened to `schema` (which may have grown since they were encoded). */
export function decodeFrames(encoded: EncodedFrames, schema: StatsSchema, where: string): StatsFrame[] {
  const out: StatsFrame[] = [];
  for (let i = 0; i < encoded.index.length; i += 2) out.push(widenFrame(decodeFrame(encoded.bytes, encoded.index[i], encoded.index[i + 1], schema, where), schema));
  return out;
}
