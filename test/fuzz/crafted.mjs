// Crafted hostile files (issue 12), built at test time in a temp folder: what an attacker puts in a
// repository to make BN Lens read outside a folder, hang, exhaust memory or crash. Each case builds its
// files with build(dir) and names the CLI command that reads them and what it must answer: exit 2 with
// one "bnlens:" line matching `message`, or exit 0 (a large but valid file that must be read quickly).
// Symbolic links, FIFOs and /dev/zero links are made here, never committed. Shared by
// test/unit/hostile/crafted.test.ts and the fuzz suite (scripts/fuzz.mjs), which also mutates them.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, deflateRawSync } from 'node:zlib';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(repo, 'test', 'fixtures');
const fixture = (...parts) => join(FIXTURES, ...parts);

/** A secret outside the model's folder: no message may quote it. */
export const SECRET = 'TOP-SECRET-7f3a9c: the bytes of a file nobody opened';

// ---- byte builders -------------------------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function maskedCrc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  c = (c ^ 0xffffffff) >>> 0;
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data; `length` overrides the length field. */
function tfRecord(data, length = BigInt(data.length)) {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(length, 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, foot]);
}

function varint(v) {
  const out = [];
  let x = BigInt(v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) b |= 0x80;
    out.push(b);
  } while (x > 0n);
  return Buffer.from(out);
}
const field = (n, wire) => varint(n * 8 + wire);
const lengthDelimited = (n, bytes) => Buffer.concat([field(n, 2), varint(bytes.length), bytes]);

/** An Event with one scalar: Event { wall_time = 1; step = 2; summary = 5 { value = 1 { tag = 1; simple_value = 2 } } }. */
function scalarEvent(step, tag, value) {
  const v = Buffer.concat([lengthDelimited(1, Buffer.from(tag)), field(2, 5), (() => { const b = Buffer.alloc(4); b.writeFloatLE(value); return b; })()]);
  const wall = Buffer.alloc(8);
  wall.writeDoubleLE(1700000000 + step);
  return Buffer.concat([field(1, 1), wall, field(2, 0), varint(step), lengthDelimited(5, lengthDelimited(1, v))]);
}

/** Pickle protocol-2 pieces. */
const P = {
  proto: Buffer.from([0x80, 0x02]),
  stop: Buffer.from([0x2e]),
  mark: Buffer.from([0x28]),
  none: Buffer.from([0x4e]),
  emptyDict: Buffer.from([0x7d]),
  emptyList: Buffer.from([0x5d]),
  emptyTuple: Buffer.from([0x29]),
  tuple: Buffer.from([0x74]),
  tuple1: Buffer.from([0x85]),
  appends: Buffer.from([0x65]),
  setitem: Buffer.from([0x73]),
  reduce: Buffer.from([0x52]),
  binpersid: Buffer.from([0x51]),
  int1: (v) => Buffer.from([0x4b, v]),
  int: (v) => { const b = Buffer.alloc(5); b[0] = 0x4a; b.writeInt32LE(v, 1); return b; },
  str: (s) => { const t = Buffer.from(s); return Buffer.concat([Buffer.from([0x8c, t.length]), t]); },
  global: (module, name) => Buffer.from(`c${module}\n${name}\n`),
};

/** A tensor for a PyTorch zip pickle: _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()). */
function pickleTensor(key, numel, size, stride) {
  const storage = Buffer.concat([P.mark, P.str('storage'), P.global('torch', 'FloatStorage'), P.str(key), P.str('cpu'), P.int(numel), P.tuple, P.binpersid]);
  const tuple = (items) => Buffer.concat([P.mark, ...items.map((v) => P.int(v)), P.tuple]);
  return Buffer.concat([
    P.global('torch._utils', '_rebuild_tensor_v2'),
    P.mark, storage, P.int(0), tuple(size), tuple(stride), Buffer.from([0x89]), P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce, P.tuple,
    P.reduce,
  ]);
}

