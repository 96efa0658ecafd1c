import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/analysis/inputs/images';
import { centerCropOffset, resample, resizedSize } from '../../../../src/analysis/inputs/resize';
import { imagenetPreset } from '../../../../src/shared/imagenet';
import { DEFAULT_PREPROCESSING, imageInputOf, imagesToTensor, type Layout, type Preprocessing } from '../../../../src/analysis/inputs/preprocess';
import type { ModelDescription } from '../../../../src/formats/model';
import { bytesOf, golden, goldenJson, IMAGES, imageNames, maxAbsDiff } from './fixtures';

interface Config { resize: number; crop: [number, number]; scale: 1 | 255; mean: number[] | null; std: number[] | null; layout: Layout }
const configs = goldenJson<{ configs: Record<string, Config> }>('golden.json').configs;
/** The fixture images as PIL decoded them, so the comparisons below measure the preprocessing alone. */
const images = () => imageNames().map((name) => {
  const pixels = golden(`decoded_${name.replace(/\.\w+$/, '')}.npy`);
  return { name, image: { height: pixels.shape[0], width: pixels.shape[1], data: Uint8Array.from(pixels.data) } };
});
/** The same images decoded by pngjs/jpeg-js. */
const decoded = () => imageNames().map((name) => ({ name, image: decodeImage(name, bytesOf(path.join(IMAGES, name))) }));

function rangeOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function modelWithInput(shape: number[], format: ModelDescription['format'] = 'onnx'): ModelDescription {
  return { file: 'm.onnx', format, graph: { inputs: [{ name: 'x', dtype: 'float32', shape }] } } as unknown as ModelDescription;
}

describe('resize and centre crop as torchvision computes them', () => {
  it('gives the shorter side the size and the longer one int(size · long / short)', () => {
    expect(resizedSize(80, 96, 72)).toEqual({ height: 72, width: 86 }); // 72·96/80 = 86.4
    expect(resizedSize(90, 70, 64)).toEqual({ height: 82, width: 64 }); // 64·90/70 = 82.28…
    expect(resizedSize(50, 50, 64)).toEqual({ height: 64, width: 64 });
  });
  it('centres the crop with Python round() (halves to even)', () => {
    expect(centerCropOffset(73, 64)).toBe(4); // round(4.5) = 4
    expect(centerCropOffset(75, 64)).toBe(6); // round(5.5) = 6
    expect(centerCropOffset(86, 64)).toBe(11);
  });
  it('keeps a constant image constant when shrinking and enlarging (the weights sum to 1)', () => {
    const flat = { channels: 1, height: 7, width: 5, data: new Float32Array(35).fill(0.3) };
    for (const [h, w] of [[3, 2], [20, 11]]) expect(maxAbsDiff(resample(flat, h, w).data, new Float32Array(h * w).fill(0.3))).toBeLessThan(1e-6);
  });
});

describe('images to a batch, against torchvision (golden/ made by make_probe_data_fixtures.py)', () => {
  for (const [name, c] of Object.entries(configs)) {
    it(`${name}: Resize(${c.resize}) bilinear antialias, CenterCrop(${c.crop.join('×')}), [0, ${c.scale}], ${c.mean ? 'mean/std' : 'no normalization'}, ${c.layout}`, () => {
      const want = golden(`${name}.npy`);
      const shape = c.layout === 'NCHW' ? [-1, 3, ...c.crop] : [-1, ...c.crop, 3];
      const pre: Preprocessing = { resize: c.resize, scale: c.scale, mean: c.mean, std: c.std, layout: 'auto' };
      const model = modelWithInput(shape, c.layout === 'NHWC' ? 'keras' : 'onnx');
      const batch = imagesToTensor(images(), imageInputOf(model, pre), pre);
      expect(batch.shape).toEqual(want.shape);
      // The same weights; torch sums in float32, this in float64: measured 0.9–1.4e-5 of the values' range.
      expect(maxAbsDiff(batch.data, want.data)).toBeLessThan(2e-5 * rangeOf(want.data));
    });
  }
  it('is within about one grey level of the PIL pipeline (which rounds to uint8 after each resampling pass)', () => {
    const want = golden('pil_r72_c64_imagenet_nchw.npy');
    const pre: Preprocessing = { ...DEFAULT_PREPROCESSING, resize: 72 };
    const batch = imagesToTensor(images(), imageInputOf(modelWithInput([1, 3, 64, 64]), pre), pre);
    // One grey level is 1/255 ≈ 0.0039 before dividing by ImageNet's std (0.224–0.229): ≈ 0.0175 after.
    expect(maxAbsDiff(batch.data, want.data)).toBeLessThan(2 * 0.0176);
  });
  it('gives the same batch from pngjs as from PIL for the PNG files, and from jpeg-js within the decoders\' difference', () => {
    const c = configs.r72_c64_imagenet_nchw;
    const pre: Preprocessing = { resize: c.resize, scale: c.scale, mean: c.mean, std: c.std, layout: 'auto' };
    const input = imageInputOf(modelWithInput([1, 3, 64, 64]), pre);
    const want = golden('r72_c64_imagenet_nchw.npy');
    const per = 3 * 64 * 64;
    decoded().forEach((one, n) => {
      const diff = maxAbsDiff(imagesToTensor([one], input, pre).data, want.data.subarray(n * per, (n + 1) * per));
      // PNG: the same pixels. JPEG: the decoders' differences (images.test.ts) after resampling and ÷ std:
      // measured 0.84 on the 4:2:0 one's saturated colour edges (≈ 49 grey levels), less on the others.
      expect(diff, one.name).toBeLessThan(one.name.endsWith('.png') ? 2e-5 * rangeOf(want.data) : 0.9);
    });
  });
  it('greys an RGB image with PIL\'s convert("L") for a one-channel model', () => {
    const want = golden('decoded_a_rgb_as_L.npy'); // 80 × 96; the 80 × 80 crop starts at column 8
    const pre: Preprocessing = { resize: null, scale: 255, mean: null, std: null, layout: 'auto' };
    const [first] = images();
    const batch = imagesToTensor([first], imageInputOf(modelWithInput([1, 1, 80, 80]), pre), pre);
    expect(batch.shape).toEqual([1, 1, 80, 80]);
    const crop = Float32Array.from({ length: 80 * 80 }, (_, i) => want.data[Math.floor(i / 80) * 96 + 8 + (i % 80)]);
    expect(maxAbsDiff(batch.data, crop)).toBeLessThan(1e-4);
  });
});

