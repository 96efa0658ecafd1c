// TensorInfo for ONNX TensorProtos. Sizes are checked when the model is read; values are decoded
// only when asked for, from raw_data, the typed repeated fields, or an external data file that the
// reader loaded next to the model.

import type { TensorDType, TensorInfo } from '../model';
import { OnnxError } from '../errors';
import { WireReader } from '../protobuf';
import { BYTES_PER_ELEMENT, bfloat16ToFloat32, decodeRaw, elementCount, float16ToFloat32, isWideDType, lazyTensor, type FloatValues } from '../tensor';
import { DATA_LOCATION_EXTERNAL, parseTensor, type OnnxTensor, type VarintData } from './proto';

const DTYPES: Record<number, TensorDType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export function onnxDType(code: number): TensorDType {
  return DTYPES[code] ?? 'other';
}

/** External data files by the location written in the model, loaded by the reader. */
export type ExternalFiles = ReadonlyMap<string, Uint8Array>;

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function varints(file: string, parts: VarintData, where: string): number[] {
  const out: number[] = [];
  const fail = (problem: string, w?: string): OnnxError => new OnnxError(file, problem, w);
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else WireReader.packedVarints(p, fail, where, 0, out);
  }
  return out;
}

/** Where an external tensor's bytes are: its file's bytes and the range in them. */
export function externalRange(file: string, t: OnnxTensor, external: ExternalFiles, byteCount: number): Uint8Array {
  const location = t.externalData.get('location') ?? '';
  const data = external.get(location);
  if (!data) throw new OnnxError(file, `tensor '${t.name}' keeps its data in '${location}', which was not loaded`, t.where);
  const offset = Number(t.externalData.get('offset') ?? '0');
  const length = t.externalData.has('length') ? Number(t.externalData.get('length')) : byteCount;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new OnnxError(file, `tensor '${t.name}' has external offset '${t.externalData.get('offset')}' and length '${t.externalData.get('length')}', which are not byte counts`, t.where);
  }
  if (offset + length > data.length) {
    throw new OnnxError(file, `tensor '${t.name}' reads bytes ${offset}..${offset + length} of '${location}', which has ${data.length} bytes`, t.where);
  }
  if (length !== byteCount) {
    throw new OnnxError(file, `tensor '${t.name}' of shape [${t.dims.join(',')}] needs ${byteCount} bytes, its external data has length ${length}`, t.where);
  }
  return data.subarray(offset, offset + length);
}

/**
 * The tensor's values from whichever field holds them (onnx.proto3: float_data for float, double_data
 * for double, int64_data for int64, uint64_data for uint32/uint64, int32_data for the other kinds,
 * float16 and bfloat16 as their bit patterns).
 */
function decodeTyped(file: string, t: OnnxTensor, dtype: TensorDType, count: number): FloatValues {
  const mismatch = (n: number): OnnxError =>
    new OnnxError(file, `tensor '${t.name}' of shape [${t.dims.join(',')}] needs ${count} values, the file holds ${n}`, t.where);
  if (dtype === 'float32' || dtype === 'float64') {
    const raw = concat(dtype === 'float32' ? t.floatData : t.doubleData);
    const width = dtype === 'float32' ? 4 : 8;
    if (raw.length !== count * width) throw mismatch(Math.floor(raw.length / width));
    return decodeRaw(raw, dtype, count);
  }
  const source = dtype === 'int64' ? t.int64Data : dtype === 'uint32' || dtype === 'uint64' ? t.uint64Data : t.int32Data;
  const values = varints(file, source, t.where);
  if (values.length !== count) throw mismatch(values.length);
  const out = isWideDType(dtype) ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    out[i] = dtype === 'float16' ? float16ToFloat32(v) : dtype === 'bfloat16' ? bfloat16ToFloat32(v) : dtype === 'bool' ? (v ? 1 : 0) : v;
  }
  return out;
}

/** A lazily decoded TensorInfo, named `name` (a Constant node's output) or the tensor's own name. */
export function onnxTensorInfo(file: string, t: OnnxTensor, external: ExternalFiles, name = t.name): TensorInfo {
  const dtype = onnxDType(t.dataType);
  const shape = t.dims;
  const width = BYTES_PER_ELEMENT[dtype];
  const notNumeric = (): OnnxError => new OnnxError(file, `tensor '${t.name}' has data type ${t.dataType} (${dtype}), which is not numeric`, t.where);
  if (width === undefined) return lazyTensor(name, dtype, shape, () => { throw notNumeric(); });
  const count = elementCount(shape);
  if (Number.isNaN(count)) throw new OnnxError(file, `tensor '${t.name}' has invalid dims [${shape.join(',')}]`, t.where);
  if (t.dataLocation === DATA_LOCATION_EXTERNAL) {
    const raw = externalRange(file, t, external, count * width);
    return lazyTensor(name, dtype, shape, () => decodeRaw(raw, dtype, count));
  }
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    if (raw.length !== count * width) {
      throw new OnnxError(file, `tensor '${t.name}' of shape [${shape.join(',')}] needs ${count * width} bytes of ${dtype}, raw_data has ${raw.length}`, t.where);
    }
    return lazyTensor(name, dtype, shape, () => decodeRaw(raw, dtype, count));
  }
  return lazyTensor(name, dtype, shape, () => decodeTyped(file, t, dtype, count));
}

/** A serialized TensorProto on its own (the ONNX node tests' input_K.pb / output_K.pb files). */
export function readTensorProto(file: string, bytes: Uint8Array): TensorInfo {
  const t = parseTensor(new WireReader(bytes, (problem, where) => new OnnxError(file, problem, where), 'TensorProto'));
  return onnxTensorInfo(file, t, new Map());
}