/** A zip archive of [name, bytes, {deflated?: Buffer, size?: number}] entries (CRCs left 0: BN Lens does not check them). */
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data, options = {}] of entries) {
    const nameBytes = Buffer.from(name);
    const body = options.deflated ?? data;
    const method = options.deflated ? 8 : 0;
    const size = options.size ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/**
 * A raw deflate stream of `prefix` followed by zeros, `megabytes` MiB in all, without ever holding them:
 * 1 MiB chunks compressed with a full flush are independent and byte-aligned, so one compressed chunk
 * repeated is a valid stream (1 GiB becomes ~1 MB, as the bombs of issue 12 were).
 */
function deflatedZeros(megabytes, prefix = Buffer.alloc(0)) {
  const MiB = 1 << 20;
  const first = Buffer.alloc(MiB);
  prefix.copy(first);
  const full = { finishFlush: constants.Z_FULL_FLUSH, level: 9 };
  const head = deflateRawSync(first, full);
  const middle = deflateRawSync(Buffer.alloc(MiB), full);
  const last = deflateRawSync(Buffer.alloc(MiB), { level: 9 });
  return Buffer.concat([head, ...Array(megabytes - 2).fill(middle), last]);
}

function npyHeader(header) {
  let text = header;
  text += ' '.repeat((64 - ((10 + text.length + 1) % 64)) % 64) + '\n';
  const out = Buffer.alloc(10 + text.length);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(out);
  out.writeUInt16LE(text.length, 8);
  out.write(text, 10, 'latin1');
  return out;
}

/** The ONNX fixture whose tensors keep their data in 'external.onnx.data', with that 18-byte location replaced. */
function onnxWithLocation(location) {
  const bytes = readFileSync(fixture('onnx', 'external.onnx'));
  const from = Buffer.from('external.onnx.data');
  const to = Buffer.from(location, 'latin1');
  if (to.length !== from.length) throw new Error(`location must be ${from.length} bytes`);
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) to.copy(bytes, at);
  return bytes;
}

function mkfifo(path) {
  execFileSync('mkfifo', [path]);
}

function tfjsManifest(paths) {
  const manifest = JSON.parse(readFileSync(fixture('tfjs', 'manifest', 'weights_manifest.json'), 'utf8'));
  manifest[0].paths = paths;
  return JSON.stringify(manifest);
}

const nested = (depth, open, close, inner) => open.repeat(depth) + inner + close.repeat(depth);

const ONNX_MODEL = fixture('onnx', 'bn6_is_test.onnx');

// ---- the cases -----------------------------------------------------------------------------------

/**
 * @typedef {{ name: string, format: string, finding: number, build(dir: string): { args: string[], main: string },
 *   expect: { code: 0 } | { code: 2, message: RegExp } }} CraftedCase
 * `main` is the file the fuzz suite mutates; `args` the CLI arguments (after `node dist/cli.js`).
 */

