// Fixed per-channel scalings on channels-last data: Rescaling (x·scale + offset), Normalization
// ((x − mean)/max(√variance, 1e-7), its mean and variance from the config or, when adapted, the
// weights), and ConvNeXt's LayerScale (x·γ).

import type { Layer } from '../../../engine/layer';
import { ChannelAffine } from '../../../engine/layers';
import { numbers, type Context } from './context';

export function rescaling({ node, fail }: Context): Layer[] {
  const scale = numbers(node.attributes.scale ?? 1);
  const offset = numbers(node.attributes.offset ?? 0);
  if (!scale || !offset) throw fail(`scale ${JSON.stringify(node.attributes.scale)} and offset ${JSON.stringify(node.attributes.offset)} must be numbers or lists of numbers`);
  return [new ChannelAffine({ name: node.name, scale, offset })];
}

/** Keras's backend epsilon, the floor of the standard deviation Normalization divides by. */
const KERAS_EPSILON = 1e-7;

export function normalization(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  const axis = Array.isArray(a.axis) ? a.axis : [a.axis ?? -1];
  // Keras 3 writes the resolved axis ([3] for NHWC images).
  const last = axis.length === 1 && (axis[0] === -1 || (ctx.rank !== null && axis[0] === ctx.rank - 1));
  if (!last) throw fail(`axis ${JSON.stringify(a.axis)}; the importer normalizes the last axis`);
  if (a.invert === true) throw fail('invert=True is not supported');
  const mean = numbers(a.mean) ?? Array.from(ctx.weight('mean').values());
  const variance = numbers(a.variance) ?? Array.from(ctx.weight('variance').values());
  if (mean.length !== variance.length) throw fail(`${mean.length} means but ${variance.length} variances`);
  const scale = variance.map((v) => 1 / Math.max(Math.sqrt(v), KERAS_EPSILON));
  return [new ChannelAffine({ name: node.name, scale, offset: mean.map((m, i) => -m * scale[i]) })];
}

/** keras.applications.convnext.LayerScale: γ per channel; Keras 3 leaves its variable unnamed. */
export function layerScale(ctx: Context): Layer[] {
  const gamma = ctx.optionalWeight('gamma', 'vars/0', 'variable', 'Variable') ?? ctx.soleWeight();
  return [new ChannelAffine({ name: ctx.node.name, scale: gamma.values(), offset: [0] })];
}