describe('the model\'s input, for images', () => {
  it('tells NCHW from NHWC by the channel axis, and asks Keras/TF.js models for channels-last when unsure', () => {
    expect(imageInputOf(modelWithInput([-1, 3, 224, 224]), DEFAULT_PREPROCESSING)).toEqual({ layout: 'NCHW', channels: 3, height: 224, width: 224 });
    expect(imageInputOf(modelWithInput([-1, 96, 96, 3], 'keras'), DEFAULT_PREPROCESSING)).toEqual({ layout: 'NHWC', channels: 3, height: 96, width: 96 });
    expect(imageInputOf(modelWithInput([-1, 3, 3, 3], 'tfjs'), DEFAULT_PREPROCESSING).layout).toBe('NHWC');
    expect(imageInputOf(modelWithInput([-1, 3, 3, 3]), DEFAULT_PREPROCESSING).layout).toBe('NCHW');
    expect(imageInputOf(modelWithInput([-1, 1, 28, 28]), { ...DEFAULT_PREPROCESSING, layout: 'NCHW' }).channels).toBe(1);
  });
  it('takes the crop from the user when the model leaves height and width open, and says what is wrong otherwise', () => {
    expect(imageInputOf(modelWithInput([-1, 3, -1, -1]), { ...DEFAULT_PREPROCESSING, crop: [128, 160] })).toMatchObject({ height: 128, width: 160 });
    expect(() => imageInputOf(modelWithInput([-1, 3, -1, -1]), DEFAULT_PREPROCESSING)).toThrow("m.onnx: the model leaves its input's height and width open; give the crop size (e.g. --crop 224)");
    expect(() => imageInputOf(modelWithInput([-1, 20]), DEFAULT_PREPROCESSING)).toThrow("m.onnx: the model's input has shape [?, 20], not an image batch [N, C, H, W] or [N, H, W, C]");
    expect(() => imageInputOf(modelWithInput([-1, 16, 32, 32]), DEFAULT_PREPROCESSING)).toThrow('has no axis of 1 or 3 channels');
    expect(() => imageInputOf(modelWithInput([-1, 3, 32, 32]), { ...DEFAULT_PREPROCESSING, layout: 'NHWC' })).toThrow("in NHWC layout the model's input has 32 channels");
  });
  it('checks the numbers before reading any image', () => {
    const input = imageInputOf(modelWithInput([1, 3, 64, 64]), DEFAULT_PREPROCESSING);
    const one = images().slice(0, 1);
    expect(() => imagesToTensor(one, input, { ...DEFAULT_PREPROCESSING, resize: 32 })).toThrow('resizing the shorter side to 32 leaves too little for the 64 × 64 crop the model takes; resize to at least 64');
    expect(() => imagesToTensor(one, input, { ...DEFAULT_PREPROCESSING, std: [0.2, 0, 0.2] })).toThrow('every std must be above 0, not 0.2, 0, 0.2');
    expect(() => imagesToTensor(one, input, { ...DEFAULT_PREPROCESSING, mean: [0.5, 0.5] })).toThrow("the mean has 2 values; the model's input has 3 channels");
    expect(imagenetPreset(255).mean[0]).toBeCloseTo(123.675, 10);
  });
});
