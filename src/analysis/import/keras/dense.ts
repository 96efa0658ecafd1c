// Dense: Keras's [in, out] kernel transposed to the engine's [out, in]; like Keras, it acts on the
// last axis of an input of any rank (ConvNeXt's pointwise layers run on [N, H, W, C]).

import type { Layer } from '../../../engine/layer';
import { Dense } from '../../../engine/layers';
import { createRng } from '../../../engine/rng';
import { activationLayer } from './activations';
import { set, type Context } from './context';

export function dense(ctx: Context): Layer[] {
  const { node, fail } = ctx;
  const a = node.attributes;
  const kernel = ctx.weight('kernel');
  if (kernel.shape.length !== 2) throw fail(`kernel has shape [${kernel.shape.join(',')}], not [in, out]`);
  const [inF, outF] = kernel.shape;
  const bias = a.use_bias !== false;
  const activation = activationLayer(a.activation, node.name, ctx.dialect, fail);
  const layer = new Dense({ name: activation ? `${node.name}/dense` : node.name, inFeatures: inF, outFeatures: outF, bias }, createRng(0));
  const v = kernel.values();
  const weight = new Float64Array(v.length);
  for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) weight[o * inF + i] = v[i * outF + o];
  set(layer.weight.value, weight, 'kernel', fail);
  if (bias) set(layer.bias?.value, ctx.weight('bias'), 'bias', fail);
  return activation ? [layer, activation] : [layer];
}
