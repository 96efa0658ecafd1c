// The contract every layer keeps. Layers do their own backward pass (no tape): forward() keeps what
// backward() needs from the most recent call, backward() returns the gradient for each input and adds
// the parameter gradients into Parameter.grad (so gradients accumulate until an optimizer zeroes them).

import type { Tensor } from './tensor';

export interface Parameter {
  /** Name within the layer, e.g. "weight", "bias", "gamma". */
  readonly name: string;
  value: Tensor;
  grad: Tensor;
  trainable: boolean;
}

/** Deterministic random numbers, so a run is reproducible from its seed. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  normal(): number;
}

export interface ForwardContext {
  /** Train mode (batch statistics, dropout on) or eval mode (running statistics, dropout off). */
  readonly training: boolean;
  readonly rng: Rng;
}

export interface Layer {
  readonly name: string;
  /** The layer's type, e.g. "Dense", "Conv2d", "BatchNorm". */
  readonly kind: string;
  forward(inputs: readonly Tensor[], ctx: ForwardContext): Tensor;
  /** Gradient of the loss with respect to each input of the most recent forward() call. */
  backward(gradOutput: Tensor): Tensor[];
  parameters(): Parameter[];
  /** Non-trainable state such as running statistics, by name (PyTorch's buffers). */
  buffers(): Record<string, Tensor>;
}
