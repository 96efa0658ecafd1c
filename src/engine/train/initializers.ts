// Weight initializers, all drawing from a seeded Rng. Fans follow PyTorch's
// torch.nn.init._calculate_fan_in_and_fan_out: for a weight [out, in, ...kernel],
// fanIn = in·∏kernel and fanOut = out·∏kernel.

import type { Rng } from '../layer';
import { Tensor, type DType } from '../tensor';

export type InitializerName = 'pytorch' | 'he-normal' | 'he-uniform' | 'glorot-normal' | 'glorot-uniform';

export interface Fans {
  fanIn: number;
  fanOut: number;
}

export function fansOf(weightShape: readonly number[]): Fans {
  if (weightShape.length < 2) throw new RangeError(`fans need a weight of rank ≥ 2, got [${weightShape.join(',')}]`);
  let receptive = 1;
  for (let i = 2; i < weightShape.length; i++) receptive *= weightShape[i];
  return { fanIn: weightShape[1] * receptive, fanOut: weightShape[0] * receptive };
}

export function uniformTensor(shape: readonly number[], low: number, high: number, rng: Rng, dtype: DType): Tensor {
  const t = Tensor.zeros(shape, dtype);
  for (let i = 0; i < t.data.length; i++) t.data[i] = low + (high - low) * rng.next();
  return t;
}

export function normalTensor(shape: readonly number[], std: number, rng: Rng, dtype: DType): Tensor {
  const t = Tensor.zeros(shape, dtype);
  for (let i = 0; i < t.data.length; i++) t.data[i] = std * rng.normal();
  return t;
}

/**
 * torch.nn.init.kaiming_uniform_(w, a, mode='fan_in', nonlinearity='leaky_relu'):
 * bound = gain·√(3/fanIn) with gain = √(2/(1+a²)). nn.Linear and nn.Conv*d use a = √5, which makes
 * the bound exactly 1/√fanIn.
 */
export function kaimingUniform(shape: readonly number[], a: number, rng: Rng, dtype: DType): Tensor {
  const { fanIn } = fansOf(shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  return uniformTensor(shape, -bound, bound, rng, dtype);
}

/** He et al. (2015), for ReLU: std = √(2/fanIn) (PyTorch kaiming_normal_, untruncated). */
export function heNormal(shape: readonly number[], rng: Rng, dtype: DType): Tensor {
  return normalTensor(shape, Math.sqrt(2 / fansOf(shape).fanIn), rng, dtype);
}

/** He uniform: bound = √(6/fanIn) (PyTorch kaiming_uniform_ with a = 0, Keras he_uniform). */
export function heUniform(shape: readonly number[], rng: Rng, dtype: DType): Tensor {
  const bound = Math.sqrt(6 / fansOf(shape).fanIn);
  return uniformTensor(shape, -bound, bound, rng, dtype);
}

/** Glorot & Bengio (2010): std = √(2/(fanIn+fanOut)) (PyTorch xavier_normal_, untruncated). */
export function glorotNormal(shape: readonly number[], rng: Rng, dtype: DType): Tensor {
  const { fanIn, fanOut } = fansOf(shape);
  return normalTensor(shape, Math.sqrt(2 / (fanIn + fanOut)), rng, dtype);
}

/** Glorot uniform: bound = √(6/(fanIn+fanOut)) (PyTorch xavier_uniform_, Keras glorot_uniform). */
export function glorotUniform(shape: readonly number[], rng: Rng, dtype: DType): Tensor {
  const { fanIn, fanOut } = fansOf(shape);
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return uniformTensor(shape, -bound, bound, rng, dtype);
}

export function initWeight(name: InitializerName, shape: readonly number[], rng: Rng, dtype: DType): Tensor {
  switch (name) {
    case 'pytorch':
      return kaimingUniform(shape, Math.sqrt(5), rng, dtype);
    case 'he-normal':
      return heNormal(shape, rng, dtype);
    case 'he-uniform':
      return heUniform(shape, rng, dtype);
    case 'glorot-normal':
      return glorotNormal(shape, rng, dtype);
    case 'glorot-uniform':
      return glorotUniform(shape, rng, dtype);
  }
}

/**
 * PyTorch's nn.Linear/nn.Conv*d bias: U(−1/√fanIn, 1/√fanIn). The other schemes start biases at zero,
 * as Keras does for he_* and glorot_* kernels.
 */
export function initBias(name: InitializerName, weightShape: readonly number[], rng: Rng, dtype: DType): Tensor {
  const length = weightShape[0];
  if (name !== 'pytorch') return Tensor.zeros([length], dtype);
  const bound = 1 / Math.sqrt(fansOf(weightShape).fanIn);
  return uniformTensor([length], -bound, bound, rng, dtype);
}
