// A pickle virtual machine that only builds data. It runs the opcodes of protocols 0–5 that make
// values (numbers, strings, bytes, lists, tuples, dicts, sets) and resolves a global only when it is
// on the caller's allowlist; any other global — a class, os.system, anything callable — stops the
// read with a message naming it, as torch.load(weights_only=True) does. Nothing from the file is
// ever executed: an allowed global is a function written here.

import type { ErrorFactory } from '../errors';

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A Python dict (also OrderedDict). Keys keep their Python value; lookups use keyOf(). */
export class PyDict {
  readonly map = new Map<string, { key: PyValue; value: PyValue }>();
  set(key: PyValue, value: PyValue): void {
    this.map.set(keyOf(key), { key, value });
  }
  get(key: string): PyValue | undefined {
    return this.map.get(keyOf(key))?.value;
  }
  *entries(): IterableIterator<[PyValue, PyValue]> {
    for (const { key, value } of this.map.values()) yield [key, value];
  }
}

export class PySet {
  constructor(readonly items: PyValue[]) {}
}

/** A global the allowlist resolved: a function of its arguments, written in TypeScript. */
export class PyGlobal {
  constructor(readonly name: string, readonly call: (args: PyValue[]) => PyValue) {}
}

/** What a reader's persistent_load or an allowed global returns (tensors, storages). */
export abstract class PyObject {}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PySet | PyGlobal | PyObject;

/** Tuples nested deeper than this are keyed by identity (no weights file has such dict keys). */
const MAX_KEY_DEPTH = 32;
const tupleKeys = new WeakMap<PyTuple, string>();
let identities = 0;

/**
 * The Map key of a Python value. A tuple's key is computed once (cached), so a large tuple used as a
 * key again and again costs its size once; a deeply nested one is keyed by identity, not recursed into.
 */
function keyOf(v: PyValue, depth = 0): string {
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `n:${v}`;
  if (v === null || typeof v === 'boolean') return `c:${v}`;
  if (v instanceof PyTuple) {
    let key = tupleKeys.get(v);
    if (key === undefined) {
      key = depth >= MAX_KEY_DEPTH ? `i:${++identities}` : `t:(${v.items.map((x) => keyOf(x, depth + 1)).join(',')})`;
      tupleKeys.set(v, key);
    }
    return key;
  }
  return `o:${Object.prototype.toString.call(v)}`; // unhashable in Python; never a real key
}

export interface PickleOptions {
  /** "module.name" → the value of that global, or undefined when it is not allowed. */
  resolveGlobal(module: string, name: string): PyGlobal | undefined;
  /** Returns the object a persistent id stands for (PyTorch storages). */
  persistentLoad(pid: PyValue): PyValue;
  /** Why a global is refused, appended to the message. */
  refusal: string;
}

const MARK = Symbol('mark');
const MAX_LONG_BYTES = 64;
type StackItem = PyValue | typeof MARK;

/**
 * Runs one pickle from `bytes[start]` to its STOP opcode; returns the value and where the pickle
 * ended (a legacy PyTorch file is several pickles in a row).
 */
