// The PyTorch objects a weights file's pickle builds, and the allowlist of globals that may build
// them — the same idea as torch.load(weights_only=True): tensor and parameter rebuild functions,
// storage types, OrderedDict, torch.Size, _codecs.encode (protocol 2 writes bytes through it).

import type { TensorDType } from '../model';
import { PyDict, PyGlobal, PyObject, PyTuple, type PyValue } from './pickle';

export class TorchStorage extends PyObject {
  constructor(readonly key: string, readonly dtype: TensorDType, readonly numel: number) {
    super();
  }
}

export class TorchTensor extends PyObject {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

/** A storage class named in a persistent id: torch.FloatStorage etc. */
export class StorageType extends PyObject {
  constructor(readonly dtype: TensorDType) {
    super();
  }
}

const STORAGE_DTYPES: Record<string, TensorDType> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

export const REFUSAL = 'BN Lens reads weights only, as torch.load(weights_only=True) does; save the model\'s state_dict() instead of the whole model';

function ints(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || !items.every((x): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    throw new TypeError(`${what} is not a tuple of sizes`);
  }
  return items;
}

function rebuildTensor(args: PyValue[]): PyValue {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new TypeError('_rebuild_tensor expects a storage as its first argument');
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new TypeError('_rebuild_tensor expects a storage offset');
  return new TorchTensor(storage, offset, ints(size, 'the tensor size'), ints(stride, 'the tensor stride'));
}

type Callable = (args: PyValue[]) => PyValue;

const identityFirst: Callable = (args) => args[0] ?? null;

const ALLOWED: Record<string, Callable> = {
  'collections.OrderedDict': () => new PyDict(),
  'builtins.dict': () => new PyDict(),
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  // Parameters are tensors with requires_grad; the data is the first argument.
  'torch._utils._rebuild_parameter': identityFirst,
  'torch._utils._rebuild_parameter_with_state': identityFirst,
  'torch.nn.parameter.Parameter': identityFirst,
  // _rebuild_from_type_v2(func, new_type, args, state): func is itself an allowed global.
  'torch._tensor._rebuild_from_type_v2': (args) => {
    const [func, , inner] = args;
    if (!(func instanceof PyGlobal) || !(inner instanceof PyTuple)) throw new TypeError('_rebuild_from_type_v2 expects a rebuild function and its arguments');
    return func.call(inner.items);
  },
  'torch.Size': (args) => args[0] ?? new PyTuple([]),
  '_codecs.encode': (args) => {
    const [text] = args;
    if (typeof text !== 'string') throw new TypeError('_codecs.encode expects a string');
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  },
};

export function resolveGlobal(module: string, name: string): PyGlobal | undefined {
  const full = `${module}.${name}`;
  // Python 2 pickles name the builtins module __builtin__.
  const key = module === '__builtin__' ? `builtins.${name}` : full;
  if (module === 'torch' && STORAGE_DTYPES[name]) {
    const type = new StorageType(STORAGE_DTYPES[name]);
    return new PyGlobal(full, () => type);
  }
  const fn = ALLOWED[key];
  return fn ? new PyGlobal(full, fn) : undefined;
}

/** The storage type a persistent id names (the global itself, already resolved to a StorageType). */
export function storageTypeOf(v: PyValue): StorageType | null {
  if (v instanceof PyGlobal) {
    const t = v.call([]);
    return t instanceof StorageType ? t : null;
  }
  return v instanceof StorageType ? v : null;
}
