// A bounds-checked zip reader for the zip-based formats (PyTorch checkpoints, Keras 3 .keras, NumPy
// .npz). It reads the central directory only; an entry's bytes are a view into the file when stored
// (PyTorch stores tensors uncompressed and 64-byte aligned) and are inflated with fflate only when
// asked for, only as far as asked (a storage of which the tensors use the first bytes), in small steps
// that stop once enough came out. What an archive inflates in total is held to a budget tied to its
// size, so a small file cannot make a reader allocate gigabytes (a decompression bomb): deflate packs
// zeros 1000:1, and such an archive is refused with a message instead of exhausting memory.

import { Inflate } from 'fflate';
import type { ErrorFactory } from './errors';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** Deflate cannot compress better than about 1032:1, so a larger claimed size is a lie. */
const MAX_DEFLATE_RATIO = 1032;
/** Compressed bytes pushed to the inflater per step: at most ~16 MB of output per step. */
const INFLATE_STEP = 16 * 1024;

/**
 * How many bytes an archive of `archiveBytes` may inflate in total: 32 MiB plus four times its size.
 * Real archives inflate to little more than their size (float weights do not compress); a .keras of
 * 100 MB may inflate to 432 MB.
 */
export function inflateBudget(archiveBytes: number): number {
  return 32 * 1024 * 1024 + 4 * archiveBytes;
}

export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

export class ZipArchive {
  readonly entries: ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;
  private readonly view: DataView;

  /** Bytes inflated so far, against the budget. */
  private inflated = 0;
  private readonly budget: number;

  constructor(private readonly bytes: Uint8Array, private readonly fail: ErrorFactory, budget?: number) {
    this.budget = budget ?? inflateBudget(bytes.length);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = this.readCentralDirectory();
    this.byName = new Map(this.entries.map((e) => [e.name, e]));
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /**
   * The entry's uncompressed bytes (a view into the file for stored entries); with `upTo`, only its
   * first `upTo` bytes (the entry must hold that many).
   */
  read(entry: ZipEntry, upTo?: number): Uint8Array {
    const where = `zip entry '${entry.name}'`;
    if (entry.encrypted) throw this.fail(`entry '${entry.name}' is encrypted`, where);
    const at = entry.localHeaderOffset;
    this.need(at, 30, where);
    if (this.view.getUint32(at, true) !== LOCAL_SIGNATURE) {
      throw this.fail(`entry '${entry.name}' has no local header at byte ${at} (found 0x${this.view.getUint32(at, true).toString(16)})`, where);
    }
    const start = at + 30 + this.view.getUint16(at + 26, true) + this.view.getUint16(at + 28, true);
    this.need(start, entry.compressedSize, where);
    const data = this.bytes.subarray(start, start + entry.compressedSize);
    const want = upTo ?? entry.size;
    if (want > entry.size) throw this.fail(`entry '${entry.name}' holds ${entry.size} bytes, ${want} are needed`, where);
    if (entry.method === METHOD_STORED) {
      if (entry.size !== entry.compressedSize) throw this.fail(`stored entry '${entry.name}' claims ${entry.size} bytes but holds ${entry.compressedSize}`, where);
      return data.subarray(0, want);
    }
    if (entry.method !== METHOD_DEFLATE) throw this.fail(`entry '${entry.name}' uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`, where);
    if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw this.fail(`entry '${entry.name}' claims ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can give`, where);
    }
    if (this.inflated + want > this.budget) {
      throw this.fail(`entry '${entry.name}' would inflate to ${want} bytes, which takes the archive past ${this.budget} inflated bytes (32 MiB + 4× its ${this.bytes.length} bytes): refused as a possible decompression bomb`, where);
    }
    this.inflated += want;
    return this.inflate(entry, data, want, where);
  }

