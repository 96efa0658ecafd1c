// Every case of bn_reference.json (PyTorch 1.13 BatchNorm1d/2d, momentum 0.1, eps 1e-5), in float32
// and float64: eval output with the initial statistics, the first training step's output, batch
// statistics and gradients, running statistics after 1 and 5 steps, and the eval output after them.

import { describe, expect, it } from 'vitest';
import { pytorchBatchNorm1d, pytorchBatchNorm2d, type BatchNorm } from '../../../../src/engine/norm';
import type { DType } from '../../../../src/engine/tensor';
import { EVAL, TRAIN, expectClose, readJsonFixture, tensorOf, type Tolerance, type TorchCase } from './helpers';

interface TorchReference {
  semantics: { momentum: number; eps: number };
  cases: TorchCase[];
  error_cases: { name: string; shape: number[]; torch_error: string }[];
}

const reference = readJsonFixture<TorchReference>('reference/bn_reference.json');

// PyTorch's float32 dx carries float32 rounding of its own: with N=2, dx is a difference of terms near
// γ·s·|dy| ≈ 8 that cancel to ~3e-3, and torch's float32 value is 2e-6 away from the float64 one. Our
// kernels accumulate in double, so float32 gradients get atol 1e-5 against torch's float32 numbers,
// and are also held to the float64 reference (gradientsVsFloat64) to float32 input precision.
const TOLERANCES: Record<DType, { values: Tolerance; gradients: Tolerance }> = {
  float32: { values: { rtol: 1e-5, atol: 1e-6 }, gradients: { rtol: 1e-4, atol: 1e-5 } },
  float64: { values: { rtol: 1e-9, atol: 1e-12 }, gradients: { rtol: 1e-9, atol: 1e-12 } },
};

function makeLayer(c: TorchCase, dtype: DType): BatchNorm {
  const options = { name: c.name, numFeatures: c.num_features, eps: reference.semantics.eps, momentum: reference.semantics.momentum, dtype };
  const layer = c.kind === '2d' ? pytorchBatchNorm1d(options) : pytorchBatchNorm2d(options);
  layer.gamma?.value.data.set(c.inputs.gamma.data);
  layer.beta?.value.data.set(c.inputs.beta.data);
  return layer;
}

describe('BatchNorm against PyTorch (bn_reference.json)', () => {
  it('has the six reference cases', () => {
    expect(reference.cases.map((c) => c.name)).toEqual(['2d_N2', '2d_N7', '2d_N64', '4d_N2', '4d_N7', '4d_N64']);
  });

  for (const c of reference.cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${c.name} ${dtype}`, () => {
        const expected = c.results[dtype];
        const { values, gradients } = TOLERANCES[dtype];
        const layer = makeLayer(c, dtype);
        const xs = c.inputs.xs.map((x) => tensorOf(x, dtype));

        expectClose(layer.forward([xs[0]], EVAL).data, expected.eval_output_initial_stats.data, values, 'eval output, initial statistics');

        const y = layer.forward([xs[0]], TRAIN);
        expect(y.shape).toEqual(c.shape);
        expectClose(y.data, expected.step0.y_train.data, values, 'y_train');
        const batch = layer.batchStatistics();
        if (!batch) throw new Error('no batch statistics after a training step');
        expectClose(batch.mean, expected.step0.batch_mean.data, values, 'batch mean');
        expectClose(batch.variance, expected.step0.batch_var_biased.data, values, 'batch variance (biased)');
        const m = xs[0].size / c.num_features;
        expectClose(batch.variance.map((v) => (v * m) / (m - 1)), expected.step0.batch_var_unbiased.data, values, 'batch variance (unbiased)');

        const [dx] = layer.backward(tensorOf(c.inputs.dy, dtype));
        expectClose(dx.data, expected.step0.dx.data, gradients, 'dx');
        if (dtype === 'float32') expectClose(dx.data, c.results.float64.step0.dx.data, { rtol: 1e-4, atol: 1e-6 }, 'float32 dx vs float64 reference');
        expectClose(layer.gamma?.grad.data ?? [], expected.step0.dgamma.data, gradients, 'dgamma');
        expectClose(layer.beta?.grad.data ?? [], expected.step0.dbeta.data, gradients, 'dbeta');

        const buffers = layer.buffers();
        expectClose(buffers.running_mean.data, expected.after_step1.running_mean.data, values, 'running_mean after 1 step');
        expectClose(buffers.running_var.data, expected.after_step1.running_var.data, values, 'running_var after 1 step');
        expect(buffers.num_batches_tracked.data[0]).toBe(expected.after_step1.num_batches_tracked);

        for (const x of xs.slice(1)) layer.forward([x], TRAIN);
        expectClose(buffers.running_mean.data, expected.after_step5.running_mean.data, values, 'running_mean after 5 steps');
        expectClose(buffers.running_var.data, expected.after_step5.running_var.data, values, 'running_var after 5 steps');
        expect(buffers.num_batches_tracked.data[0]).toBe(expected.after_step5.num_batches_tracked);

        expectClose(layer.forward([xs[0]], EVAL).data, expected.eval_output_after_5_steps.data, values, 'eval output after 5 steps');
      });
    }
  }

  for (const e of reference.error_cases) {
    it(`${e.name}: a batch with one value per channel is refused in train mode, as PyTorch does`, () => {
      const layer = pytorchBatchNorm1d({ name: e.name, numFeatures: e.shape[1] });
      const x = tensorOf({ shape: e.shape, data: Array.from({ length: e.shape[0] * e.shape[1] }, (_, i) => i) }, 'float32');
      const message = e.torch_error.replace(/torch\.Size\(\[(.*)\]\)/, '[$1]');
      expect(message).toBe('Expected more than 1 value per channel when training, got input size [1, 3]');
      expect(() => layer.forward([x], TRAIN)).toThrow(message);
      expect(layer.buffers().num_batches_tracked.data[0]).toBe(0);
      expect(layer.forward([x], EVAL).data).toEqual(new Float32Array([0, 1, 2].map((v) => v / Math.sqrt(1 + 1e-5))));
    });
  }
});