export function unpickle(bytes: Uint8Array, start: number, options: PickleOptions, fail: ErrorFactory, where: string): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder();
  const stack: StackItem[] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;

  const error = (problem: string): Error => fail(`${problem} (pickle opcode at byte ${pos})`, where);
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) throw error(`the pickle needs ${n} more bytes but the data ends (it is truncated or damaged)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)];
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.length)) throw error(`a length of ${v} bytes is more than the file holds`);
    return Number(v);
  };
  const take = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw error('a text argument has no end of line');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw error('the pickle pops from an empty stack');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw error('the pickle reads an empty stack');
    return v;
  };
  const popMark = (): PyValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw error('the pickle has no MARK to return to');
    const items = stack.splice(at) as PyValue[];
    items.shift();
    return items;
  };
  const littleEndianInt = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const global = (module: string, name: string): PyGlobal => {
    const g = options.resolveGlobal(module, name);
    if (!g) throw error(`the file refers to the Python global '${module}.${name}', which is not allowed: ${options.refusal}`);
    return g;
  };
  const call = (callable: PyValue, args: PyValue): PyValue => {
    if (!(callable instanceof PyGlobal)) throw error(`the pickle calls a ${describe(callable)}, not an allowed global`);
    if (!(args instanceof PyTuple)) throw error(`the pickle calls ${callable.name} with ${describe(args)} instead of an argument tuple`);
    try {
      return callable.call(args.items);
    } catch (e) {
      // The allowed globals check their arguments and throw TypeError for ones a real file never has.
      if (e instanceof TypeError) throw error(`${callable.name}: ${e.message}`);
      throw e;
    }
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw error(`the pickle sets items on a ${describe(target)}, not a dict`);
    if (items.length % 2) throw error('the pickle sets items from an odd number of values');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: PyValue, items: PyValue[]): void => {
    // One push per item: spreading 300,000 items into push() overflows the call stack.
    const list = Array.isArray(target) ? target : target instanceof PySet ? target.items : null;
    if (list) for (const item of items) list.push(item);
    else throw error(`the pickle appends to a ${describe(target)}, not a list`);
  };
  const memoGet = (k: number): PyValue => {
    const v = memo.get(k);
    if (v === undefined) throw error(`the pickle reads memo entry ${k}, which was never stored`);
    return v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO n
      case 0x95: u64(); break; // FRAME: a size hint only
      case 0x2e: return { value: pop(), end: pos }; // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: stack.push(littleEndianInt(take(u8()))); break; // LONG1
      case 0x8b: { // LONG4: weights files never need more than a few bytes; a long one is damage
        const n = i32();
        if (n > MAX_LONG_BYTES) throw error(`a LONG4 integer of ${n} bytes is longer than a weights file needs`);
        stack.push(littleEndianInt(take(n)));
        break;
      }
      case 0x49: { // INT (text); "01"/"00" are True/False in protocol 0
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : parseInt(s, 10));
        break;
      }
      case 0x4c: stack.push(parseInt(line().replace(/L$/, ''), 10)); break; // LONG (text)
      case 0x46: stack.push(parseFloat(line())); break; // FLOAT (text)
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT, big-endian
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x56: stack.push(line()); break; // UNICODE (raw-unicode-escape; ASCII in practice)
      case 0x53: stack.push(line().replace(/^'(.*)'$|^"(.*)"$/, '$1$2')); break; // STRING
      case 0x54: stack.push(latin1.decode(take(i32()))); break; // BINSTRING
      case 0x55: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(take(u32())); break; // BINBYTES
      case 0x43: stack.push(take(u8())); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: stack.push(take(u64())); break; // BINBYTES8, BYTEARRAY8
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x7d: stack.push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PyDict(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x8f: stack.push(new PySet([])); break; // EMPTY_SET
      case 0x91: stack.push(new PySet(popMark())); break; // FROZENSET
      case 0x90: { const items = popMark(); append(top(), items); break; } // ADDITEMS
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x70: memo.set(parseInt(line(), 10), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(memoGet(parseInt(line(), 10))); break; // GET
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x63: { const module = line(); stack.push(global(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw error('STACK_GLOBAL needs a module and a name string');
        stack.push(global(module, name));
        break;
      }
      case 0x52: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ: cls.__new__(cls, *args)
      case 0x92: { pop(); const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ_EX (kwargs dropped)
      case 0x62: { // BUILD: sets an object's state; the data readers need is already in place
        pop();
        top();
        break;
      }
      case 0x50: stack.push(options.persistentLoad(line())); break; // PERSID
      case 0x51: stack.push(options.persistentLoad(pop())); break; // BINPERSID
      case 0x69: // INST
      case 0x6f: // OBJ
        throw error('the pickle instantiates a class directly (INST/OBJ), which a weights file never needs');
      case 0x82: case 0x83: case 0x84: // EXT1/2/4
        throw error('the pickle uses the copyreg extension registry, which a weights file never needs');
      case 0x97: case 0x98: // NEXT_BUFFER, READONLY_BUFFER
        throw error('the pickle uses out-of-band buffers, which a file cannot carry');
      default:
        throw error(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

export function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return 'dict';
  if (v instanceof PySet) return 'set';
  if (v instanceof PyGlobal) return `global ${v.name}`;
  if (v instanceof PyObject) return v.constructor.name;
  return typeof v;
}
