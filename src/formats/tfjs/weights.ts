// TF.js weights manifests: groups of shard files whose bytes, concatenated in the order of the
// group's paths, hold the group's weights one after another. Weights may be quantized to uint8/uint16
// (value = q·scale + min) or stored as float16.

import type { TensorDType, TensorInfo } from '../model';
import type { ErrorFactory } from '../errors';
import { printable, readSiblingChecked, type ModelSource } from '../source';
import { BYTES_PER_ELEMENT, decodeRaw, elementCount, lazyTensor } from '../tensor';
import { isRecord } from '../keras/config';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: TensorDType;
  /** How the bytes are stored, when it differs from dtype. */
  stored: TensorDType;
  scale: number;
  min: number;
}

const DTYPES: Record<string, TensorDType> = { float32: 'float32', int32: 'int32', bool: 'bool', uint8: 'uint8', uint16: 'uint16', float16: 'float16', complex64: 'other', string: 'string' };

function parseWeight(v: unknown, fail: ErrorFactory, where: string): ManifestWeight {
  if (!isRecord(v) || typeof v.name !== 'string') throw fail('a weight entry without a name', where);
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`weight '${v.name}' has shape ${JSON.stringify(shape)}, not a list of sizes`, where);
  }
  const dtype = typeof v.dtype === 'string' ? DTYPES[v.dtype] : undefined;
  if (!dtype || dtype === 'other' || dtype === 'string') throw fail(`weight '${v.name}' has dtype ${JSON.stringify(v.dtype)}, which BN Lens cannot read (float32, int32, bool)`, where);
  const q = v.quantization;
  if (q === undefined || q === null) return { name: v.name, shape, dtype, stored: dtype, scale: 1, min: 0 };
  if (!isRecord(q) || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
    throw fail(`weight '${v.name}' has quantization ${JSON.stringify(q)}; expected dtype uint8, uint16 or float16`, where);
  }
  if (q.dtype === 'float16') return { name: v.name, shape, dtype, stored: 'float16', scale: 1, min: 0 };
  if (typeof q.scale !== 'number' || typeof q.min !== 'number') throw fail(`weight '${v.name}' is quantized to ${q.dtype} without a numeric scale and min`, where);
  return { name: v.name, shape, dtype, stored: q.dtype, scale: q.scale, min: q.min };
}

export async function readManifest(source: ModelSource, manifest: unknown, fail: ErrorFactory, where: string): Promise<TensorInfo[]> {
  if (!Array.isArray(manifest)) throw fail(`the weights manifest is ${JSON.stringify(manifest)?.slice(0, 40)}, not a list of groups`, where);
  const tensors: TensorInfo[] = [];
  // A shard belongs to one group, once: a manifest listing a file again would make the reader
  // concatenate it again (one 30 KB shard listed 20,000 times is 600 MB).
  const seen = new Set<string>();
  for (const [g, group] of manifest.entries()) {
    const at = `${where}[${g}]`;
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw fail('a manifest group without paths and weights', at);
    const shards: Uint8Array[] = [];
    for (const p of group.paths) {
      if (typeof p !== 'string') throw fail(`a weight file path ${JSON.stringify(p)} that is not a string`, `${at}.paths`);
      const clean = p.replace(/^\.\//, '');
      if (seen.has(clean)) throw fail(`the weight file '${printable(p)}' is listed more than once`, `${at}.paths`);
      seen.add(clean);
      // Shard paths are relative to model.json and stay inside its folder (checked, symbolic links too).
      const bytes = await readSiblingChecked(source, clean, fail, 'weight file path', `${at}.paths`);
      if (!bytes) throw fail(`the weight file '${printable(p)}' is not next to the model`, `${at}.paths`);
      shards.push(bytes);
    }
    const total = shards.reduce((n, s) => n + s.length, 0);
    const data = shards.length === 1 ? shards[0] : new Uint8Array(total);
    if (shards.length > 1) {
      let offset = 0;
      for (const s of shards) { data.set(s, offset); offset += s.length; }
    }
    let offset = 0;
    for (const [w, raw] of group.weights.entries()) {
      const weight = parseWeight(raw, fail, `${at}.weights[${w}]`);
      const count = elementCount(weight.shape);
      const size = count * (BYTES_PER_ELEMENT[weight.stored] ?? 1);
      if (Number.isNaN(count) || offset + size > data.length) {
        throw fail(`weight '${weight.name}' needs bytes ${offset}..${offset + size} of the group's weight files, which hold ${data.length}`, `${at}.weights[${w}]`);
      }
      const bytes = data.subarray(offset, offset + size);
      offset += size;
      tensors.push(lazyTensor(weight.name, weight.dtype, weight.shape, () => {
        const v = decodeRaw(bytes, weight.stored, count);
        if (weight.stored === 'uint8' || weight.stored === 'uint16') for (let i = 0; i < count; i++) v[i] = v[i] * weight.scale + weight.min;
        return v;
      }));
    }
  }
  return tensors;
}
