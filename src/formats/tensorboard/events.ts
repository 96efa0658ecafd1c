// The few messages of TensorFlow's event.proto, summary.proto, tensor.proto and tensor_shape.proto
// that carry scalars and histograms, decoded by field number:
//   Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Summary.Value { string tag = 1; float simple_value = 2; HistogramProto histo = 5;
//                   TensorProto tensor = 8; SummaryMetadata metadata = 9; }
//   SummaryMetadata { PluginData plugin_data = 1; }   PluginData { string plugin_name = 1; }
//   HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
//                    repeated double bucket_limit = 6, bucket = 7; }
//   TensorProto { DataType dtype = 1; TensorShapeProto tensor_shape = 2; bytes tensor_content = 4;
//                 repeated float float_val = 5; repeated double double_val = 6; repeated int32 half_val = 13; }
//   TensorShapeProto { repeated Dim dim = 2; }   Dim { int64 size = 1; }

import type { ErrorFactory } from '../errors';
import type { HistogramPoint, ScalarPoint } from '../model';
import { WireReader } from '../protobuf';
import { float16ToFloat32 } from '../tensor';

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_HALF = 19;

interface TfTensor { dtype: number; shape: number[]; content: Uint8Array | null; floats: Uint8Array[]; doubles: Uint8Array[]; halves: number[] }

function parseTensor(r: WireReader): TfTensor {
  const t: TfTensor = { dtype: 0, shape: [], content: null, floats: [], doubles: [], halves: [] };
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: t.dtype = r.varint(f); break;
      case 2: {
        const shape = r.message(f, `${r.where}.tensor_shape`);
        for (let g = shape.next(); g; g = shape.next()) {
          if (g.number !== 2) { shape.skip(g); continue; }
          const dim = shape.message(g, shape.where);
          let size = -1;
          for (let h = dim.next(); h; h = dim.next()) {
            if (h.number === 1) size = dim.varint(h);
            else dim.skip(h);
          }
          t.shape.push(size);
        }
        break;
      }
      case 4: t.content = r.bytesField(f); break;
      case 5: t.floats.push(r.fixedRaw(f, 4)); break;
      case 6: t.doubles.push(r.fixedRaw(f, 8)); break;
      case 13: r.repeatedVarints(f, t.halves); break;
      default: r.skip(f);
    }
  }
  return t;
}

/** A float/double/half tensor's values, from tensor_content or the typed fields. */
function tensorValues(t: TfTensor, fail: ErrorFactory, where: string): number[] {
  const out: number[] = [];
  const read = (raw: Uint8Array, width: 4 | 8): void => {
    if (raw.length % width) throw fail(`tensor data of ${raw.length} bytes is not a whole number of ${width}-byte values`, where);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < raw.length; i += width) out.push(width === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
  };
  if (t.dtype === DT_FLOAT) {
    if (t.content) read(t.content, 4);
    else for (const run of t.floats) read(run, 4);
  } else if (t.dtype === DT_DOUBLE) {
    if (t.content) read(t.content, 8);
    else for (const run of t.doubles) read(run, 8);
  } else if (t.dtype === DT_HALF) {
    if (t.content) {
      const view = new DataView(t.content.buffer, t.content.byteOffset, t.content.byteLength);
      for (let i = 0; i + 1 < t.content.length; i += 2) out.push(float16ToFloat32(view.getUint16(i, true)));
    } else for (const h of t.halves) out.push(float16ToFloat32(h));
  } else {
    throw fail(`a summary tensor of TensorFlow dtype ${t.dtype}; scalars and histograms are float, double or half`, where);
  }
  return out;
}

interface ClassicHistogram { min: number; max: number; num: number; sum: number; sumSquares: number; limits: number[]; counts: number[] }

function parseHistogram(r: WireReader): ClassicHistogram {
  const h: ClassicHistogram = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, limits: [], counts: [] };
  const doubles = (raw: Uint8Array, into: number[]): void => {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i + 8 <= raw.length; i += 8) into.push(view.getFloat64(i, true));
  };
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: h.min = r.double(f); break;
      case 2: h.max = r.double(f); break;
      case 3: h.num = r.double(f); break;
      case 4: h.sum = r.double(f); break;
      case 5: h.sumSquares = r.double(f); break;
      case 6: doubles(r.fixedRaw(f, 8), h.limits); break;
      case 7: doubles(r.fixedRaw(f, 8), h.counts); break;
      default: r.skip(f);
    }
  }
  return h;
}

/**
 * Bucket i of a HistogramProto spans bucket_limit[i-1] .. bucket_limit[i]; the first bucket starts at
 * -DBL_MAX in the proto's terms. As TensorBoard does, the outer edges become the data's min and max
 * (never inside the neighbouring limit, so edges stay in order).
 */
