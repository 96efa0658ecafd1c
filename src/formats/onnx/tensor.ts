// Decoding onnx.TensorProto values. Values are decoded lazily: a reader builds TensorInfo objects
// whose values() runs this only when someone asks (big convolution weights usually never are).

import { onnx } from 'onnx-proto';
import type { TensorDType, TensorInfo } from '../model';
import { OnnxError } from '../errors';
import { toNumber } from './long';

const DTYPES: Record<number, TensorDType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

const BYTES_PER_ELEMENT: Partial<Record<TensorDType, number>> = {
  float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, bool: 1, float16: 2,
  float64: 8, uint32: 4, uint64: 8, bfloat16: 2,
};

export function onnxDType(code: number): TensorDType {
  return DTYPES[code] ?? 'other';
}

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

export function bfloat16ToFloat32(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, b << 16);
  return view.getFloat32(0);
}

/** Reads `count` little-endian values of `dtype` from raw bytes into floats. */
export function decodeRaw(raw: Uint8Array, dtype: TensorDType, count: number): Float32Array | Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = dtype === 'float64' || dtype === 'int64' || dtype === 'uint64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float32': out[i] = view.getFloat32(i * 4, true); break;
      case 'float64': out[i] = view.getFloat64(i * 8, true); break;
      case 'float16': out[i] = float16ToFloat32(view.getUint16(i * 2, true)); break;
      case 'bfloat16': out[i] = bfloat16ToFloat32(view.getUint16(i * 2, true)); break;
      case 'int8': out[i] = view.getInt8(i); break;
      case 'uint8': case 'bool': out[i] = view.getUint8(i); break;
      case 'int16': out[i] = view.getInt16(i * 2, true); break;
      case 'uint16': out[i] = view.getUint16(i * 2, true); break;
      case 'int32': out[i] = view.getInt32(i * 4, true); break;
      case 'uint32': out[i] = view.getUint32(i * 4, true); break;
      case 'int64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'uint64': out[i] = Number(view.getBigUint64(i * 8, true)); break;
      default: throw new RangeError(`cannot decode ${dtype} as numbers`);
    }
  }
  return out;
}

function decodeTensor(file: string, t: onnx.ITensorProto, where: string): Float32Array | Float64Array {
  const dtype = onnxDType(t.dataType ?? 0);
  const shape = (t.dims ?? []).map(toNumber);
  const count = shape.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new OnnxError(file, `tensor '${t.name}' keeps its data in an external file, which this reader does not load`, where);
  }
  const width = BYTES_PER_ELEMENT[dtype];
  if (width === undefined) throw new OnnxError(file, `tensor '${t.name}' has data type ${t.dataType} (${dtype}), which is not numeric`, where);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count * width) {
      throw new OnnxError(file, `tensor '${t.name}' of shape [${shape.join(',')}] needs ${count * width} bytes of ${dtype}, raw_data has ${t.rawData.length}`, where);
    }
    return decodeRaw(t.rawData, dtype, count);
  }
  // Typed fields: which one holds the values depends on the data type (onnx.proto3 comments).
  let values: ArrayLike<number | { toNumber(): number }> | undefined;
  if (dtype === 'float32') values = t.floatData ?? undefined;
  else if (dtype === 'float64') values = t.doubleData ?? undefined;
  else if (dtype === 'int64') values = t.int64Data ?? undefined;
  else if (dtype === 'uint32' || dtype === 'uint64') values = t.uint64Data ?? undefined;
  else values = t.int32Data ?? undefined; // int8/16/32, uint8/16, bool, float16 and bfloat16 bits
  const n = values?.length ?? 0;
  if (n !== count) {
    throw new OnnxError(file, `tensor '${t.name}' of shape [${shape.join(',')}] needs ${count} values, the file holds ${n}`, where);
  }
  const out = dtype === 'float64' || dtype === 'int64' || dtype === 'uint64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v = toNumber(values![i]);
    out[i] = dtype === 'float16' ? float16ToFloat32(v) : dtype === 'bfloat16' ? bfloat16ToFloat32(v) : v;
  }
  return out;
}

export function tensorInfo(file: string, t: onnx.ITensorProto, where: string): TensorInfo {
  let cached: Float32Array | Float64Array | undefined;
  return {
    name: t.name ?? '',
    dtype: onnxDType(t.dataType ?? 0),
    shape: (t.dims ?? []).map(toNumber),
    values: () => (cached ??= decodeTensor(file, t, where)),
  };
}
