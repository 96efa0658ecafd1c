// HDF5 through jsfive, behind a small typed interface. jsfive throws strings and plain Errors from
// deep inside its parser on a damaged file; every call here turns them into the caller's
// FormatError, naming the HDF5 path. Dataset values are read only when asked for, after checking
// that the dataset's size is one the file could hold.

import { Dataset, File, Group } from 'jsfive';
import type { ErrorFactory } from '../errors';
import type { TensorDType } from '../model';
import { BYTES_PER_ELEMENT, elementCount, isWideDType, lazyTensor } from '../tensor';
import type { TensorInfo } from '../model';

export interface H5Group {
  readonly path: string;
  keys(): string[];
  attr(name: string): unknown;
  group(name: string): H5Group | null;
  dataset(name: string): H5Dataset | null;
}

export interface H5Dataset {
  readonly path: string;
  readonly shape: number[];
  readonly dtype: TensorDType;
  /** A lazily decoded tensor named `name`. */
  tensor(name: string): TensorInfo;
}

/** Compressed chunks can hold more than their bytes; deflate tops out near 1032:1. */
const MAX_EXPANSION = 1032;

const DTYPES: Record<string, TensorDType> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', b1: 'bool',
};

function h5DType(dtype: unknown): TensorDType {
  if (typeof dtype !== 'string') return 'other';
  const m = /^[<>|=]?([fiub]\d)$/.exec(dtype);
  return (m && DTYPES[m[1]]) || 'other';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** jsfive decodes string attributes to strings and arrays; byte strings arrive as arrays of strings. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

type AttrValue = (this: unknown, dtype: unknown, buf: ArrayBuffer, count: number, offset: number) => unknown;
let attributeCountsGuarded = false;

/**
 * jsfive allocates an attribute's values by the element count in its dataspace and then reads them
 * one by one; a damaged count (found by fuzzing: 2^31 elements of a zero-width string) makes it fill
 * memory until the process dies, which no try/catch can stop. Every element takes at least a byte of
 * the file, so a count above the file's size is refused before jsfive starts. jsfive does not export
 * the class that does this, so the guard goes on its prototype, reached through the root group.
 */
function guardAttributeCounts(dataobjects: object): void {
  if (attributeCountsGuarded) return;
  const proto = Object.getPrototypeOf(dataobjects) as { _attr_value?: AttrValue };
  const original = proto._attr_value;
  if (typeof original !== 'function') return;
  proto._attr_value = function (dtype, buf, count, offset) {
    if (!(count >= 0 && count <= buf.byteLength)) throw new RangeError(`an attribute claims ${count} elements, more than the file's ${buf.byteLength} bytes hold`);
    return original.call(this, dtype, buf, count, offset);
  };
  attributeCountsGuarded = true;
}

interface DataObjects {
  fh: ArrayBuffer;
  find_msg_type(type: number): Map<string, number>[];
}

const DATASPACE_MESSAGE = 0x0001;

/**
 * A dataset's dimensions from its dataspace message as HDF5 writes them, 64 bits each (with 8-byte
 * lengths, as h5py and Keras write): jsfive reads only their low 32 bits, so a dimension of 2^32 or
 * more would come out modulo 2^32. A dimension past 2^53 is NaN (and then refused). Null when the
 * message is not where jsfive's object header says (jsfive's own shape is used then).
 */
function dataspaceShape(ds: Dataset): number[] | null {
  const objects = ds._dataobjects as Partial<DataObjects>;
  if (!(objects.fh instanceof ArrayBuffer) || typeof objects.find_msg_type !== 'function') return null;
  const message = objects.find_msg_type(DATASPACE_MESSAGE)[0];
  const at = message?.get('offset_to_message');
  if (typeof at !== 'number') return null;
  const view = new DataView(objects.fh);
  if (at + 4 > view.byteLength) return null;
  const version = view.getUint8(at);
  const rank = view.getUint8(at + 1);
  const first = version === 1 ? at + 8 : version === 2 ? at + 4 : -1;
  if (first < 0 || first + 8 * rank > view.byteLength) return null;
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = view.getBigUint64(first + 8 * i, true);
    shape.push(d > BigInt(Number.MAX_SAFE_INTEGER) ? NaN : Number(d));
  }
  return shape;
}

