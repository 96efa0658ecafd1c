// PyTorch reader for both torch.save formats:
//   zip (1.6+): <name>/data.pkl, the storages as <name>/data/<key>, optionally <name>/byteorder;
//   legacy: five pickles in a row (magic number, protocol version, sys_info, the object, the storage
//   keys) followed by each storage as a little-endian uint64 element count and its bytes.
// The object is unpickled by the data-only VM in ./pickle with the allowlist in ./torch, then the
// state dict is found (bare, or inside a checkpoint) and grouped into normalization layers.

import type { ModelDescription, TensorInfo } from '../model';
import { notAModel, PyTorchError } from '../errors';
import type { ModelSource } from '../source';
import { BYTES_PER_ELEMENT, elementCount, hexHead, lazyTensor, decodeRaw, rawTensor } from '../tensor';
import { groupNormParams, groupNotes, normLayerOf } from '../stateDict';
import { ZipArchive } from '../zip';
import { PyDict, PyTuple, describe, unpickle, type PyValue } from './pickle';
import { REFUSAL, TorchStorage, TorchTensor, resolveGlobal, storageTypeOf } from './torch';

/** torch/serialization.py MAGIC_NUMBER, the first pickle of a legacy file. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Checkpoint keys under which training scripts keep the model's state dict, most common first. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'network', 'module', 'model_ema', 'ema'];

type Fail = (problem: string, where?: string) => PyTorchError;

/** Reads the storage fields of a persistent id ('storage', type, key, location, numel[, view]). */
function storageFromPid(pid: PyValue, fail: Fail, where: string): { storage: TorchStorage; view: PyValue } {
  const items = pid instanceof PyTuple ? pid.items : null;
  if (!items || items[0] !== 'storage' || items.length < 5) throw fail(`unexpected persistent id (${describe(pid)}); PyTorch writes ('storage', type, key, location, size)`, where);
  const type = storageTypeOf(items[1]);
  if (!type) throw fail(`a storage of type ${describe(items[1])}, which is not a torch storage type`, where);
  const [key, numel] = [items[2], items[4]];
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw fail(`a storage with key ${String(key)} and size ${String(numel)}, not a key string and an element count`, where);
  }
  return { storage: new TorchStorage(key, type.dtype, numel), view: items[5] ?? null };
}

interface Unpickled { root: PyValue; storageBytes: (s: TorchStorage) => Uint8Array; variant: string }

function readZip(bytes: Uint8Array, fail: Fail): Unpickled {
  const zip = new ZipArchive(bytes, fail);
  const pkl = zip.entries.find((e) => e.name === 'data.pkl' || /^[^/]*\/data\.pkl$/.test(e.name)) ?? zip.entries.find((e) => e.name.endsWith('/data.pkl'));
  if (!pkl) throw fail('a zip archive without data.pkl, so not a PyTorch file', 'zip central directory');
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const order = zip.get(`${prefix}byteorder`);
  if (order) {
    const text = new TextDecoder().decode(zip.read(order)).trim();
    if (text !== 'little') throw fail(`the storages are stored ${JSON.stringify(text)}-endian; BN Lens reads little-endian files only`, `${prefix}byteorder`);
  }
  const storages = new Map<string, TorchStorage>();
  const { value } = unpickle(zip.read(pkl), 0, {
    resolveGlobal,
    refusal: REFUSAL,
    persistentLoad: (pid) => {
      const { storage } = storageFromPid(pid, fail, pkl.name);
      const known = storages.get(storage.key);
      if (known) return known;
      storages.set(storage.key, storage);
      return storage;
    },
  }, fail, pkl.name);
  return {
    root: value,
    variant: 'pytorch-zip',
    storageBytes: (s) => {
      const name = `${prefix}data/${s.key}`;
      const entry = zip.get(name);
      if (!entry) throw fail(`storage '${s.key}' is missing from the archive`, name);
      return zip.read(entry);
    },
  };
}

