// BatchNormalization and LayerNormalization. The axis counts in the Keras layout, which is the
// layout the data has here, so a channels-last BN normalizes the last axis as Keras does.

import type { ForwardContext, Layer, Parameter } from '../../../engine/layer';
import { permute } from '../../../engine/layers/shape';
import { kerasBatchNormalization, LayerNorm, type NormalizationLayer } from '../../../engine/norm';
import type { Tensor } from '../../../engine/tensor';
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
 * A LayerNorm over axes that are not the trailing ones: the engine's LayerNorm normalizes trailing
 * axes, so the input is transposed to put Keras's axes last and the result transposed back, inside
 * one layer, so the recorder sees the layer's input and output in Keras's layout.
 */
class PermutedLayerNorm implements NormalizationLayer {
  readonly kind = 'LayerNorm';
  readonly normalization = 'layer';
  constructor(readonly name: string, private readonly inner: LayerNorm, private readonly perm: readonly number[], private readonly inverse: readonly number[]) {}
  get gamma(): Parameter | undefined {
    return this.inner.gamma;
  }
  get beta(): Parameter | undefined {
    return this.inner.beta;
  }
  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    return permute(this.inner.forward([permute(inputs[0], this.perm)], ctx), this.inverse);
  }
  backward(gradOutput: Tensor): Tensor[] {
    return this.inner.backward(permute(gradOutput, this.perm)).map((g) => permute(g, this.inverse));
  }
  parameters(): Parameter[] {
    return this.inner.parameters();
  }
  buffers(): Record<string, Tensor> {
    return {};
  }
  /** The last normalized axis, where it is in Keras's layout. */
  channelAxis(rank: number): number {
    return this.perm[rank - 1];
  }
  batchStatistics(): undefined {
    return undefined;
  }
  runningStatistics(): undefined {
    return undefined;
  }
}

/** Keras's axes may be any (sorted, as Keras reshapes γ to them); the engine's LayerNorm takes trailing ones. */
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
  const norm = new LayerNorm({ name: node.name, normalizedShape: shape, eps: num(a.epsilon, 1e-3), elementwiseAffine: true, bias: center });
  // Without scale, γ stays at its initial 1.
  if (gamma) set(norm.gamma?.value, gamma, 'gamma', fail);
  if (beta) set(norm.beta?.value, beta, 'beta', fail);
  if (trailing) return [norm];
  if (rank === null) throw fail(`axis ${JSON.stringify(a.axis)}: the input's rank is needed to place it, and the model's input shape does not give it`);
  const axes = [...new Set(given.map((x) => (x < 0 ? x + rank : x)))].sort((p, q) => p - q);
  if (axes.some((x) => x < 1 || x >= rank)) throw fail(`axis ${JSON.stringify(a.axis)} is outside the sample axes of a rank-${rank} input`);
  const perm = [...Array.from({ length: rank }, (_, d) => d).filter((d) => !axes.includes(d)), ...axes];
  return [new PermutedLayerNorm(node.name, norm, perm, perm.map((_, d) => perm.indexOf(d)))];
}
