// A field-by-field walk over protobuf wire data on top of protobufjs's Reader, for the messages the
// ONNX and TensorBoard readers need. Length-delimited fields come back as subarray views of the
// file (never copies), so a 100 MB initializer costs nothing until its values are asked for, and
// int64 fields come back as plain numbers. Every failure of the underlying Reader (truncation, a bad
// varint, an unknown wire type) is turned into the caller's FormatError, naming the message path.

import { Reader } from 'protobufjs/minimal';
import type { ErrorFactory } from './errors';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface Field {
  readonly number: number;
  readonly wireType: number;
}

const utf8 = new TextDecoder();

/** protobufjs returns int64 as a Long when the long library is present, else as a number. */
function readInt64(reader: Reader): number {
  const v: unknown = reader.int64();
  if (typeof v === 'number') return v;
  return (v as { toNumber(): number }).toNumber();
}

export class WireReader {
  private readonly reader: Reader;

  constructor(
    readonly bytes: Uint8Array,
    private readonly fail: ErrorFactory,
    /** The message's place in the file, e.g. "graph.node[3]", for error messages. */
    readonly where: string,
    /** Offset of bytes[0] in the whole file, so messages can say "byte N". */
    readonly baseOffset = 0,
  ) {
    this.reader = Reader.create(bytes);
  }

  /** The next field's number and wire type, or null at the end of the message. */
  next(): Field | null {
    if (this.reader.pos >= this.reader.len) return null;
    const tag = this.guard(() => this.reader.uint32());
    const number = tag >>> 3;
    const wireType = tag & 7;
    if (number === 0) throw this.fail(`invalid protobuf tag ${tag} (field number 0) at byte ${this.position()}`, this.where);
    return { number, wireType };
  }

  /** The offset in the file of the reader's position. */
  position(): number {
    return this.baseOffset + this.reader.pos;
  }

  varint(field: Field): number {
    this.expect(field, WIRE_VARINT);
    return this.guard(() => readInt64(this.reader));
  }

  float(field: Field): number {
    this.expect(field, WIRE_FIXED32);
    return this.guard(() => this.reader.float());
  }

  double(field: Field): number {
    this.expect(field, WIRE_FIXED64);
    return this.guard(() => this.reader.double());
  }

  /** A length-delimited field as a view into the file. */
  bytesField(field: Field): Uint8Array {
    this.expect(field, WIRE_BYTES);
    const length = this.guard(() => this.reader.uint32());
    const start = this.reader.pos;
    if (length > this.reader.len - start) {
      throw this.fail(`field ${field.number} claims ${length} bytes at byte ${this.position()}, but only ${this.reader.len - start} remain (the file is truncated or damaged)`, this.where);
    }
    this.reader.pos = start + length;
    return this.bytes.subarray(start, start + length);
  }

  string(field: Field): string {
    return utf8.decode(this.bytesField(field));
  }

  /** A nested message: a reader over its bytes, positioned in the file. */
  message(field: Field, where: string): WireReader {
    const bytes = this.bytesField(field);
    return new WireReader(bytes, this.fail, where, this.position() - bytes.length);
  }

  /** Repeated numeric fields arrive packed (one length-delimited run) or one by one; this takes both. */
  repeatedVarints(field: Field, into: number[]): void {
    if (field.wireType !== WIRE_BYTES) {
      into.push(this.varint(field));
      return;
    }
    const bytes = this.bytesField(field);
    WireReader.packedVarints(bytes, this.fail, this.where, this.position() - bytes.length, into);
  }

  /**
   * A repeated fixed-width field (float, double, fixed64) as raw little-endian bytes: the packed run
   * itself, or the one value of an unpacked entry, both views into the file.
   */
  fixedRaw(field: Field, width: 4 | 8): Uint8Array {
    if (field.wireType === WIRE_BYTES) return this.bytesField(field);
    this.expect(field, width === 4 ? WIRE_FIXED32 : WIRE_FIXED64);
    const start = this.reader.pos;
    this.guard(() => this.reader.skip(width));
    return this.bytes.subarray(start, start + width);
  }

  /** All varints in a packed run (a view from bytesField), as numbers. */
  static packedVarints(bytes: Uint8Array, fail: ErrorFactory, where: string, baseOffset: number, into: number[]): void {
    const packed = new WireReader(bytes, fail, where, baseOffset);
    while (packed.reader.pos < packed.reader.len) into.push(packed.guard(() => readInt64(packed.reader)));
  }

  skip(field: Field): void {
    this.guard(() => this.reader.skipType(field.wireType));
  }

  private expect(field: Field, wireType: number): void {
    if (field.wireType !== wireType) {
      throw this.fail(`field ${field.number} has wire type ${field.wireType}, expected ${wireType}, at byte ${this.position()}`, this.where);
    }
  }

  private guard<T>(read: () => T): T {
    try {
      return read();
    } catch (e) {
      // protobufjs says e.g. "index out of range: 1234 + 10 > 1240" or "invalid wire type 7 at offset 12".
      const why = e instanceof Error ? e.message : String(e);
      throw this.fail(`the protobuf data is damaged or truncated (${why}) at byte ${this.position()}`, this.where);
    }
  }
}
