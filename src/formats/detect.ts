// Which format a file is, from its bytes first (magic numbers, zip entries, JSON keys, record
// framing) and its name only where the bytes cannot tell (a damaged file with a telling extension is
// handed to that format's reader, whose error then says what is wrong with it).

import type { FormatId } from './model';
import { baseName } from './source';
import { looksLikeOnnx } from './onnx/reader';
import { looksLikeZip, ZipArchive } from './zip';
import { FormatError, errorFor } from './errors';
import { maskedCrc32c } from './tensorboard/crc32c';
import { parseJson } from './json';

export type Detected =
  | { format: 'onnx' | 'safetensors' | 'tensorboard' | 'pytorch-pickle' | 'hdf5' }
  | { format: 'pytorch-zip' | 'keras-zip'; zip: ZipArchive }
  | { format: 'json'; json: unknown };

export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** HDF5's superblock is at byte 0 or, after a user block, at 512, 1024, 2048, … */
export function hdf5SuperblockOffset(bytes: Uint8Array): number | null {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return at;
  }
  return null;
}

/** safetensors: an 8-byte little-endian header length, then that many bytes of JSON starting with '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

/** A TFRecord starts with a uint64 length whose masked CRC32C follows it. */
export function looksLikeTfRecord(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const expected = new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  return maskedCrc32c(bytes.subarray(0, 8)) === expected;
}

/** A pickle stream begins with the PROTO opcode (0x80) and a protocol number 2–5. */
export function looksLikePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue; // whitespace, BOM
    return b === 0x7b || b === 0x5b;
  }
  return false;
}

function zipKind(zip: ZipArchive): 'pytorch-zip' | 'keras-zip' | null {
  const names = zip.entries.map((e) => e.name);
  if (names.some((n) => n === 'data.pkl' || n.endsWith('/data.pkl'))) return 'pytorch-zip';
  if (names.includes('config.json') && names.includes('model.weights.h5')) return 'keras-zip';
  return null;
}

const EXTENSIONS: [RegExp, FormatId][] = [
  [/\.onnx$/i, 'onnx'],
  [/\.safetensors$/i, 'safetensors'],
  [/\.(pt|pth|bin|ckpt|tar)$/i, 'pytorch'],
  [/\.(keras|h5|hdf5)$/i, 'keras'],
  [/^events\.out\.tfevents\./, 'tensorboard'],
];

export function formatFromName(name: string): FormatId | null {
  const base = baseName(name);
  return EXTENSIONS.find(([re]) => re.test(base))?.[1] ?? null;
}

export const EXPECTED_FORMATS =
  'ONNX (.onnx), PyTorch (.pt/.pth), safetensors, Keras (.keras/.h5), TF.js (model.json) or a TensorBoard event file (events.out.tfevents.*)';

/** The format by content, or null when the bytes match none. */
export function detectFormat(file: string, bytes: Uint8Array): Detected | null {
  if (looksLikeZip(bytes)) {
    const zip = new ZipArchive(bytes, errorFor(formatFromName(file) ?? 'unknown', file));
    const kind = zipKind(zip);
    if (!kind) {
      const shown = zip.entries.slice(0, 5).map((e) => e.name).join(', ');
      throw new FormatError('unknown', file, `a zip archive, but neither a PyTorch checkpoint (no */data.pkl) nor a Keras .keras file (no config.json + model.weights.h5); it holds ${shown || 'nothing'}`, 'zip central directory');
    }
    return { format: kind, zip };
  }
  if (hdf5SuperblockOffset(bytes) !== null) return { format: 'hdf5' };
  if (looksLikeSafetensors(bytes)) return { format: 'safetensors' };
  if (looksLikeTfRecord(bytes)) return { format: 'tensorboard' };
  if (looksLikePickle(bytes)) return { format: 'pytorch-pickle' };
  if (looksLikeOnnx(bytes)) return { format: 'onnx' };
  if (looksLikeJson(bytes)) {
    const parsed = parseJson(new TextDecoder().decode(bytes));
    if ('problem' in parsed) throw new FormatError('unknown', file, `starts like JSON but is not JSON that BN Lens reads: ${parsed.problem}`, 'JSON');
    return { format: 'json', json: parsed.value };
  }
  return null;
}