export function openHdf5(bytes: Uint8Array, fail: ErrorFactory): H5Group {
  const guard = <T>(where: string, read: () => T): T => {
    try {
      return read();
    } catch (e) {
      throw fail(`the HDF5 data is damaged or uses a feature jsfive cannot read (${message(e).slice(0, 200)})`, where);
    }
  };
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = guard('HDF5 superblock', () => new File(buffer, ''));
  guardAttributeCounts(file._dataobjects);

  const wrapDataset = (ds: Dataset, path: string): H5Dataset => {
    const shape = guard(path, () => dataspaceShape(ds) ?? [...(ds.shape ?? [])]);
    const dtype = guard(path, () => h5DType(ds.dtype));
    const count = elementCount(shape);
    // Checked when the dataset is found, so its shape is never shown for a size the file cannot hold.
    if (Number.isNaN(count) || count * (BYTES_PER_ELEMENT[dtype] ?? 1) > bytes.length * MAX_EXPANSION) {
      throw fail(`dataset of shape [${shape.join(',')}] is larger than the file could hold`, path);
    }
    return {
      path,
      shape,
      dtype,
      tensor: (name) => lazyTensor(name, dtype, shape, () => {
        const width = BYTES_PER_ELEMENT[dtype];
        if (width === undefined) throw fail(`dataset has type ${JSON.stringify(guard(path, () => ds.dtype))}, not a number type`, path);
        const raw = guard(path, () => ds.value);
        if (!raw || typeof raw.length !== 'number' || raw.length !== count) {
          throw fail(`dataset of shape [${shape.join(',')}] gave ${raw?.length ?? 'no'} values`, path);
        }
        const out = isWideDType(dtype) ? new Float64Array(count) : new Float32Array(count);
        for (let i = 0; i < count; i++) {
          const v = raw[i];
          out[i] = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : NaN;
        }
        return out;
      }),
    };
  };

  // jsfive re-reads a group's links on every keys/get; each group's keys and children are read once.
  const wrapGroup = (g: Group, path: string): H5Group => {
    let attrs: Record<string, unknown> | undefined;
    let keys: Set<string> | undefined;
    const children = new Map<string, Group | Dataset | null>();
    const keyList = (): Set<string> => (keys ??= new Set(guard(path, () => g.keys)));
    const child = (name: string): Group | Dataset | null => {
      if (!children.has(name)) children.set(name, keyList().has(name) ? guard(`${path}/${name}`, () => g.get(name)) : null);
      return children.get(name) ?? null;
    };
    return {
      path,
      keys: () => [...keyList()],
      attr: (name) => {
        attrs ??= guard(`${path} attributes`, () => g.attrs);
        return plain(attrs[name]);
      },
      group: (name) => {
        const c = child(name);
        return c instanceof Group ? wrapGroup(c, `${path === '/' ? '' : path}/${name}`) : null;
      },
      dataset: (name) => {
        const c = child(name);
        return c instanceof Dataset ? wrapDataset(c, `${path === '/' ? '' : path}/${name}`) : null;
      },
    };
  };
  return wrapGroup(file, '/');
}

/** Fixed-length HDF5 strings (numpy 'S' arrays, as Keras 2 writes names) come back padded. */
function unpad(s: string): string {
  return s.replace(/[\0 ]+$/, '');
}

/** A string attribute (jsfive gives strings; some writers store one-element arrays). */
export function stringAttr(v: unknown): string | null {
  if (typeof v === 'string') return unpad(v);
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return unpad(v[0]);
  return null;
}

export function stringListAttr(v: unknown): string[] | null {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).map(unpad);
  if (typeof v === 'string') return v === '' ? [] : [unpad(v)];
  return null;
}
