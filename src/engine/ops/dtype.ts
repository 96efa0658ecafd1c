// Integer tensors. The engine's tensors hold floats; ONNX graphs also compute on int64 (shapes,
// indices). Those values are kept in float64 tensors (exact up to 2^53) and marked here, so that ops
// whose meaning differs for integers (Div truncates, Cast rounds) know which they have.

import { Tensor } from '../tensor';

const integers = new WeakSet<Tensor>();

export function isInteger(t: Tensor): boolean {
  return integers.has(t);
}

/** Marks a float64 tensor as holding integers, and returns it. */
export function asInteger(t: Tensor): Tensor {
  if (t.dtype !== 'float64') throw new TypeError('integer tensors are kept in float64');
  integers.add(t);
  return t;
}

/** An integer tensor from plain numbers (e.g. a shape). */
export function integerTensor(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor {
  return asInteger(Tensor.fromArray(values, shape, 'float64'));
}

/** A result with the same element type as `like`: integer-ness and float width carry over. */
export function sameKind(like: Tensor, result: Tensor): Tensor {
  return isInteger(like) && result.dtype === 'float64' ? asInteger(result) : result;
}

/** The values of a small integer tensor (a shape, axes, indices) as plain numbers. */
export function integers1d(t: Tensor): number[] {
  return Array.from(t.data, (v) => Math.trunc(v));
}