  /** Inflates `data` step by step into `want` bytes, stopping as soon as they are there. */
  private inflate(entry: ZipEntry, data: Uint8Array, want: number, where: string): Uint8Array {
    const out = new Uint8Array(want);
    let got = 0;
    let more = false;
    let ended = false;
    const inflater = new Inflate((chunk, final) => {
      const n = Math.min(chunk.length, want - got);
      out.set(chunk.subarray(0, n), got);
      got += n;
      if (chunk.length > n) more = true;
      if (final) ended = true;
    });
    try {
      for (let at = 0; at < data.length && !more && !(got === want && want < entry.size); at += INFLATE_STEP) {
        inflater.push(data.subarray(at, at + INFLATE_STEP), at + INFLATE_STEP >= data.length);
      }
      if (data.length === 0) inflater.push(data, true);
    } catch (e) {
      throw this.fail(`entry '${entry.name}' does not inflate (${e instanceof Error ? e.message : String(e)})`, where);
    }
    if (want === entry.size && (more || got !== want || !ended)) {
      throw this.fail(`entry '${entry.name}' inflates to ${more ? 'more than' : got} bytes, its header says ${entry.size}`, where);
    }
    if (got < want) throw this.fail(`entry '${entry.name}' inflates to ${got} bytes, ${want} are needed`, where);
    return out;
  }

  private need(offset: number, length: number, where: string): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw this.fail(`needs bytes ${offset}..${offset + length}, the file has ${this.bytes.length}`, where);
    }
  }

  private u64(at: number): number {
    const v = this.view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  private findEndOfCentralDirectory(): number {
    // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
    const lowest = Math.max(0, this.bytes.length - 22 - 0xffff);
    for (let at = this.bytes.length - 22; at >= lowest; at--) {
      if (this.view.getUint32(at, true) === EOCD_SIGNATURE) return at;
    }
    throw this.fail('not a complete zip archive: no end-of-central-directory record (the file may be truncated)', 'end of file');
  }

  private readCentralDirectory(): ZipEntry[] {
    const eocd = this.findEndOfCentralDirectory();
    let count = this.view.getUint16(eocd + 10, true);
    let size = this.view.getUint32(eocd + 12, true);
    let offset = this.view.getUint32(eocd + 16, true);
    if ((count === 0xffff || size === 0xffffffff || offset === 0xffffffff) && eocd >= 20 && this.view.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIGNATURE) {
      const zip64 = this.u64(eocd - 12);
      this.need(zip64, 56, 'zip64 end of central directory');
      if (this.view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) throw this.fail(`no zip64 end-of-central-directory record at byte ${zip64}`, 'zip64 locator');
      count = this.u64(zip64 + 32);
      size = this.u64(zip64 + 40);
      offset = this.u64(zip64 + 48);
    }
    this.need(offset, size, 'central directory');
    // Each central record takes at least 46 bytes, which bounds the count before anything is allocated.
    if (count * 46 > size) throw this.fail(`the central directory claims ${count} entries in ${size} bytes`, 'central directory');
    const entries: ZipEntry[] = [];
    let at = offset;
    const end = offset + size;
    const utf8 = new TextDecoder();
    for (let i = 0; i < count; i++) {
      const where = `central directory entry ${i}`;
      if (at + 46 > end) throw this.fail(`entry ${i} runs past the central directory`, where);
      if (this.view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw this.fail(`entry ${i} has a bad signature at byte ${at}`, where);
      const nameLength = this.view.getUint16(at + 28, true);
      const extraLength = this.view.getUint16(at + 30, true);
      const commentLength = this.view.getUint16(at + 32, true);
      if (at + 46 + nameLength + extraLength + commentLength > end) throw this.fail(`entry ${i} runs past the central directory`, where);
      const name = utf8.decode(this.bytes.subarray(at + 46, at + 46 + nameLength));
      let compressedSize = this.view.getUint32(at + 20, true);
      let sizeField = this.view.getUint32(at + 24, true);
      let localHeaderOffset = this.view.getUint32(at + 42, true);
      // Zip64 extra field (id 1): 8-byte values for exactly the fields that are 0xffffffff, in this order.
      for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength;) {
        const id = this.view.getUint16(x, true);
        const length = this.view.getUint16(x + 2, true);
        if (id === 1) {
          let y = x + 4;
          const take = (): number => { const v = y + 8 <= x + 4 + length ? this.u64(y) : 0xffffffff; y += 8; return v; };
          if (sizeField === 0xffffffff) sizeField = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
        }
        x += 4 + length;
      }
      entries.push({
        name,
        method: this.view.getUint16(at + 10, true),
        compressedSize,
        size: sizeField,
        localHeaderOffset,
        encrypted: (this.view.getUint16(at + 8, true) & 1) === 1,
      });
      at += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  }
}
