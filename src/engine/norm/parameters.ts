// γ/β parameters and running-statistics buffers shared by the normalization layers.

import type { Parameter } from '../layer';
import { Tensor, type DType } from '../tensor';

export function filledParameter(name: string, length: number, value: number, dtype: DType): Parameter {
  return { name, value: Tensor.filled([length], value, dtype), grad: Tensor.zeros([length], dtype), trainable: true };
}

/** Adds per-channel sums into a parameter's gradient (gradients accumulate until the optimizer zeroes them). */
export function accumulate(parameter: Parameter, values: Float64Array): void {
  const grad = parameter.grad.data;
  for (let c = 0; c < values.length; c++) grad[c] += values[c];
}

/** Copies of the statistics as Float64Array, so the recorder and callers never see the layer's own arrays. */
export function asFloat64(t: Tensor): Float64Array {
  return Float64Array.from(t.data);
}
