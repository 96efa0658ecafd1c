// The shared building blocks: zip archives, the pickle VM and format detection.
import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { ZipArchive } from '../../../src/formats/zip';
import { FormatError } from '../../../src/formats/errors';
import { PyDict, PyTuple, unpickle, type PickleOptions } from '../../../src/formats/pytorch/pickle';
import { REFUSAL, resolveGlobal } from '../../../src/formats/pytorch/torch';
import { readModel } from '../../../src/formats/read';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OWN, memorySource } from './helpers';

const fail = (problem: string, where?: string): FormatError => new FormatError('unknown', 'test', problem, where);

describe('zip', () => {
  const archive = zipSync({ 'a/data.pkl': strToU8('pickle'), 'a/data/0': [new Uint8Array(64), { level: 0 }], 'big.txt': strToU8('x'.repeat(5000)) });

  it('reads stored entries as views and deflated ones inflated', () => {
    const zip = new ZipArchive(archive, fail);
    expect(zip.entries.map((e) => e.name)).toEqual(['a/data.pkl', 'a/data/0', 'big.txt']);
    const stored = zip.read(zip.get('a/data/0')!);
    expect(stored.buffer).toBe(archive.buffer);
    expect(new TextDecoder().decode(zip.read(zip.get('big.txt')!))).toBe('x'.repeat(5000));
  });

  it('refuses a central directory claiming more entries than it has room for', () => {
    const bytes = archive.slice();
    const view = new DataView(bytes.buffer);
    const eocd = bytes.length - 22;
    view.setUint16(eocd + 10, 60000, true);
    expect(() => new ZipArchive(bytes, fail)).toThrow(/the central directory claims 60000 entries in \d+ bytes/);
  });

  it('refuses an entry claiming more inflated bytes than deflate can give', () => {
    const bytes = archive.slice();
    const zip = new ZipArchive(bytes, fail);
    const entry = { ...zip.get('big.txt')!, size: 2 ** 40 };
    expect(() => zip.read(entry)).toThrow(/claims 1099511627776 bytes from \d+ compressed, more than deflate can give/);
  });

  it('a truncated archive has no end record', () => {
    expect(() => new ZipArchive(archive.subarray(0, archive.length - 30), fail)).toThrow('not a complete zip archive: no end-of-central-directory record (the file may be truncated) (end of file)');
  });
});

describe('pickle VM', () => {
  const options: PickleOptions = { resolveGlobal, refusal: REFUSAL, persistentLoad: () => null };
  const run = (...bytes: number[]): unknown => unpickle(Uint8Array.from(bytes), 0, options, fail, 'test').value;
  const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

  it('builds dicts, lists, tuples, numbers and strings', () => {
    // {'a': [1, 2.5, True], 'b': ('x', None)} with protocol 2 opcodes
    const value = run(0x80, 2, 0x7d, 0x28, 0x58, 1, 0, 0, 0, ...ascii('a'), 0x5d, 0x28, 0x4b, 1, 0x47, 0x40, 0x04, 0, 0, 0, 0, 0, 0, 0x88, 0x65,
      0x58, 1, 0, 0, 0, ...ascii('b'), 0x8c, 1, ...ascii('x'), 0x4e, 0x86, 0x75, 0x2e);
    expect(value).toBeInstanceOf(PyDict);
    const d = value as PyDict;
    expect(d.get('a')).toEqual([1, 2.5, true]);
    expect(d.get('b')).toEqual(new PyTuple(['x', null]));
  });

  it('refuses globals off the allowlist, naming them', () => {
    expect(() => run(0x80, 2, 0x63, ...ascii('builtins\neval\n'), 0x2e)).toThrow("the file refers to the Python global 'builtins.eval', which is not allowed");
    expect(() => run(0x80, 4, 0x8c, 8, ...ascii('posixpth'), 0x8c, 6, ...ascii('system'), 0x93, 0x2e)).toThrow("'posixpth.system'");
  });

  it('refuses INST/OBJ, unknown opcodes, missing memo entries and oversized lengths', () => {
    expect(() => run(0x69, ...ascii('os\nsystem\n'), 0x2e)).toThrow('instantiates a class directly');
    expect(() => run(0x80, 2, 0xff)).toThrow('unknown pickle opcode 0xff');
    expect(() => run(0x80, 2, 0x68, 7, 0x2e)).toThrow('reads memo entry 7, which was never stored');
    expect(() => run(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f, 0x2e)).toThrow('the pickle needs 2147483647 more bytes but the data ends');
    expect(() => run(0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 1, 0x2e)).toThrow('a length of 72057594037927936 bytes is more than the file holds');
    expect(() => run(0x80, 2, 0x8b, 0, 0, 1, 0, 0x2e)).toThrow('a LONG4 integer of 65536 bytes is longer than a weights file needs');
    expect(() => run(0x80, 2, 0x30)).toThrow('pops from an empty stack');
  });
});

describe('detection', () => {
  it('an unknown file says which formats were expected and what it starts with', async () => {
    const error = await readModel(memorySource('notes.txt', strToU8('hello world'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toBe('notes.txt: not a model file BN Lens can read (expected ONNX (.onnx), PyTorch (.pt/.pth), safetensors, Keras (.keras/.h5), TF.js (model.json) or a TensorBoard event file (events.out.tfevents.*)); it starts with 68 65 6c 6c 6f 20 77 6f (byte 0)');
  });

  it('a zip that is neither PyTorch nor Keras, and JSON that is no model, are named as such', async () => {
    const zip = await readModel(memorySource('x.zip', zipSync({ 'readme.txt': strToU8('hi') }))).catch((e: unknown) => e);
    expect((zip as Error).message).toBe('x.zip: a zip archive, but neither a PyTorch checkpoint (no */data.pkl) nor a Keras .keras file (no config.json + model.weights.h5); it holds readme.txt (zip central directory)');
    const json = await readModel(memorySource('x.json', strToU8('{"a": 1}'))).catch((e: unknown) => e);
    expect((json as Error).message).toBe('x.json: a JSON file, but neither a TF.js model.json (modelTopology/weightsManifest), a TF.js weights manifest nor a Keras model architecture (JSON)');
  });

  it('the format comes from the bytes, not the name', async () => {
    const pt = new Uint8Array(readFileSync(join(OWN, 'pytorch', 'state_dict_zip.pt')));
    expect((await readModel(memorySource('misnamed.onnx', pt))).format).toBe('pytorch');
    const st = new Uint8Array(readFileSync(join(OWN, 'safetensors', 'state_dict.safetensors')));
    expect((await readModel(memorySource('weights.bin', st))).format).toBe('safetensors');
  });
});