function readLegacy(bytes: Uint8Array, fail: Fail): Unpickled {
  const noStorages = { resolveGlobal, refusal: REFUSAL, persistentLoad: (): PyValue => { throw fail('a persistent id outside the object pickle', 'legacy header'); } };
  const magic = unpickle(bytes, 0, noStorages, fail, 'legacy header: magic number');
  if (magic.value !== LEGACY_MAGIC && !(typeof magic.value === 'bigint' && magic.value === LEGACY_MAGIC)) {
    throw fail(`a pickle whose first value is ${typeof magic.value === 'bigint' || typeof magic.value === 'number' ? String(magic.value) : describe(magic.value)}, not PyTorch's magic number 0x1950a86a20f9469cfc6c: not a file written by torch.save`, 'byte 0');
  }
  const protocol = unpickle(bytes, magic.end, noStorages, fail, 'legacy header: protocol version');
  if (protocol.value !== 1001) throw fail(`legacy protocol version ${String(protocol.value)}; PyTorch writes 1001`, 'legacy header');
  const sysInfo = unpickle(bytes, protocol.end, noStorages, fail, 'legacy header: sys_info');
  if (sysInfo.value instanceof PyDict && sysInfo.value.get('little_endian') === false) {
    throw fail('the file was written on a big-endian machine; BN Lens reads little-endian files only', 'sys_info');
  }
  // Views (PyTorch < 1.0) share a root storage: key → root storage, with an element offset per view.
  const roots = new Map<string, TorchStorage>();
  const views = new Map<TorchStorage, { root: TorchStorage; offset: number }>();
  const object = unpickle(bytes, sysInfo.end, {
    resolveGlobal,
    refusal: REFUSAL,
    persistentLoad: (pid) => {
      const { storage, view } = storageFromPid(pid, fail, 'object');
      const root = roots.get(storage.key) ?? storage;
      roots.set(storage.key, root);
      if (view instanceof PyTuple) {
        const [viewKey, offset, size] = view.items;
        if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof size !== 'number') throw fail('a storage view without key, offset and size', 'object');
        const v = new TorchStorage(viewKey, storage.dtype, size);
        views.set(v, { root, offset });
        return v;
      }
      return root;
    },
  }, fail, 'object');
  const keys = unpickle(bytes, object.end, noStorages, fail, 'storage keys');
  if (!Array.isArray(keys.value) || !keys.value.every((k): k is string => typeof k === 'string')) {
    throw fail(`the storage key list is a ${describe(keys.value)}, not a list of strings`, 'storage keys');
  }
  const data = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value) {
    const storage = roots.get(key);
    if (!storage) throw fail(`storage '${key}' is listed but no tensor uses it`, `storage data at byte ${at}`);
    const width = BYTES_PER_ELEMENT[storage.dtype] ?? 1;
    if (at + 8 > bytes.length) throw fail(`the data of storage '${key}' is missing: the file ends at byte ${bytes.length}`, `storage data at byte ${at}`);
    const count = view.getBigUint64(at, true);
    if (count * BigInt(width) > BigInt(bytes.length - at - 8)) {
      throw fail(`storage '${key}' claims ${count} elements of ${storage.dtype}, more than the ${bytes.length - at - 8} bytes left in the file`, `storage data at byte ${at}`);
    }
    const n = Number(count) * width;
    data.set(key, bytes.subarray(at + 8, at + 8 + n));
    at += 8 + n;
  }
  return {
    root: object.value,
    variant: 'pytorch-legacy',
    storageBytes: (s) => {
      const v = views.get(s);
      const root = v?.root ?? s;
      const raw = data.get(root.key);
      if (!raw) throw fail(`storage '${root.key}' has no data in the file`, 'storage data');
      const width = BYTES_PER_ELEMENT[s.dtype] ?? 1;
      return v ? raw.subarray(v.offset * width, (v.offset + s.numel) * width) : raw;
    },
  };
}

/** C-order strides, to tell a contiguous tensor (a plain byte range) from a strided view. */
function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) { stride[i] = s; s *= shape[i]; }
  return stride;
}

