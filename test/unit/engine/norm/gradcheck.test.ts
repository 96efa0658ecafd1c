// The checker itself must be able to fail: a layer with a deliberately wrong gradient is caught, and a
// correct one passes.
import { describe, expect, it } from 'vitest';
import type { Layer, Parameter } from '../../../../src/engine/layer';
import { Tensor } from '../../../../src/engine/tensor';
import { checkGradients, randomTensor } from '../gradcheck';

/** y = w·x² elementwise with a scalar w; `gradientError` is added to the returned dx to break it on purpose. */
function squareLayer(gradientError: number): Layer {
  const weight: Parameter = { name: 'weight', value: Tensor.filled([1], 1.5, 'float64'), grad: Tensor.zeros([1], 'float64'), trainable: true };
  let lastInput: Tensor | undefined;
  return {
    name: 'square',
    kind: 'Square',
    forward([x]) {
      lastInput = x;
      const y = x.zerosLike();
      for (let i = 0; i < x.size; i++) y.data[i] = weight.value.data[0] * x.data[i] * x.data[i];
      return y;
    },
    backward(g) {
      const x = lastInput as Tensor;
      const dx = x.zerosLike();
      for (let i = 0; i < x.size; i++) {
        dx.data[i] = 2 * weight.value.data[0] * x.data[i] * g.data[i] + gradientError;
        weight.grad.data[0] += x.data[i] * x.data[i] * g.data[i];
      }
      return [dx];
    },
    parameters: () => [weight],
    buffers: () => ({}),
  };
}

describe('checkGradients', () => {
  it('passes a correct layer, inputs and parameters', () => {
    const report = checkGradients(squareLayer(0), [randomTensor([3, 4], 1)], { params: true });
    expect(report.ok, report.describe()).toBe(true);
    expect(report.checked).toBe(13);
  });

  it('reports a wrong input gradient', () => {
    const report = checkGradients(squareLayer(1e-3), [randomTensor([3, 4], 1)]);
    expect(report.ok).toBe(false);
    expect(report.mismatches.length).toBe(12);
  });

  it('refuses float32 tensors', () => {
    expect(() => checkGradients(squareLayer(0), [Tensor.zeros([2], 'float32')])).toThrow(/float64/);
  });
});
