// Layers that move values without arithmetic: Flatten (of NHWC data, in Keras's H, W, C order, so the
// Dense kernels after it line up as they are), Reshape, Permute, ZeroPadding2D, Cropping2D, and
// UpSampling2D (nearest-neighbour, or bilinear as tf.image.resize).

import type { Layer } from '../../../engine/layer';
import { Flatten, Pad, Repeat, Reshape, Transpose } from '../../../engine/layers';
import { FunctionLayer } from '../../../engine/ops/functionLayer';
import { resize } from '../../../engine/ops/resize';
import type { Tensor } from '../../../engine/tensor';
import type { AttributeValue } from '../../../formats/model';
import { channelsLast, pairOf, type Context, type Converted } from './context';

export function flatten(ctx: Context): Converted {
  channelsLast(ctx);
  return { layers: [new Flatten({ name: ctx.node.name })], rank: 2 };
}

export function reshape({ node, fail }: Context): Converted {
  const shape = node.attributes.target_shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) throw fail(`target_shape ${JSON.stringify(shape)} is not a list of sizes`);
  return { layers: [new Reshape({ name: node.name, shape: shape as number[] })], rank: shape.length + 1 };
}

/** Keras's dims count the sample axes from 1 and leave the batch axis out. */
export function permute({ node, fail }: Context): Layer[] {
  const dims = node.attributes.dims;
  const valid = Array.isArray(dims) && dims.every((d) => typeof d === 'number') && [...(dims as number[])].sort((p, q) => p - q).every((d, i) => d === i + 1);
  if (!valid) throw fail(`dims ${JSON.stringify(dims)} is not a permutation of 1…n`);
  return [new Transpose({ name: node.name, perm: [0, ...(dims as number[])] })];
}

/**
 * ((top, bottom), (left, right)) as Keras writes it (flattened to four numbers by the reader), or a
 * symmetric (h, w) pair, or one number for all sides.
 */
function sides(v: AttributeValue | undefined, what: string, { fail }: Context): [[number, number], [number, number]] {
  if (Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number')) {
    const [t, b, l, r] = v as number[];
    return [[t, b], [l, r]];
  }
  if (typeof v === 'number' || (Array.isArray(v) && v.length === 2)) {
    const [h, w] = pairOf(v, 0);
    return [[h, h], [w, w]];
  }
  throw fail(`${what} ${JSON.stringify(v)} is not ((top, bottom), (left, right))`);
}

export function zeroPadding2d(ctx: Context): Layer[] {
  channelsLast(ctx);
  const [h, w] = sides(ctx.node.attributes.padding, 'padding', ctx);
  return [new Pad({ name: ctx.node.name, pads: [h, w, [0, 0]] })];
}

export function cropping2d(ctx: Context): Layer[] {
  channelsLast(ctx);
  const [h, w] = sides(ctx.node.attributes.cropping, 'cropping', ctx);
  return [new Pad({ name: ctx.node.name, pads: [[-h[0], -h[1]], [-w[0], -w[1]], [0, 0]] })];
}

export function upSampling2d(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  channelsLast(ctx);
  const interpolation = node.attributes.interpolation ?? 'nearest';
  const [h, w] = pairOf(node.attributes.size, 2);
  if (interpolation === 'nearest') return [new Repeat({ name: node.name, factors: [h, w, 1] })];
  if (interpolation !== 'bilinear') throw fail(`interpolation ${JSON.stringify(interpolation)}; the importer supports 'nearest' and 'bilinear'`);
  // tf.image.resize's bilinear: half-pixel centres, no antialiasing (forward only).
  const bilinear = ([x]: readonly (Tensor | undefined)[]): Tensor => {
    const [n, rows, cols, c] = (x as Tensor).shape;
    return resize(x as Tensor, { mode: 'linear', coordinateMode: 'half_pixel', nearestMode: 'floor', cubicCoeffA: -0.75, excludeOutside: false, sizes: [n, rows * h, cols * w, c], scales: [1, h, w, 1] });
  };
  return [new FunctionLayer(node.name, 'Resize', bilinear, [null])];
}
