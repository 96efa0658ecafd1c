// The two-thread kernels must give the single-thread results: per-channel outputs merged from row
// parts, channel parts when there is one row, and the plain path for unshared or small arrays.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Kernels, float64Kernels, pytorchBatchNorm2d, type ChannelLayout, type NormKernels } from '../../../../src/engine/norm';
import { NormThreadPool } from '../../../../src/engine/norm/parallel';
import { Tensor, type FloatArray } from '../../../../src/engine/tensor';
import { randomTensor } from '../gradcheck';
import { TRAIN, expectClose, type Tolerance } from './helpers';

let pool: NormThreadPool;
beforeAll(async () => {
  pool = await NormThreadPool.create(1);
});
afterAll(async () => {
  await pool.close();
});

function sharedCopy<A extends FloatArray>(kernels: NormKernels<A>, values: ArrayLike<number>): A {
  const a = kernels.allocate(values.length);
  a.set(values);
  return a;
}

/** Every kernel through `parallel` and `serial` on the same shared inputs. */
function compare<A extends FloatArray>(parallel: NormKernels<A>, serial: NormKernels<A>, layout: ChannelLayout, tolerance: Tolerance): void {
  const size = layout.outer * layout.channels * layout.inner;
  const x = sharedCopy(parallel, randomTensor([size], 1, 2, 3).data);
  const dy = sharedCopy(parallel, randomTensor([size], 2).data);
  expect(x.buffer).toBeInstanceOf(SharedArrayBuffer);
  const perChannel = (seed: number): Float64Array => randomTensor([layout.channels], seed).data as Float64Array;
  const [a, b, d] = [perChannel(3), perChannel(4), perChannel(5)];
  const results = [parallel, serial].map((k) => {
    const mean = new Float64Array(layout.channels);
    const variance = new Float64Array(layout.channels);
    k.channelMoments(x, layout, mean, variance);
    const sumDy = new Float64Array(layout.channels);
    const sumDyCentered = new Float64Array(layout.channels);
    k.channelGradientSums(dy, x, layout, mean, sumDy, sumDyCentered);
    const affine = parallel.allocate(size);
    k.channelAffine(x, layout, a, b, affine);
    const linear = parallel.allocate(size);
    k.channelLinear(dy, x, layout, a, b, d, linear);
    return { mean, variance, sumDy, sumDyCentered, affine, linear };
  });
  for (const key of ['mean', 'variance', 'sumDy', 'sumDyCentered', 'affine', 'linear'] as const) {
    expectClose(results[0][key], results[1][key], tolerance, key);
  }
}

describe('NormThreadPool kernels', () => {
  const layouts: ChannelLayout[] = [
    { outer: 7, channels: 5, inner: 4099 }, // row parts of unequal size
    { outer: 1, channels: 9, inner: 20011 }, // channel parts
    { outer: 40000, channels: 4, inner: 1 }, // channels last
  ];
  for (const layout of layouts) {
    it(`match the single-thread kernels on (${layout.outer}, ${layout.channels}, ${layout.inner})`, () => {
      compare(pool.kernels().float64, float64Kernels, layout, { rtol: 1e-10, atol: 1e-9 });
      compare(pool.kernels().float32, float32Kernels, layout, { rtol: 1e-6, atol: 1e-5 });
    });
  }

  it('run a BatchNorm training step like the default kernels, with outputs in shared memory', () => {
    const shape = [8, 4, 64, 64];
    const x = randomTensor(shape, 6, 2, 1);
    const dy = randomTensor(shape, 7);
    const sharedX = new Tensor(sharedCopy(pool.kernels().float64, x.data), shape);
    const sharedDy = new Tensor(sharedCopy(pool.kernels().float64, dy.data), shape);
    const threaded = pytorchBatchNorm2d({ name: 'bn', numFeatures: 4, dtype: 'float64', kernels: pool.kernels() });
    const plain = pytorchBatchNorm2d({ name: 'bn', numFeatures: 4, dtype: 'float64' });
    const y = threaded.forward([sharedX], TRAIN);
    expect(y.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expectClose(y.data, plain.forward([x], TRAIN).data, { rtol: 1e-12, atol: 1e-12 }, 'y');
    expectClose(threaded.backward(sharedDy)[0].data, plain.backward(dy)[0].data, { rtol: 1e-9, atol: 1e-12 }, 'dx');
    expectClose(threaded.gamma?.grad.data ?? [], plain.gamma?.grad.data ?? [], { rtol: 1e-10, atol: 1e-12 }, 'dγ');
    expectClose(threaded.buffers().running_var.data, plain.buffers().running_var.data, { rtol: 1e-12, atol: 1e-12 }, 'running_var');
    // Unshared input: the single-thread path (equal up to the rounding of merging parts).
    expectClose(threaded.forward([x], TRAIN).data, y.data, { rtol: 1e-12, atol: 1e-12 }, 'unshared input');
  });
});
