// PNG and JPEG files as 8-bit RGB pixels, decoded by maintained pure-JS libraries (pngjs, jpeg-js), which
// bundle into the worker and the CLI. The files are hostile: the dimensions are read from the header and
// checked before a decoder allocates anything, and every decoder failure becomes an InputError naming the file.
// The result is what PIL's `Image.open(f).convert('RGB')` gives: grey replicated to R, G and B, a palette
// expanded, alpha dropped (not composited), 16-bit samples reduced to 8 bits.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InputError } from './inputError';

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Row-major RGB, 3 bytes per pixel. */
  readonly data: Uint8Array;
}

export type ImageKind = 'png' | 'jpeg';

/** Largest image decoded: 40 megapixels (a 7000 × 5700 photo), and no side above 16384. */
export const MAX_IMAGE_PIXELS = 40_000_000;
export const MAX_IMAGE_SIDE = 16_384;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function imageKindOf(bytes: Uint8Array): ImageKind | null {
  if (bytes.length >= 24 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Whether a file name says it is an image BN Lens reads. */
export function isImageName(name: string): boolean {
  return /\.(png|jpe?g)$/i.test(name);
}

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];
const u32 = (b: Uint8Array, at: number): number => ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];

/** PNG: the IHDR chunk must come first, with width and height at bytes 16 and 20 (big-endian). */
function pngSize(file: string, b: Uint8Array): { width: number; height: number } {
  if (String.fromCharCode(...b.subarray(12, 16)) !== 'IHDR') throw new InputError(file, 'the PNG does not start with an IHDR chunk', 'byte 12');
  return { width: u32(b, 16), height: u32(b, 20) };
}

/** JPEG: walks the marker segments up to the first start-of-frame (SOF0–SOF15 but DHT, JPG and DAC). */
function jpegSize(file: string, b: Uint8Array): { width: number; height: number } {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new InputError(file, `expected a JPEG marker (0xFF), found 0x${b[at].toString(16).padStart(2, '0')}`, `byte ${at}`);
    const marker = b[at + 1];
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; } // no length
    if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan before any frame header
    const length = u16(b, at + 2);
    if (length < 2) throw new InputError(file, `JPEG segment 0xFF${marker.toString(16).toUpperCase()} has length ${length}`, `byte ${at}`);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > b.length) break;
      return { height: u16(b, at + 5), width: u16(b, at + 7) };
    }
    at += 2 + length;
  }
  throw new InputError(file, 'the JPEG has no frame header (SOF) before its image data: it is truncated or not a JPEG');
}

/** Width and height from the header, without decoding; throws when they are zero or too large to decode. */
export function imageSize(file: string, bytes: Uint8Array): { kind: ImageKind; width: number; height: number } {
  const kind = imageKindOf(bytes);
  if (!kind) throw new InputError(file, `not a PNG or JPEG image: it starts with ${[...bytes.subarray(0, 8)].map((x) => x.toString(16).padStart(2, '0')).join(' ') || 'nothing (empty file)'}`);
  const { width, height } = kind === 'png' ? pngSize(file, bytes) : jpegSize(file, bytes);
  if (width === 0 || height === 0) throw new InputError(file, `the ${kind.toUpperCase()} header says ${width} × ${height} pixels`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new InputError(file, `the image is ${width} × ${height} pixels; BN Lens decodes images up to ${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
  }
  return { kind, width, height };
}

/** RGBA (4 bytes a pixel) to RGB, dropping alpha as PIL's convert('RGB') does. */
function dropAlpha(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    rgb[p * 3] = rgba[p * 4];
    rgb[p * 3 + 1] = rgba[p * 4 + 1];
    rgb[p * 3 + 2] = rgba[p * 4 + 2];
  }
  return rgb;
}

export function decodeImage(file: string, bytes: Uint8Array): RgbImage {
  const { kind, width, height } = imageSize(file, bytes);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = kind === 'png'
      ? PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
  } catch (e) {
    throw new InputError(file, `the ${kind.toUpperCase()} cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (decoded.width !== width || decoded.height !== height || decoded.data.length !== width * height * 4) {
    throw new InputError(file, `the ${kind.toUpperCase()} decoded to ${decoded.width} × ${decoded.height} pixels (${decoded.data.length} bytes), its header says ${width} × ${height}`);
  }
  return { width, height, data: dropAlpha(decoded.data, width * height) };
}
