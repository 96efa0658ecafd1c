// safetensors reader: an 8-byte little-endian header size N, N bytes of JSON, then the tensors'
// bytes. The header is checked the way the format's reference implementation does (size limit, JSON
// object, known dtypes, offsets that tile the data from 0 to its end without gaps or overlaps);
// tensors are views into the file, decoded on demand.

import type { ModelDescription, TensorDType, TensorInfo } from '../model';
import { SafetensorsError } from '../errors';
import { parseJson } from '../json';
import type { ModelSource } from '../source';
import { BYTES_PER_ELEMENT, elementCount, hexHead, rawTensor } from '../tensor';
import { groupNormParams, groupNotes, normLayerOf } from '../stateDict';

/** The reference implementation's MAX_HEADER_SIZE. */
const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Record<string, TensorDType> = {
  F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64', I8: 'int8', U8: 'uint8', I16: 'int16',
  U16: 'uint16', I32: 'int32', U32: 'uint32', I64: 'int64', U64: 'uint64', BOOL: 'bool',
};

interface Entry { name: string; dtype: TensorDType; shape: number[]; begin: number; end: number }

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseHeader(file: string, bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  const fail = (problem: string, where = 'header'): SafetensorsError => new SafetensorsError(file, problem, where);
  if (bytes.length < 8) throw fail(`the file has ${bytes.length} bytes, fewer than the 8-byte header size`, 'byte 0');
  const size = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (size > BigInt(MAX_HEADER_BYTES)) throw fail(`the header size ${size} is over the format's limit of ${MAX_HEADER_BYTES} bytes`, 'byte 0');
  const n = Number(size);
  if (8 + n > bytes.length) throw fail(`the header size ${n} runs past the end of the file (${bytes.length} bytes)`, 'byte 0');
  if (bytes[8] !== 0x7b) throw fail(`the header must be a JSON object starting with '{', it starts with ${hexHead(bytes.subarray(8), 4)}`, 'byte 8');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw fail('the header is not valid UTF-8', 'header');
  }
  const parsed = parseJson(text);
  if ('problem' in parsed) throw fail(`the header is not JSON that BN Lens reads: ${parsed.problem}`, 'header');
  const header = parsed.value;
  if (!isObject(header)) throw fail('the header is JSON but not an object');
  return { header, dataStart: 8 + n };
}

function parseEntry(file: string, name: string, v: unknown): Entry {
  const where = `header['${name}']`;
  const fail = (problem: string): SafetensorsError => new SafetensorsError(file, problem, where);
  if (!isObject(v)) throw fail(`tensor '${name}' is ${JSON.stringify(v)}, not an object with dtype, shape and data_offsets`);
  const dtype = typeof v.dtype === 'string' ? DTYPES[v.dtype] : undefined;
  if (!dtype) throw fail(`tensor '${name}' has dtype ${JSON.stringify(v.dtype)}; expected one of ${Object.keys(DTYPES).join(', ')}`);
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`tensor '${name}' has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d): d is number => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`);
  }
  const [begin, end] = offsets;
  if (end < begin) throw fail(`tensor '${name}' has data_offsets [${begin}, ${end}], which end before they begin`);
  const count = elementCount(shape);
  const width = BYTES_PER_ELEMENT[dtype] ?? 1;
  if (Number.isNaN(count) || count * width !== end - begin) {
    throw fail(`tensor '${name}' of shape [${shape.join(',')}] and dtype ${String(v.dtype)} needs ${count * width} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

/** The tensors must tile the data buffer: sorted by offset, the first begins at 0, each begins where the last ended, the last ends at the end of the file. */
function checkLayout(file: string, entries: Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin !== expected) {
      const what = e.begin < expected ? 'overlaps the tensor before it' : 'leaves a gap after the tensor before it';
      throw new SafetensorsError(file, `tensor '${e.name}' begins at data offset ${e.begin} but the data before it ends at ${expected}: it ${what}`, `header['${e.name}'].data_offsets`);
    }
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(file, `the tensors cover ${expected} bytes of data but the file holds ${dataLength} after the header`, 'data');
  }
}


export async function readSafetensors(source: ModelSource): Promise<ModelDescription> {
  const file = source.name;
  const { header, dataStart } = parseHeader(file, source.bytes);
  const notes: string[] = [];
  const metadata = header.__metadata__;
  if (metadata !== undefined && (!isObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string'))) {
    throw new SafetensorsError(file, `__metadata__ must map strings to strings, it is ${JSON.stringify(metadata).slice(0, 80)}`, "header['__metadata__']");
  }
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__').map(([k, v]) => parseEntry(file, k, v));
  const data = source.bytes.subarray(dataStart);
  checkLayout(file, entries, data.length);
  const fail = (problem: string, where?: string): SafetensorsError => new SafetensorsError(file, problem, where);
  const tensors: TensorInfo[] = entries.map((e) => rawTensor(e.name, e.dtype, e.shape, data.subarray(e.begin, e.end), fail, `header['${e.name}']`));
  const groups = groupNormParams(tensors);
  notes.push(...groupNotes(groups));
  if (groups.some((g) => g.style === 'pytorch' && g.kind === 'BatchNorm')) {
    notes.push('A state dict holds no epsilon or momentum: PyTorch\'s defaults are eps 1e-5 and momentum 0.1 unless the model was built otherwise.');
  }
  const format = isObject(metadata) && typeof metadata.format === 'string' ? metadata.format : null;
  return {
    file,
    format: 'safetensors',
    variant: 'safetensors',
    producer: format ? `safetensors (format "${format}")` : null,
    producerVersion: null,
    opset: null,
    graph: null,
    tensors,
    normLayers: groups.map((g) => normLayerOf(g, `${g.kind} (state dict)`)),
    notes,
  };
}
