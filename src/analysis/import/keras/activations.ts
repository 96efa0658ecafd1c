// Activations: the Activation layer, the `activation` setting of Conv2D/Dense, and the layer forms
// ReLU, LeakyReLU, ELU and Softmax. Names are Keras's (Keras 3, tf.keras and TF.js spellings).

import type { Layer } from '../../../engine/layer';
import {
  ELU, GELU, HardSigmoid, HardSwish, Identity, LeakyReLU, ReLU, ReLU6, SELU, Sigmoid, SiLU, Softmax, Softplus, Tanh, Clip,
} from '../../../engine/layers';
import type { AttributeValue } from '../../../formats/model';
import type { ImportFail } from '../common';
import { num, singleAxis, type Context, type KerasDialect } from './context';

/** Activation functions by the names the importer knows, for messages about the ones it does not. */
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'gelu', 'silu', 'swish',
  'hard_sigmoid', 'hard_silu', 'hard_swish', 'elu', 'selu', 'softplus',
] as const;

/** The engine layer of an activation name, or null for 'linear' (the identity). */
export function activationLayer(activation: AttributeValue | undefined, name: string, dialect: KerasDialect, fail: ImportFail): Layer | null {
  switch (activation ?? 'linear') {
    case 'linear': return null;
    case 'relu': return new ReLU({ name });
    case 'relu6': return new ReLU6({ name });
    case 'leaky_relu': return new LeakyReLU({ name, negativeSlope: 0.2 }); // keras.activations.leaky_relu's default
    case 'sigmoid': return new Sigmoid({ name });
    case 'tanh': return new Tanh({ name });
    case 'softmax': return new Softmax({ name, axis: -1 });
    case 'gelu': return new GELU({ name, approximate: 'none' }); // Keras's and TF.js's 'gelu' are the exact (erf) form
    case 'silu':
    case 'swish': return new SiLU({ name });
    // Keras 3: relu6(x + 3)/6; tf.keras 2 and TF.js: clip(0.2·x + 0.5, 0, 1).
    case 'hard_sigmoid':
    case 'hardSigmoid': return dialect === 'keras3' ? new HardSigmoid({ name }) : new HardSigmoid({ name, slope: 0.2, offset: 0.5 });
    case 'hard_silu':
    case 'hard_swish': return new HardSwish({ name });
    case 'elu': return new ELU({ name });
    case 'selu': return new SELU({ name });
    case 'softplus': return new Softplus({ name });
    default: throw fail(`activation ${JSON.stringify(activation)} is not one the engine has (${ACTIVATIONS.join(', ')})`);
  }
}

export function activation({ node, dialect, fail }: Context): Layer[] {
  return [activationLayer(node.attributes.activation, node.name, dialect, fail) ?? new Identity({ name: node.name })];
}

/** keras.layers.ReLU: min(max(x, threshold)…) with an optional cap and negative slope. */
export function relu({ node, fail }: Context): Layer[] {
  const a = node.attributes;
  const max = typeof a.max_value === 'number' ? a.max_value : null;
  const slope = num(a.negative_slope, 0);
  const name = node.name;
  if (num(a.threshold, 0) !== 0) throw fail(`threshold ${a.threshold}: the engine's ReLU has threshold 0`);
  if (max !== null && slope !== 0) throw fail('both max_value and negative_slope: the engine has no capped leaky ReLU');
  if (slope !== 0) return [new LeakyReLU({ name, negativeSlope: slope })];
  if (max === 6) return [new ReLU6({ name })];
  return [max === null ? new ReLU({ name }) : new Clip({ name, min: 0, max })];
}

/** Keras 3 writes negative_slope, Keras 2 and TF.js alpha (default 0.3). */
export function leakyRelu({ node }: Context): Layer[] {
  return [new LeakyReLU({ name: node.name, negativeSlope: num(node.attributes.negative_slope ?? node.attributes.alpha, 0.3) })];
}

export function elu({ node }: Context): Layer[] {
  return [new ELU({ name: node.name, alpha: num(node.attributes.alpha, 1) })];
}

export function softmax(ctx: Context): Layer[] {
  return [new Softmax({ name: ctx.node.name, axis: singleAxis(ctx, -1) })];
}
