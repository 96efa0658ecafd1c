// TFRecord framing (tensorflow/core/lib/io/record_writer.cc): each record is
//   uint64 length, uint32 masked CRC32C of the length bytes, data[length], uint32 masked CRC32C of data
// all little-endian. A record cut short at the end of the file is a writer still at work, not damage:
// the records before it are returned and `incomplete` is set.

import type { ErrorFactory } from '../errors';
import { maskedCrc32c } from './crc32c';

export interface TfRecords {
  /** Each record's data (views into the file) with its byte offset. */
  readonly records: { data: Uint8Array; offset: number }[];
  /** True when the file ends inside a record. */
  readonly incomplete: boolean;
}

const HEADER = 12;
const FOOTER = 4;
/** An Event is a protobuf message, which cannot exceed 2 GiB: a longer record is damage, not a record still being written. */
const MAX_RECORD_BYTES = 2n ** 31n;

export function readTfRecords(bytes: Uint8Array, fail: ErrorFactory): TfRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: { data: Uint8Array; offset: number }[] = [];
  let at = 0;
  while (at < bytes.length) {
    const where = `record ${records.length} at byte ${at}`;
    if (bytes.length - at < HEADER) return { records, incomplete: true };
    const length = view.getBigUint64(at, true);
    const lengthCrc = view.getUint32(at + 8, true);
    const expected = maskedCrc32c(bytes.subarray(at, at + 8));
    if (lengthCrc !== expected) {
      throw fail(`the length field's checksum is 0x${lengthCrc.toString(16).padStart(8, '0')}, expected 0x${expected.toString(16).padStart(8, '0')}: the file is damaged`, where);
    }
    if (length > MAX_RECORD_BYTES) throw fail(`a record length of ${length} bytes is more than an event can be (2 GiB): the file is damaged`, where);
    const remaining = BigInt(bytes.length - at - HEADER - FOOTER);
    if (length > remaining) return { records, incomplete: true };
    const n = Number(length);
    const data = bytes.subarray(at + HEADER, at + HEADER + n);
    const dataCrc = view.getUint32(at + HEADER + n, true);
    const expectedData = maskedCrc32c(data);
    if (dataCrc !== expectedData) {
      throw fail(`the data checksum of a ${n}-byte record is 0x${dataCrc.toString(16).padStart(8, '0')}, expected 0x${expectedData.toString(16).padStart(8, '0')}: the file is damaged`, where);
    }
    records.push({ data, offset: at + HEADER });
    at += HEADER + n + FOOTER;
  }
  return { records, incomplete: false };
}