export function classicEdges(h: { min: number; max: number; limits: readonly number[] }): number[] {
  const k = h.limits.length;
  if (k === 0) return [];
  if (k === 1) return [Math.min(h.min, h.limits[0]), Math.max(h.max, h.limits[0])];
  return [Math.min(h.min, h.limits[0]), ...h.limits.slice(0, k - 1), Math.max(h.max, h.limits[k - 2])];
}

export interface EventPoints {
  fileVersion: string | null;
  scalars: ScalarPoint[];
  histograms: HistogramPoint[];
}

function parseValue(r: WireReader, step: number, wallTime: number, fail: ErrorFactory, out: EventPoints): void {
  let tag = '';
  let simple: number | null = null;
  let histo: ClassicHistogram | null = null;
  let tensor: TfTensor | null = null;
  let plugin = '';
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: tag = r.string(f); break;
      case 2: simple = r.float(f); break;
      case 5: histo = parseHistogram(r.message(f, `${r.where}.histo`)); break;
      case 8: tensor = parseTensor(r.message(f, `${r.where}.tensor`)); break;
      case 9: {
        const meta = r.message(f, `${r.where}.metadata`);
        for (let g = meta.next(); g; g = meta.next()) {
          if (g.number !== 1) { meta.skip(g); continue; }
          const pluginData = meta.message(g, meta.where);
          for (let h = pluginData.next(); h; h = pluginData.next()) {
            if (h.number === 1) plugin = pluginData.string(h);
            else pluginData.skip(h);
          }
        }
        break;
      }
      default: r.skip(f);
    }
  }
  const where = `${r.where} '${tag}'`;
  if (simple !== null) out.scalars.push({ tag, step, wallTime, value: simple });
  else if (histo) {
    if (histo.counts.length !== histo.limits.length) throw fail(`a histogram with ${histo.limits.length} bucket limits and ${histo.counts.length} counts`, where);
    out.histograms.push({ tag, step, wallTime, min: histo.min, max: histo.max, num: histo.num, sum: histo.sum, sumSquares: histo.sumSquares, edges: classicEdges(histo), counts: histo.counts });
  } else if (tensor && plugin === 'histograms') {
    // TF2: rows of (left edge, right edge, count).
    const v = tensorValues(tensor, fail, where);
    if (tensor.shape.length !== 2 || tensor.shape[1] !== 3 || v.length !== tensor.shape[0] * 3) {
      throw fail(`a histogram tensor of shape [${tensor.shape.join(',')}] with ${v.length} values; expected [k,3]`, where);
    }
    const k = tensor.shape[0];
    const counts = Array.from({ length: k }, (_, i) => v[3 * i + 2]);
    const edges = k === 0 ? [] : [v[0], ...Array.from({ length: k }, (_, i) => v[3 * i + 1])];
    out.histograms.push({
      tag, step, wallTime, min: k ? v[0] : null, max: k ? v[3 * k - 2] : null, num: counts.reduce((a, b) => a + b, 0),
      sum: null, sumSquares: null, edges, counts,
    });
  } else if (tensor && (plugin === 'scalars' || plugin === '') && tensor.shape.length === 0 && (tensor.dtype === DT_FLOAT || tensor.dtype === DT_DOUBLE || tensor.dtype === DT_HALF)) {
    const v = tensorValues(tensor, fail, where);
    if (v.length === 1) out.scalars.push({ tag, step, wallTime, value: v[0] });
  }
}

/** Adds one Event record's scalars and histograms to `out`. */
export function parseEvent(data: Uint8Array, offset: number, fail: ErrorFactory, out: EventPoints): void {
  const r = new WireReader(data, fail, `event at byte ${offset}`, offset);
  let wallTime = 0;
  let step = 0;
  const summaries: WireReader[] = [];
  for (let f = r.next(); f; f = r.next()) {
    switch (f.number) {
      case 1: wallTime = r.double(f); break;
      case 2: step = r.varint(f); break;
      case 3: out.fileVersion = r.string(f); break;
      case 5: summaries.push(r.message(f, `event at byte ${offset} summary`)); break;
      default: r.skip(f);
    }
  }
  // step may come after the summary in the bytes, so summaries are read once the event is known.
  for (const s of summaries) {
    let i = 0;
    for (let f = s.next(); f; f = s.next()) {
      if (f.number === 1) parseValue(s.message(f, `${s.where}.value[${i++}]`), step, wallTime, fail, out);
      else s.skip(f);
    }
  }
}
