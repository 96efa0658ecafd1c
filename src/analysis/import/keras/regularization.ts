// Layers that only act while training. Dropout keeps its train-mode behaviour (the engine's Dropout);
// the others are the identity in the engine in both modes, which is what Keras does in inference:
// a train-mode probe of a model with them differs from Keras's by their noise only.

import type { Layer } from '../../../engine/layer';
import { Dropout, Identity } from '../../../engine/layers';
import { num, type Context } from './context';

export function dropout({ node }: Context): Layer[] {
  return [new Dropout({ name: node.name, p: num(node.attributes.rate, 0.5) })];
}

export function inferenceIdentity({ node }: Context): Layer[] {
  return [new Identity({ name: node.name })];
}
