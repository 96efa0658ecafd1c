// Normalization operators become the engine's normalization layers, so the recorder sees them and
// BatchNormalization keeps its train mode (batch statistics, running-statistics update with ONNX's
// momentum convention) for the probe's train-versus-eval comparison.

import type { ForwardContext } from '../../../engine/layer';
import { GroupNorm, InstanceNorm, LayerNorm, onnxBatchNormalization } from '../../../engine/norm';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, setValues, single, type Converter, type ConverterTable } from './context';

const batchNorm: Converter = (ctx) => {
  const { node, fail } = ctx;
  if (ctx.opset < 9 && intAttr(node, 'spatial', 1) === 0) throw fail('spatial=0 (statistics per element instead of per channel, BatchNormalization-7 and earlier) is not supported');
  const gamma = ctx.weight(1, 'scale');
  const layer = onnxBatchNormalization({ name: node.name, numFeatures: gamma.size, epsilon: floatAttr(node, 'epsilon', 1e-5), momentum: floatAttr(node, 'momentum', 0.9) });
  setValues(layer.gamma?.value, gamma, 'scale (γ)', fail);
  setValues(layer.beta?.value, ctx.weight(2, 'B'), 'B (β)', fail);
  setValues(layer.runningMean, ctx.weight(3, 'input_mean'), 'input_mean', fail);
  setValues(layer.runningVariance, ctx.weight(4, 'input_var'), 'input_var', fail);
  return single(layer);
};

/**
 * ONNX LayerNormalization normalizes over axes [axis, rank); the engine's LayerNorm over the trailing
 * axes its scale's shape names. A non-negative axis is checked against the input's rank when it runs.
 */
class OnnxLayerNorm extends LayerNorm {
  constructor(options: ConstructorParameters<typeof LayerNorm>[0], private readonly axis: number) {
    super(options);
  }

  override forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor {
    const rank = inputs[0]?.rank ?? 0;
    if (this.axis >= 0 && rank - this.axis !== this.normalizedShape.length) {
      throw new RangeError(`LayerNormalization '${this.name}': axis ${this.axis} of a rank-${rank} input normalizes ${rank - this.axis} axes, its scale has shape [${this.normalizedShape.join(',')}]`);
    }
    return super.forward(inputs, ctx);
  }
}

const layerNorm: Converter = (ctx) => {
  const { node, fail } = ctx;
  const axis = intAttr(node, 'axis', -1);
  const scale = ctx.weight(1, 'Scale');
  if (axis < 0 && axis !== -scale.rank) {
    throw fail(`axis ${axis} with a scale of shape [${scale.shape.join(',')}]: the engine needs the scale to cover exactly the normalized axes`);
  }
  const bias = ctx.present(2) ? ctx.weight(2, 'B') : null;
  const layer = new OnnxLayerNorm({ name: node.name, normalizedShape: scale.shape, eps: floatAttr(node, 'epsilon', 1e-5), bias: bias !== null }, axis);
  setValues(layer.gamma?.value, scale, 'Scale', fail);
  if (bias) setValues(layer.beta?.value, bias, 'B', fail);
  return single(layer);
};

const instanceNorm: Converter = (ctx) => {
  const { node, fail } = ctx;
  const scale = ctx.weight(1, 'scale');
  const layer = new InstanceNorm({ name: node.name, numFeatures: scale.size, eps: floatAttr(node, 'epsilon', 1e-5), affine: true });
  setValues(layer.gamma?.value, scale, 'scale', fail);
  setValues(layer.beta?.value, ctx.weight(2, 'B'), 'B', fail);
  return single(layer);
};

const groupNorm: Converter = (ctx) => {
  const { node, fail } = ctx;
  const groups = intAttr(node, 'num_groups', 0);
  const scale = ctx.weight(1, 'scale');
  // GroupNormalization-18 had scale and bias per group (a spec error fixed in opset 21); the engine's are per channel.
  if (ctx.opset < 21 && scale.size === groups && groups > 1) throw fail('GroupNormalization-18 with per-group scale and bias; re-export with opset 21 (per-channel)');
  const layer = new GroupNorm({ name: node.name, numGroups: groups, numChannels: scale.size, eps: floatAttr(node, 'epsilon', 1e-5) });
  setValues(layer.gamma?.value, scale, 'scale', fail);
  setValues(layer.beta?.value, ctx.weight(2, 'bias'), 'bias', fail);
  return single(layer);
};

export const NORM: ConverterTable = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  InstanceNormalization: instanceNorm,
  GroupNormalization: groupNorm,
};
