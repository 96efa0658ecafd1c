// BatchNormalization and LayerNormalization. The axis counts in the Keras layout, which is the
// layout the data has here, so a channels-last BN normalizes the last axis as Keras does.

import type { Layer } from '../../../engine/layer';
import { Transpose } from '../../../engine/layers';
import { kerasBatchNormalization, LayerNorm } from '../../../engine/norm';
import { num, set, singleAxis, type Context } from './context';

export function batchNormalization(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  if (a.renorm === true) throw fail('renorm=True (batch renormalization) is not supported');
  const center = a.center !== false;
  const scale = a.scale !== false;
  const mean = ctx.weight('moving_mean');
  const bn = kerasBatchNormalization({
    name: node.name, numFeatures: mean.values().length, axis: singleAxis(ctx, -1),
    momentum: num(a.momentum, 0.99), epsilon: num(a.epsilon, 1e-3), center, scale,
  });
  if (scale) set(bn.gamma?.value, ctx.weight('gamma'), 'gamma', fail);
  if (center) set(bn.beta?.value, ctx.weight('beta'), 'beta', fail);
  set(bn.runningMean, mean, 'moving_mean', fail);
  set(bn.runningVariance, ctx.weight('moving_variance'), 'moving_variance', fail);
  return [bn];
}

/**
 * The engine's LayerNorm normalizes trailing axes. Keras's axes (any, sorted as Keras reshapes γ to
 * them) are moved to the end by a Transpose and back after, when they are not the trailing ones already.
 */
export function layerNormalization(ctx: Context): Layer[] {
  const { node, fail, rank } = ctx;
  const a = node.attributes;
  if (a.rms_scaling === true) throw fail('rms_scaling=True is not supported');
  const center = a.center !== false;
  const scale = a.scale !== false;
  const gamma = scale ? ctx.weight('gamma') : null;
  const beta = center ? ctx.weight('beta') : null;
  const shape = (gamma ?? beta)?.shape;
  if (!shape) throw fail('center=False and scale=False: the importer takes the normalized size from γ or β');
  const given = Array.isArray(a.axis) ? (a.axis as number[]) : [num(a.axis, -1)];
  // Counted from the end (Keras 2 and TF.js write positive axes, [3] for the channels of NHWC data).
  const fromEnd = [...new Set(given.map((x) => (x < 0 ? x : rank === null ? x : x - rank)))].sort((p, q) => p - q);
  const trailing = fromEnd.every((x, i) => x === i - fromEnd.length);
  const norm = (name: string): LayerNorm => {
    const layer = new LayerNorm({ name, normalizedShape: shape, eps: num(a.epsilon, 1e-3), elementwiseAffine: true, bias: center });
    // Without scale, γ stays at its initial 1.
    if (gamma) set(layer.gamma?.value, gamma, 'gamma', fail);
    if (beta) set(layer.beta?.value, beta, 'beta', fail);
    return layer;
  };
  if (trailing) return [norm(node.name)];
  if (rank === null) throw fail(`axis ${JSON.stringify(a.axis)}: the input's rank is needed to place it, and the model's input shape does not give it`);
  const axes = [...new Set(given.map((x) => (x < 0 ? x + rank : x)))].sort((p, q) => p - q);
  if (axes.some((x) => x < 1 || x >= rank)) throw fail(`axis ${JSON.stringify(a.axis)} is outside the sample axes of a rank-${rank} input`);
  const perm = [...Array.from({ length: rank }, (_, d) => d).filter((d) => !axes.includes(d)), ...axes];
  const inverse = perm.map((_, d) => perm.indexOf(d));
  return [
    new Transpose({ name: `${node.name}/to_last`, perm }),
    norm(`${node.name}/norm`),
    new Transpose({ name: node.name, perm: inverse }),
  ];
}
