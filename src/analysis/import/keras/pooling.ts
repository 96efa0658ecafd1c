// Pooling: MaxPooling2D and AveragePooling2D run NCHW in the engine (between Transposes; 'same'
// padding as TensorFlow, where average pooling divides by the number of real inputs); the global
// poolings reduce the spatial axes of the channels-last data directly.

import type { Layer } from '../../../engine/layer';
import { AvgPool2d, MaxPool2d, Reduce } from '../../../engine/layers';
import { SamePool2d } from '../samePool';
import { channelsFirst, channelsLast, pairOf, type Context, type Converted } from './context';

function pool2d(ctx: Context, mode: 'max' | 'avg'): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  channelsLast(ctx);
  const kernelSize = pairOf(a.pool_size, 2);
  const stride = a.strides === null || a.strides === undefined ? kernelSize : pairOf(a.strides, 1);
  const padding = a.padding ?? 'valid';
  const name = `${node.name}/pool`;
  let pool: Layer;
  if (padding === 'same') pool = new SamePool2d({ name, mode, kernelSize, stride });
  else if (padding === 'valid') pool = mode === 'max' ? new MaxPool2d({ name, kernelSize, stride }) : new AvgPool2d({ name, kernelSize, stride });
  else throw fail(`padding ${JSON.stringify(padding)}; the importer supports 'same' and 'valid'`);
  return channelsFirst(node.name, [pool], null);
}

export const maxPooling2d = (ctx: Context): Layer[] => pool2d(ctx, 'max');
export const averagePooling2d = (ctx: Context): Layer[] => pool2d(ctx, 'avg');

/** Mean or max over the spatial axes (all but batch and channels); keepdims keeps them as size 1. */
function globalPool(ctx: Context, mode: 'mean' | 'max', spatial: number): Converted {
  const { node, rank } = ctx;
  channelsLast(ctx);
  const keepDims = node.attributes.keepdims === true;
  const axes = Array.from({ length: spatial }, (_, i) => i + 1);
  return { layers: [new Reduce({ name: node.name, mode, axes, keepDims })], rank: rank === null || keepDims ? rank : rank - spatial };
}

export const globalAveragePooling1d = (ctx: Context): Converted => globalPool(ctx, 'mean', 1);
export const globalAveragePooling2d = (ctx: Context): Converted => globalPool(ctx, 'mean', 2);
export const globalMaxPooling1d = (ctx: Context): Converted => globalPool(ctx, 'max', 1);
export const globalMaxPooling2d = (ctx: Context): Converted => globalPool(ctx, 'max', 2);
