// Tensor values shared by every reader: the byte width of each dtype, decoding little-endian raw bytes
// into floats, and TensorInfo objects that decode only when values() is first called.

import type { TensorDType, TensorInfo } from './model';
import type { ErrorFactory } from './errors';

export const BYTES_PER_ELEMENT: Partial<Record<TensorDType, number>> = {
  float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, bool: 1, float16: 2,
  float64: 8, uint32: 4, uint64: 8, bfloat16: 2,
};

export type FloatValues = Float32Array | Float64Array;

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bfloat16View = new DataView(new ArrayBuffer(4));
export function bfloat16ToFloat32(b: number): number {
  bfloat16View.setUint32(0, (b & 0xffff) << 16);
  return bfloat16View.getFloat32(0);
}

/** The element count of a shape; NaN when a dimension is negative, fractional or the count is not safe. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return NaN;
    n *= d;
  }
  return Number.isSafeInteger(n) ? n : NaN;
}

export function isWideDType(dtype: TensorDType): boolean {
  return dtype === 'float64' || dtype === 'int64' || dtype === 'uint64';
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Reads `count` little-endian values of `dtype` from raw bytes into floats. The caller has checked
 * that raw holds count × width bytes.
 */
export function decodeRaw(raw: Uint8Array, dtype: TensorDType, count: number): FloatValues {
  // The common case, float32 at an aligned offset, is one copy.
  if (dtype === 'float32' && littleEndianHost && raw.byteOffset % 4 === 0) {
    return new Float32Array(raw.buffer, raw.byteOffset, count).slice();
  }
  if (dtype === 'float64' && littleEndianHost && raw.byteOffset % 8 === 0) {
    return new Float64Array(raw.buffer, raw.byteOffset, count).slice();
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = isWideDType(dtype) ? new Float64Array(count) : new Float32Array(count);
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
      default: throw new RangeError(`decodeRaw called with non-numeric dtype ${dtype}`);
    }
  }
  return out;
}

/** A TensorInfo whose values() runs `load` once, on first call. */
export function lazyTensor(name: string, dtype: TensorDType, shape: readonly number[], load: () => FloatValues): TensorInfo {
  let cached: FloatValues | undefined;
  return { name, dtype, shape, values: () => (cached ??= load()) };
}

/**
 * A TensorInfo over raw little-endian bytes (a view into the file, not a copy). The byte count is
 * checked here, so a mismatch shows when the file is read, not later when values are asked for.
 */
export function rawTensor(
  name: string, dtype: TensorDType, shape: readonly number[], raw: Uint8Array, fail: ErrorFactory, where: string,
): TensorInfo {
  const width = BYTES_PER_ELEMENT[dtype];
  if (width === undefined) throw fail(`tensor '${name}' has dtype ${dtype}, which BN Lens cannot read as numbers`, where);
  const count = elementCount(shape);
  if (Number.isNaN(count)) throw fail(`tensor '${name}' has an invalid shape [${shape.join(',')}]`, where);
  if (raw.length !== count * width) {
    throw fail(`tensor '${name}' of shape [${shape.join(',')}] needs ${count * width} bytes of ${dtype}, the file has ${raw.length}`, where);
  }
  return lazyTensor(name, dtype, shape, () => decodeRaw(raw, dtype, count));
}

/** The first bytes of a file in hex, for messages about a wrong signature. */
export function hexHead(bytes: Uint8Array, n = 8): string {
  if (bytes.length === 0) return 'nothing (the file is empty)';
  return [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