function tensorInfo(name: string, t: TorchTensor, storageBytes: (s: TorchStorage) => Uint8Array, fail: Fail): TensorInfo {
  const where = `tensor '${name}'`;
  const width = BYTES_PER_ELEMENT[t.storage.dtype] ?? 1;
  const count = elementCount(t.shape);
  const raw = storageBytes(t.storage);
  if (raw.length < t.storage.numel * width) {
    throw fail(`storage '${t.storage.key}' should hold ${t.storage.numel} elements (${t.storage.numel * width} bytes) but has ${raw.length} bytes`, where);
  }
  // The last element read must lie inside the storage, whatever the strides.
  const last = t.offset + t.shape.reduce((acc, d, i) => acc + (d > 0 ? (d - 1) * (t.stride[i] ?? 0) : 0), 0);
  if (Number.isNaN(count) || t.stride.length !== t.shape.length || (count > 0 && last >= t.storage.numel)) {
    throw fail(`shape [${t.shape.join(',')}] with stride [${t.stride.join(',')}] at offset ${t.offset} reads past storage '${t.storage.key}' of ${t.storage.numel} elements`, where);
  }
  // A view with stride 0 (expand) can claim far more elements than its storage holds; such views are
  // never parameters, and building them would allocate more than the file holds.
  if (count > t.storage.numel) {
    throw fail(`shape [${t.shape.join(',')}] has ${count} elements but its storage '${t.storage.key}' holds ${t.storage.numel}; BN Lens reads only views that fit their storage`, where);
  }
  const contiguous = t.stride.every((s, i) => t.shape[i] === 1 || s === contiguousStride(t.shape)[i]);
  if (contiguous) return rawTensor(name, t.storage.dtype, t.shape, raw.subarray(t.offset * width, (t.offset + count) * width), fail, where);
  return lazyTensor(name, t.storage.dtype, t.shape, () => {
    const all = decodeRaw(raw.subarray(0, t.storage.numel * width), t.storage.dtype, t.storage.numel);
    const out = new (all.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(count);
    const index = new Array<number>(t.shape.length).fill(0);
    for (let i = 0; i < count; i++) {
      let at = t.offset;
      for (let d = 0; d < index.length; d++) at += index[d] * t.stride[d];
      out[i] = all[at];
      for (let d = index.length - 1; d >= 0 && ++index[d] === t.shape[d]; d--) index[d] = 0;
    }
    return out;
  });
}

function hasTensors(d: PyDict): boolean {
  for (const [, v] of d.entries()) if (v instanceof TorchTensor) return true;
  return false;
}

function findStateDict(root: PyValue, fail: Fail): { dict: PyDict; note: string | null } {
  if (!(root instanceof PyDict)) throw notAModel(fail(`the file holds a ${describe(root)}, not a state dict or a checkpoint dict`, 'object'));
  if (hasTensors(root)) return { dict: root, note: null };
  for (const key of STATE_DICT_KEYS) {
    const inner = root.get(key);
    if (inner instanceof PyDict && hasTensors(inner)) {
      return { dict: inner, note: `A checkpoint: the weights are its '${key}' entry; other entries (optimizer state, epoch, …) are not shown.` };
    }
  }
  const keys = [...root.entries()].map(([k]) => (typeof k === 'string' ? `'${k}'` : describe(k))).slice(0, 10);
  throw notAModel(fail(`no state dict found: the file holds a dict with keys ${keys.join(', ') || '(none)'} and none of them (${STATE_DICT_KEYS.join(', ')}) holds tensors`, 'object'));
}

export async function readPyTorch(source: ModelSource): Promise<ModelDescription> {
  const file = source.name;
  const bytes = source.bytes;
  const fail: Fail = (problem, where) => new PyTorchError(file, problem, where);
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (!isZip && !(bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5)) {
    throw fail(`not a PyTorch file: it is neither a zip archive (PK) nor a pickle (0x80 0x02–0x05); it starts with ${hexHead(bytes)}`, 'byte 0');
  }
  const { root, storageBytes, variant } = isZip ? readZip(bytes, fail) : readLegacy(bytes, fail);
  const { dict, note } = findStateDict(root, fail);
  const tensors: TensorInfo[] = [];
  for (const [key, value] of dict.entries()) {
    if (typeof key === 'string' && value instanceof TorchTensor) tensors.push(tensorInfo(key, value, storageBytes, fail));
  }
  const groups = groupNormParams(tensors);
  const notes = [...(note ? [note] : []), ...groupNotes(groups)];
  if (groups.some((g) => g.kind === 'BatchNorm')) {
    notes.push('A state dict holds no epsilon or momentum: PyTorch\'s defaults are eps 1e-5 and momentum 0.1 unless the model was built otherwise.');
  }
  return {
    file,
    format: 'pytorch',
    variant,
    producer: null,
    producerVersion: null,
    opset: null,
    graph: null,
    tensors,
    normLayers: groups.map((g) => normLayerOf(g, `${g.kind} (state dict)`)),
    notes,
  };
}
