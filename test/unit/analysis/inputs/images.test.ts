import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageSize, MAX_IMAGE_PIXELS } from '../../../../src/analysis/inputs/images';
import { bytesOf, golden, IMAGES, imageNames, maxAbsDiff } from './fixtures';

describe('decoding PNG and JPEG (pngjs, jpeg-js) against PIL', () => {
  for (const name of imageNames()) {
    it(`${name}: the pixels PIL's convert('RGB') gives`, () => {
      const image = decodeImage(name, bytesOf(path.join(IMAGES, name)));
      const want = golden(`decoded_${name.replace(/\.\w+$/, '')}.npy`);
      expect([image.height, image.width, 3]).toEqual(want.shape);
      const diff = maxAbsDiff(image.data, want.data);
      const mean = image.data.reduce((s, v, i) => s + Math.abs(v - want.data[i]), 0) / image.data.length;
      const [maxLimit, meanLimit] = JPEG_TOLERANCE[name] ?? [0, 0];
      expect(diff).toBeLessThanOrEqual(maxLimit);
      expect(mean).toBeLessThanOrEqual(meanLimit);
    });
  }
});

/**
 * PNG is lossless: the same bytes. JPEG decoders round the IDCT differently (jpeg-js against PIL's
 * libjpeg-turbo): measured max 1 / mean 0.05 grey levels on the greyscale JPEG, 3 / 0.58 on the 4:4:4
 * progressive one. With 4:2:0 chroma, libjpeg-turbo upsamples chroma with a triangle filter ("fancy
 * upsampling") and jpeg-js replicates it: on the drawn shapes' saturated colour edges a pixel differs by up
 * to 107 levels, mean 2.59 (photographs have softer chroma edges). [max, mean] allowed, in grey levels.
 */
const JPEG_TOLERANCE: Record<string, [number, number]> = {
  'e_photo.jpg': [110, 2.7],
  'f_gray.jpg': [1, 0.1],
  'g_progressive.jpg': [3, 0.6],
};

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24);
  return b;
}

describe('hostile image files', () => {
  it('refuses dimensions above the limit from the header alone, before decoding', () => {
    expect(() => decodeImage('huge.png', png(100_000, 100_000))).toThrow(/huge\.png: the image is 100000 × 100000 pixels; BN Lens decodes images up to 16384 pixels a side/);
    expect(() => decodeImage('wide.png', png(16_000, 3_000))).toThrow(`up to 16384 pixels a side and ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
    expect(() => imageSize('zero.png', png(0, 5))).toThrow('zero.png: the PNG header says 0 × 5 pixels');
  });
  it('names the file when the data is damaged or not an image', () => {
    expect(() => decodeImage('cut.png', png(4, 4))).toThrow(/^cut\.png: the PNG cannot be decoded: /);
    expect(() => decodeImage('notes.png', new TextEncoder().encode('hello, world'))).toThrow('notes.png: not a PNG or JPEG image: it starts with 68 65 6c 6c 6f 2c 20 77');
    const jpeg = bytesOf(path.join(IMAGES, 'e_photo.jpg'));
    expect(() => decodeImage('head.jpg', jpeg.subarray(0, 20))).toThrow('head.jpg: the JPEG has no frame header (SOF) before its image data: it is truncated or not a JPEG');
    expect(() => decodeImage('half.jpg', jpeg.subarray(0, jpeg.length >> 1))).toThrow(/^half\.jpg: the JPEG cannot be decoded/);
  });
  it('reads the size of a progressive JPEG (SOF2) from its header', () => {
    expect(imageSize('g.jpg', bytesOf(path.join(IMAGES, 'g_progressive.jpg')))).toEqual({ kind: 'jpeg', width: 90, height: 110 });
  });
});
