// Images to a model's input batch: the preprocessing a user chooses (the torchvision/Keras conventions made
// explicit) and what the model's declared input says (layout, channels, size).
//   pixels (uint8) → grey or RGB for the model's channel count → × scale/255 → Resize + CenterCrop
//   (resize.ts) → (x − mean[c]) / std[c] → stacked as NCHW or NHWC.

import { Tensor } from '../../engine/tensor';
import type { ModelDescription } from '../../formats/model';
import type { RgbImage } from './images';
import { imagenetPreset } from '../../shared/imagenet';
import { InputError } from './inputError';
import { resizeAndCrop, type PlanarImage } from './resize';

export type Layout = 'NCHW' | 'NHWC';

export interface Preprocessing {
  /** The shorter side after resizing, before the centre crop; null: the crop's larger side (no border is cut off more than needed). */
  readonly resize: number | null;
  /** Pixel values are scaled to [0, scale]: 1 (torchvision's ToTensor) or 255 (Keras applications, caffe-style models). */
  readonly scale: 1 | 255;
  /** Per-channel mean and standard deviation, in the units of `scale`; null: no normalization. */
  readonly mean: readonly number[] | null;
  readonly std: readonly number[] | null;
  /** The input layout; 'auto' reads it from the model's declared input shape. */
  readonly layout: Layout | 'auto';
  /** Crop height and width for a model whose input leaves them open; ignored when the model declares them. */
  readonly crop?: readonly [number, number] | null;
}

export const DEFAULT_PREPROCESSING: Preprocessing = { resize: null, scale: 1, ...imagenetPreset(1), layout: 'auto' };

export interface ImageInput {
  readonly layout: Layout;
  readonly channels: 1 | 3;
  readonly height: number;
  readonly width: number;
}

const isChannels = (d: number): boolean => d === 1 || d === 3;

/**
 * Layout, channel count and size of the model's first input, for images: [N, C, H, W] or [N, H, W, C] with
 * C = 1 or 3. Where the shape allows both (C and W both 1 or 3), Keras and TF.js models are channels-last.
 */
export function imageInputOf(description: ModelDescription, pre: Preprocessing): ImageInput {
  const shape = description.graph?.inputs?.[0]?.shape;
  const fail = (problem: string): InputError => new InputError(description.file, problem);
  if (!shape) throw fail('the model does not declare its input shape, so BN Lens cannot tell the image size and layout it wants; give a .npy batch instead');
  if (shape.length !== 4) throw fail(`the model's input has shape [${shape.map((d) => (d > 0 ? d : '?')).join(', ')}], not an image batch [N, C, H, W] or [N, H, W, C]`);
  let layout: Layout;
  if (pre.layout !== 'auto') layout = pre.layout;
  else if (isChannels(shape[1]) && !isChannels(shape[3])) layout = 'NCHW';
  else if (isChannels(shape[3]) && !isChannels(shape[1])) layout = 'NHWC';
  else if (isChannels(shape[1]) || isChannels(shape[3])) layout = description.format === 'keras' || description.format === 'tfjs' ? 'NHWC' : 'NCHW';
  else throw fail(`the model's input [${shape.map((d) => (d > 0 ? d : '?')).join(', ')}] has no axis of 1 or 3 channels; images are greyscale or RGB`);
  const [c, h, w] = layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  if (!isChannels(c)) throw fail(`in ${layout} layout the model's input has ${c > 0 ? c : 'an open number of'} channels; images give 1 (greyscale) or 3 (RGB)`);
  const crop = pre.crop ?? null;
  const height = h > 0 ? h : crop?.[0];
  const width = w > 0 ? w : crop?.[1];
  if (!height || !width) throw fail(`the model leaves its input's height and width open; give the crop size (e.g. --crop 224)`);
  return { layout, channels: c as 1 | 3, height, width };
}

/** One image as planar floats in [0, scale], grey by PIL's convert('L') when the model takes one channel. */
function toPlanar(image: RgbImage, channels: 1 | 3, scale: number): PlanarImage {
  const { width, height, data } = image;
  const n = width * height;
  const out = new Float32Array(channels * n);
  const k = scale / 255;
  for (let p = 0; p < n; p++) {
    const r = data[p * 3], g = data[p * 3 + 1], b = data[p * 3 + 2];
    if (channels === 1) {
      out[p] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) * k; // ITU-R 601-2 luma, PIL's integer form
    } else {
      out[p] = r * k;
      out[n + p] = g * k;
      out[2 * n + p] = b * k;
    }
  }
  return { channels, height, width, data: out };
}

/** Checks the numbers a user typed (or a CLI flag gave) before any image is read. */
export function checkPreprocessing(pre: Preprocessing, channels: number, what = 'preprocessing'): void {
  const fail = (problem: string): InputError => new InputError(what, problem);
  if (pre.resize !== null && !(Number.isInteger(pre.resize) && pre.resize > 0)) throw fail(`the resize size must be a positive whole number of pixels, not ${pre.resize}`);
  if ((pre.mean === null) !== (pre.std === null)) throw fail('give both the mean and the std, or neither');
  for (const [name, values] of [['mean', pre.mean], ['std', pre.std]] as const) {
    if (values === null) continue;
    if (values.length !== channels && values.length !== 1) throw fail(`the ${name} has ${values.length} values; the model's input has ${channels} channel${channels === 1 ? '' : 's'}`);
    if (values.some((v) => !Number.isFinite(v))) throw fail(`the ${name} (${values.join(', ')}) is not a list of numbers`);
  }
  if (pre.std?.some((s) => s <= 0)) throw fail(`every std must be above 0, not ${pre.std.join(', ')}`);
}

/** The images, preprocessed and stacked into one batch in the model's layout. */
export function imagesToTensor(images: readonly { name: string; image: RgbImage }[], input: ImageInput, pre: Preprocessing): Tensor {
  const { channels, height, width, layout } = input;
  checkPreprocessing(pre, channels);
  const size = pre.resize ?? Math.max(height, width);
  if (size < Math.max(height, width)) {
    throw new InputError('preprocessing', `resizing the shorter side to ${size} leaves too little for the ${height} × ${width} crop the model takes; resize to at least ${Math.max(height, width)}`);
  }
  const per = channels * height * width;
  const batch = new Float32Array(images.length * per);
  const plane = height * width;
  images.forEach(({ image }, n) => {
    const x = resizeAndCrop(toPlanar(image, channels, pre.scale), size, height, width).data;
    for (let c = 0; c < channels; c++) {
      const mean = pre.mean ? pre.mean[pre.mean.length === 1 ? 0 : c] : 0;
      const std = pre.std ? pre.std[pre.std.length === 1 ? 0 : c] : 1;
      for (let p = 0; p < plane; p++) {
        const v = (x[c * plane + p] - mean) / std;
        batch[n * per + (layout === 'NCHW' ? c * plane + p : p * channels + c)] = v;
      }
    }
  });
  return new Tensor(batch, layout === 'NCHW' ? [images.length, channels, height, width] : [images.length, height, width, channels]);
}
