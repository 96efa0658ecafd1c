// NumPy .npy arrays and .npz archives (a zip of .npy files): the input format of `bnlens forward` and the
// probe. Only numeric little-endian (or byte-sized) C-order arrays; a Fortran-order or object array is
// refused with a message, since a pickle inside an .npy would mean running code from the file.

import { FormatError } from './errors';
import { BYTES_PER_ELEMENT, decodeRaw, elementCount, hexHead, type FloatValues } from './tensor';
import { ZipArchive, looksLikeZip } from './zip';
import type { TensorDType } from './model';
import { parsePyLiteral, PyLiteralError, type PyLiteral } from './pyLiteral';

export class NpyError extends FormatError {
  constructor(file: string, problem: string, where?: string) {
    super('unknown', file, problem, where);
    this.name = 'NpyError';
  }
}

export interface NpyArray {
  readonly dtype: TensorDType;
  readonly shape: readonly number[];
  /** float64 stays float64 (also int64); every other dtype becomes float32. */
  readonly data: FloatValues;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy's type strings ('<f4', '|u1', …) for the dtypes we read. */
const DESCR: Record<string, TensorDType> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16',
  i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64', b1: 'bool',
};

/** NumPy's own max_header_size (numpy.lib.format, since 1.24). */
const MAX_HEADER_BYTES = 10_000;

/**
 * The header dict, checked as numpy.lib.format does: exactly the keys descr, fortran_order and shape;
 * shape a tuple of integers; fortran_order a bool; descr one of the numeric type strings read here.
 */
function parseHeader(header: string, fail: (problem: string, at?: string) => NpyError, where: string): { dtype: TensorDType; shape: number[] } {
  let d: PyLiteral;
  try {
    d = parsePyLiteral(header);
  } catch (e) {
    if (e instanceof PyLiteralError) throw fail(`the header is not a Python literal as NumPy writes it: ${e.message}`, where);
    throw e;
  }
  if (!(d instanceof Map)) throw fail('the header is not a dict', where);
  const keys = [...d.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') throw fail(`the header has the keys ${keys.map((k) => `'${k}'`).join(', ') || 'none'}; NumPy expects exactly 'descr', 'fortran_order' and 'shape'`, where);
  const descr = d.get('descr');
  if (typeof descr !== 'string') throw fail('the array has a structured dtype (descr is not a type string); BN Lens reads numeric arrays', where);
  const m = /^([<>|=])([a-z]\d+)$/.exec(descr);
  const dtype = m ? DESCR[m[2]] : undefined;
  if (!m || !dtype) throw fail(`dtype '${descr.slice(0, 40)}' is not a numeric type BN Lens reads`, where);
  if (m[1] === '>' && BYTES_PER_ELEMENT[dtype] !== 1) throw fail(`dtype '${descr}' is big-endian; save the array little-endian`, where);
  const fortran = d.get('fortran_order');
  if (typeof fortran !== 'boolean') throw fail('fortran_order is not True or False', where);
  if (fortran) throw fail('the array is in Fortran order; save it with np.ascontiguousarray first', where);
  const shape = d.get('shape');
  if (typeof shape !== 'object' || shape === null || !('tuple' in shape) || !shape.tuple.every((x): x is number => typeof x === 'number' && Number.isSafeInteger(x))) {
    throw fail('the shape is not a tuple of integers', where);
  }
  if (shape.tuple.some((x) => x < 0)) throw fail(`the shape (${shape.tuple.join(', ')}) has a negative size`, where);
  return { dtype, shape: shape.tuple };
}

export function looksLikeNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && MAGIC.every((b, i) => bytes[i] === b);
}

export function readNpy(file: string, bytes: Uint8Array, where = 'npy'): NpyArray {
  const fail = (problem: string, at = where): NpyError => new NpyError(file, problem, at);
  if (!looksLikeNpy(bytes)) throw fail(`not a NumPy .npy array: it should start with \\x93NUMPY, it starts with ${hexHead(bytes)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw fail(`unknown .npy format version ${major}.${bytes[7]}`, `${where} byte 6`);
  const headerStart = major === 1 ? 10 : 12;
  if (bytes.length < headerStart) throw fail(`the file ends inside the header (${bytes.length} bytes)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) throw fail(`the header claims ${headerLength} bytes; NumPy reads headers of at most ${MAX_HEADER_BYTES}`, `${where} byte 8`);
  if (headerStart + headerLength > bytes.length) throw fail(`the header claims ${headerLength} bytes, the file has ${bytes.length - headerStart} after the preamble`, `${where} byte 8`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));

  const { dtype, shape } = parseHeader(header, fail, `${where} header`);
  const dataStart = headerStart + headerLength;
  const count = elementCount(shape);
  if (Number.isNaN(count)) throw fail(`shape (${shape.join(', ')}) has more elements than an array can`, `${where} header`);
  const width = BYTES_PER_ELEMENT[dtype] as number;
  const available = bytes.length - dataStart;
  if (count * width !== available) {
    throw fail(`shape (${shape.join(', ')}) of ${dtype} needs ${count * width} bytes of data, the file has ${available}`, `${where} data`);
  }
  return { dtype, shape, data: decodeRaw(bytes.subarray(dataStart), dtype, count) };
}

/** Every array of an .npz archive, by name without the ".npy" suffix. */
export function readNpz(file: string, bytes: Uint8Array): Map<string, NpyArray> {
  if (!looksLikeZip(bytes)) throw new NpyError(file, `not a NumPy .npz archive (a zip): it starts with ${hexHead(bytes)}`);
  const zip = new ZipArchive(bytes, (problem, where) => new NpyError(file, problem, where));
  const arrays = new Map<string, NpyArray>();
  for (const entry of zip.entries) {
    if (!entry.name.endsWith('.npy')) continue;
    arrays.set(entry.name.slice(0, -4), readNpy(file, zip.read(entry), `npz entry '${entry.name}'`));
  }
  return arrays;
}

/** Writes a float32 or float64 array as a version 1.0 .npy file (what `bnlens forward --out` produces). */
export function writeNpy(data: FloatValues, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float64Array ? '<f8' : '<f4';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // The preamble plus header is padded with spaces to a multiple of 64 and ends in a newline.
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