/** @type {CraftedCase[]} */
export const CRAFTED = [
  {
    name: 'onnx-external-symlink-outside', format: 'onnx', finding: 2,
    build(dir) {
      mkdirSync(join(dir, 'model'));
      writeFileSync(join(dir, 'secret.data'), SECRET.repeat(4));
      symlinkSync(join(dir, 'secret.data'), join(dir, 'model', 'secret_link.onnx.d'));
      writeFileSync(join(dir, 'model', 'm.onnx'), onnxWithLocation('secret_link.onnx.d'));
      return { args: ['inspect', join(dir, 'model', 'm.onnx')], main: join(dir, 'model', 'm.onnx') };
    },
    expect: { code: 2, message: /external data location 'secret_link\.onnx\.d' resolves \(through a symbolic link\) to a file outside the model's folder/ },
  },
  {
    name: 'onnx-external-dev-zero', format: 'onnx', finding: 3,
    build(dir) {
      symlinkSync('/dev/zero', join(dir, 'zero_link.onnx.dat'));
      writeFileSync(join(dir, 'm.onnx'), onnxWithLocation('zero_link.onnx.dat'));
      return { args: ['inspect', join(dir, 'm.onnx')], main: join(dir, 'm.onnx') };
    },
    expect: { code: 2, message: /'zero_link\.onnx\.dat' resolves \(through a symbolic link\) to a file outside/ },
  },
  {
    name: 'onnx-external-fifo', format: 'onnx', finding: 3,
    build(dir) {
      mkfifo(join(dir, 'fifo_external.data'));
      writeFileSync(join(dir, 'm.onnx'), onnxWithLocation('fifo_external.data'));
      return { args: ['inspect', join(dir, 'm.onnx')], main: join(dir, 'm.onnx') };
    },
    expect: { code: 2, message: /'fifo_external\.data' is a FIFO \(named pipe\), not a regular file/ },
  },
  {
    name: 'onnx-external-nul', format: 'onnx', finding: 7,
    build(dir) {
      writeFileSync(join(dir, 'm.onnx'), onnxWithLocation('external\0onnx.data'));
      return { args: ['inspect', join(dir, 'm.onnx')], main: join(dir, 'm.onnx') };
    },
    expect: { code: 2, message: /external data location 'external\\x00onnx\.data' holds a NUL byte/ },
  },
  {
    name: 'model-file-is-fifo', format: 'onnx', finding: 3,
    build(dir) {
      mkfifo(join(dir, 'pipe.onnx'));
      return { args: ['inspect', join(dir, 'pipe.onnx')], main: ONNX_MODEL };
    },
    expect: { code: 2, message: /pipe\.onnx: is a FIFO \(named pipe\), not a regular file/ },
  },
  {
    name: 'model-file-is-dev-zero', format: 'onnx', finding: 3,
    build(dir) {
      symlinkSync('/dev/zero', join(dir, 'zero.onnx'));
      return { args: ['inspect', join(dir, 'zero.onnx')], main: ONNX_MODEL };
    },
    expect: { code: 2, message: /zero\.onnx: is a device, not a regular file/ },
  },
  {
    name: 'tfjs-shard-symlink-passwd', format: 'tfjs', finding: 2,
    build(dir) {
      writeFileSync(join(dir, 'secret.bin'), SECRET.repeat(1000));
      mkdirSync(join(dir, 'model'));
      symlinkSync(join(dir, 'secret.bin'), join(dir, 'model', 'shard.bin'));
      writeFileSync(join(dir, 'model', 'weights_manifest.json'), tfjsManifest(['shard.bin']));
      return { args: ['inspect', join(dir, 'model', 'weights_manifest.json')], main: join(dir, 'model', 'weights_manifest.json') };
    },
    expect: { code: 2, message: /weight file path 'shard\.bin' resolves \(through a symbolic link\) to a file outside the model's folder/ },
  },
  {
    name: 'tfjs-shard-nul', format: 'tfjs', finding: 7,
    build(dir) {
      writeFileSync(join(dir, 'weights_manifest.json'), tfjsManifest(['tfjs_convbn\u0000weights.bin']));
      return { args: ['inspect', join(dir, 'weights_manifest.json')], main: join(dir, 'weights_manifest.json') };
    },
    expect: { code: 2, message: /weight file path 'tfjs_convbn\\x00weights\.bin' holds a NUL byte/ },
  },
  {
    name: 'tfjs-shard-listed-20000-times', format: 'tfjs', finding: 5,
    build(dir) {
      copyFileSync(fixture('tfjs', 'manifest', 'tfjs_convbn.weights.bin'), join(dir, 'tfjs_convbn.weights.bin'));
      writeFileSync(join(dir, 'weights_manifest.json'), tfjsManifest(Array(20000).fill('tfjs_convbn.weights.bin')));
      return { args: ['inspect', join(dir, 'weights_manifest.json')], main: join(dir, 'weights_manifest.json') };
    },
    expect: { code: 2, message: /the weight file 'tfjs_convbn\.weights\.bin' is listed more than once/ },
  },
  {
    name: 'tfjs-manifest-deep-json', format: 'tfjs', finding: 6,
    build(dir) {
      writeFileSync(join(dir, 'weights_manifest.json'), `[{"paths":[],"weights":${nested(100000, '[', ']', '')}}]`);
      return { args: ['inspect', join(dir, 'weights_manifest.json')], main: join(dir, 'weights_manifest.json') };
    },
    expect: { code: 2, message: /nests more than 256 levels deep/ },
  },
  {
    name: 'tfjs-graph-20000-batchnorms', format: 'tfjs', finding: 5,
    build(dir) {
      const node = [{ name: 'x', op: 'Placeholder', attr: {} }];
      for (let i = 0; i < 20000; i++) node.push({ name: `bn${i}`, op: 'FusedBatchNormV3', input: [i ? `bn${i - 1}` : 'x', 'g', 'b', 'm', 'v'], attr: { epsilon: { f: 0.001 } } });
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node }, weightsManifest: [] }));
      return { args: ['inspect', join(dir, 'model.json')], main: join(dir, 'model.json') };
    },
    expect: { code: 0 },
  },
  {
    name: 'keras-config-20000-batchnorms', format: 'tfjs', finding: 5,
    build(dir) {
      const layers = Array.from({ length: 20000 }, (_, i) => ({ class_name: 'BatchNormalization', config: { name: `bn${i}`, axis: -1, momentum: 0.99, epsilon: 0.001 } }));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { name: 's', layers } } }));
      return { args: ['inspect', join(dir, 'model.json')], main: join(dir, 'model.json') };
    },
    expect: { code: 0 },
  },
  {
    name: 'safetensors-deep-header', format: 'safetensors', finding: 6,
    build(dir) {
      const header = Buffer.from(`{"a":${nested(100000, '[', ']', '')}}`);
      const size = Buffer.alloc(8);
      size.writeBigUInt64LE(BigInt(header.length));
      writeFileSync(join(dir, 'deep.safetensors'), Buffer.concat([size, header]));
      return { args: ['inspect', join(dir, 'deep.safetensors')], main: join(dir, 'deep.safetensors') };
    },
    expect: { code: 2, message: /the header is not JSON that BN Lens reads: it nests more than 256 levels deep/ },
  },
  {
    name: 'keras-zip-bomb', format: 'keras', finding: 4,
    build(dir) {
      const config = Buffer.from(JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'BatchNormalization', config: { name: 'bn' } }] } }));
      writeFileSync(join(dir, 'bomb.keras'), zip([
        ['metadata.json', Buffer.from('{"keras_version": "3.5.0"}')],
        ['config.json', config],
        ['model.weights.h5', null, { deflated: deflatedZeros(1024), size: 1024 * 2 ** 20 }],
      ]));
      return { args: ['inspect', join(dir, 'bomb.keras')], main: join(dir, 'bomb.keras') };
    },
    expect: { code: 2, message: /entry 'model\.weights\.h5' would inflate to 1073741824 bytes, .* refused as a possible decompression bomb/ },
  },
  {
    name: 'pytorch-zip-bomb', format: 'pytorch-zip', finding: 4,
    build(dir) {
      const numel = 2 ** 28; // 1 GiB of float32
      const pkl = Buffer.concat([P.proto, P.emptyDict, P.str('bn.weight'), pickleTensor('0', numel, [numel], [1]), P.setitem, P.stop]);
      writeFileSync(join(dir, 'bomb.pt'), zip([
        ['archive/data.pkl', pkl],
        ['archive/data/0', null, { deflated: deflatedZeros(1024), size: numel * 4 }],
      ]));
      return { args: ['inspect', join(dir, 'bomb.pt')], main: join(dir, 'bomb.pt') };
    },
    expect: { code: 2, message: /entry 'archive\/data\/0' would inflate to 1073741824 bytes, .* refused as a possible decompression bomb/ },
  },
  {
    name: 'npz-bomb', format: 'npy', finding: 4,
    build(dir) {
      const header = npyHeader(`{'descr': '<f4', 'fortran_order': False, 'shape': (${2 ** 28 - 16},), }`);
      writeFileSync(join(dir, 'bomb.npz'), zip([['x.npy', null, { deflated: deflatedZeros(1024, header), size: 1024 * 2 ** 20 }]]));
      return { args: ['forward', ONNX_MODEL, '--input', join(dir, 'bomb.npz')], main: join(dir, 'bomb.npz') };
    },
    expect: { code: 2, message: /entry 'x\.npy' would inflate to 1073741824 bytes, .* refused as a possible decompression bomb/ },
  },
  {
    name: 'pickle-appends-300k', format: 'pytorch-zip', finding: 6,
    build(dir) {
      const pkl = Buffer.concat([P.proto, P.emptyList, P.mark, Buffer.alloc(300000, 0x4e), P.appends, P.stop]);
      writeFileSync(join(dir, 'appends.pt'), zip([['archive/data.pkl', pkl]]));
      return { args: ['inspect', join(dir, 'appends.pt')], main: join(dir, 'appends.pt') };
    },
    expect: { code: 2, message: /the file holds a list, not a state dict or a checkpoint dict/ },
  },
  {
    name: 'pickle-deep-tuple-key', format: 'pytorch-legacy', finding: 6,
    build(dir) {
      // A legacy file: magic number, protocol version, sys_info, then a dict keyed by a tuple nested 100,000 deep.
      const magic = Buffer.concat([P.proto, Buffer.from([0x8a, 10]), Buffer.from('6c fc 9c 46 f9 20 6a a8 50 19'.split(' ').map((h) => parseInt(h, 16))), P.stop]);
      const version = Buffer.concat([P.proto, Buffer.from([0x4d, 0xe9, 0x03]), P.stop]);
      const sysInfo = Buffer.concat([P.proto, P.emptyDict, P.stop]);
      const deep = Buffer.concat([P.emptyTuple, Buffer.alloc(100000, 0x85)]);
      const object = Buffer.concat([P.proto, P.emptyDict, deep, P.none, P.setitem, P.stop]);
      writeFileSync(join(dir, 'deep.pt'), Buffer.concat([magic, version, sysInfo, object, P.proto, P.emptyList, P.stop]));
      return { args: ['inspect', join(dir, 'deep.pt')], main: join(dir, 'deep.pt') };
    },
    expect: { code: 2, message: /no state dict found: the file holds a dict with keys tuple/ },
  },
  {
    name: 'pytorch-100000-zero-dims', format: 'pytorch-zip', finding: 5,
    build(dir) {
      const dims = Array(100000).fill(0);
      const pkl = Buffer.concat([P.proto, P.emptyDict, P.str('w'), pickleTensor('0', 0, dims, dims), P.setitem, P.stop]);
      writeFileSync(join(dir, 'zeros.pt'), zip([['archive/data.pkl', pkl], ['archive/data/0', Buffer.alloc(0)]]));
      return { args: ['inspect', join(dir, 'zeros.pt')], main: join(dir, 'zeros.pt') };
    },
    expect: { code: 0 },
  },
  {
    name: 'keras2-repeated-names', format: 'keras', finding: 5,
    build(dir) {
      copyFileSync(fixture('hostile', 'keras2_repeated_names.h5'), join(dir, 'weights.h5'));
      return { args: ['inspect', join(dir, 'weights.h5')], main: join(dir, 'weights.h5') };
    },
    expect: { code: 2, message: /layer 'bn' is listed more than once in layer_names/ },
  },
  {
    name: 'hdf5-dimension-2p40', format: 'keras', finding: 7,
    build(dir) {
      copyFileSync(fixture('hostile', 'keras2_gamma_2p40.h5'), join(dir, 'weights.h5'));
      return { args: ['inspect', join(dir, 'weights.h5')], main: join(dir, 'weights.h5') };
    },
    expect: { code: 2, message: /dataset of shape \[1099511627776\] is larger than the file could hold \(\/bn\/bn\/gamma:0\)/ },
  },
  {
    name: 'tensorboard-40000-steps-one-tag', format: 'tensorboard', finding: 5,
    build(dir) {
      const records = [tfRecord(Buffer.concat([field(1, 1), Buffer.alloc(8), lengthDelimited(3, Buffer.from('brain.Event:2'))]))];
      for (let step = 0; step < 40000; step++) records.push(tfRecord(scalarEvent(step, 'loss', 1 / (step + 1))));
      writeFileSync(join(dir, 'events.out.tfevents.1700000000.host'), Buffer.concat(records));
      return { args: ['inspect', join(dir, 'events.out.tfevents.1700000000.host')], main: join(dir, 'events.out.tfevents.1700000000.host') };
    },
    expect: { code: 0 },
  },
  {
    name: 'tfrecord-length-2p60', format: 'tensorboard', finding: 7,
    build(dir) {
      const first = tfRecord(scalarEvent(1, 'loss', 0.5));
      writeFileSync(join(dir, 'events.out.tfevents.1700000000.host'), Buffer.concat([first, tfRecord(Buffer.alloc(16), 2n ** 60n).subarray(0, 28)]));
      return { args: ['inspect', join(dir, 'events.out.tfevents.1700000000.host')], main: join(dir, 'events.out.tfevents.1700000000.host') };
    },
    expect: { code: 2, message: /a record length of 1152921504606846976 bytes is more than an event can be \(2 GiB\): the file is damaged/ },
  },
  ...[
    ['extra-key', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), 'x': 1}", /NumPy expects exactly 'descr', 'fortran_order' and 'shape'/],
    ['shape-not-ints', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, '3'), }", /the shape is not a tuple of integers/],
    ['fortran-not-bool', "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1, 3), }", /the header is not a Python literal as NumPy writes it/],
    ['expression', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3*1), }", /the header is not a Python literal as NumPy writes it/],
    ['not-a-dict', "[('descr', '<f4'), ('fortran_order', False), ('shape', (1, 3))]", /the header is not a dict/],
  ].map(([label, header, message]) => ({
    name: `npy-header-${label}`, format: 'npy', finding: 7,
    build(dir) {
      writeFileSync(join(dir, 'x.npy'), Buffer.concat([npyHeader(header), Buffer.alloc(12)]));
      return { args: ['forward', ONNX_MODEL, '--input', join(dir, 'x.npy')], main: join(dir, 'x.npy') };
    },
    expect: { code: 2, message },
  })),
];
