// Small helpers shared by the layers.

import type { Parameter } from '../layer';
import { Tensor, type DType } from '../tensor';

export function createParameter(name: string, value: Tensor, trainable = true): Parameter {
  return { name, value, grad: value.zerosLike(), trainable };
}

/** A pair of spatial values (height, width) from a scalar or a pair. */
export type Pair = number | readonly [number, number];

export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

export function expectInputs(kind: string, inputs: readonly Tensor[], count: number): void {
  if (inputs.length !== count) throw new RangeError(`${kind} takes ${count} input(s), got ${inputs.length}`);
}

export function expectRank(kind: string, x: Tensor, rank: number, layout: string): void {
  if (x.rank !== rank) throw new RangeError(`${kind} expects a rank-${rank} input ${layout}, got [${x.shape.join(',')}]`);
}

export function expectDType(kind: string, x: Tensor, dtype: DType): void {
  if (x.dtype !== dtype) throw new TypeError(`${kind} has ${dtype} parameters but got a ${x.dtype} input`);
}

/** The state a layer kept from forward(); throws a clear error if backward() comes first. */
export function saved<T>(kind: string, value: T | undefined): T {
  if (value === undefined) throw new Error(`${kind}.backward() called before forward()`);
  return value;
}

export function expectShape(kind: string, grad: Tensor, shape: readonly number[]): void {
  if (grad.shape.length !== shape.length || grad.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${kind}.backward(): gradient shape [${grad.shape.join(',')}] ≠ output shape [${shape.join(',')}]`);
  }
}
