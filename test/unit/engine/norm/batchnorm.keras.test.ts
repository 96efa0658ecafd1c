// Keras 3 (keras_bn_reference.json, momentum 0.9, epsilon 1e-5, axis=-1 on channels-last inputs built
// from the PyTorch cases) and TF.js (reference_io.json standalone_bn_train_step): the BIASED batch
// variance feeds the moving variance, and NHWC runs with no transposes.

import { describe, expect, it } from 'vitest';
import { kerasBatchNormalization } from '../../../../src/engine/norm';
import { Tensor } from '../../../../src/engine/tensor';
import { EVAL, TRAIN, expectClose, readJsonFixture, toChannelsLast, type ArrayRef, type TorchCase } from './helpers';

interface KerasCase {
  name: string;
  shape_channels_last: number[];
  results_float32: {
    eval_output_initial_stats: ArrayRef;
    step0: { y_train: ArrayRef; dx: ArrayRef; dgamma: ArrayRef; dbeta: ArrayRef };
    after_step1: { moving_mean: ArrayRef; moving_variance: ArrayRef };
    after_step5: { moving_mean: ArrayRef; moving_variance: ArrayRef };
    eval_output_after_5_steps: ArrayRef;
  };
}

const keras = readJsonFixture<{ semantics: { momentum: number; epsilon: number }; cases: KerasCase[] }>('reference/keras_bn_reference.json');
const torch = readJsonFixture<{ cases: TorchCase[] }>('reference/bn_reference.json');
const tfjs = readJsonFixture<{
  standalone_bn_train_step: {
    input: ArrayRef;
    y_train: number[];
    weights_after_one_step: { gamma: number[]; beta: number[]; moving_mean: number[]; moving_variance: number[] };
  };
}>('models/tfjs-convbn/reference_io.json');

const VALUES = { rtol: 1e-5, atol: 1e-6 };
// As for PyTorch: TensorFlow's float32 dx for N=2 carries ~1e-6 of its own rounding.
const GRADIENTS = { rtol: 1e-4, atol: 1e-5 };

function channelsLast(ref: ArrayRef): Tensor {
  const { data, shape } = toChannelsLast(ref.data, ref.shape);
  return Tensor.fromArray(data, shape, 'float32');
}

describe('BatchNorm against Keras 3 (keras_bn_reference.json)', () => {
  it('has the three reference cases', () => {
    expect(keras.cases.map((c) => c.name)).toEqual(['2d_N2', '2d_N7', '4d_N7']);
  });

  for (const c of keras.cases) {
    it(`${c.name} channels last`, () => {
      const source = torch.cases.find((t) => t.name === c.name);
      if (!source) throw new Error(`no PyTorch case ${c.name}`);
      const expected = c.results_float32;
      const layer = kerasBatchNormalization({ name: c.name, numFeatures: source.num_features, momentum: keras.semantics.momentum, epsilon: keras.semantics.epsilon });
      layer.gamma?.value.data.set(source.inputs.gamma.data);
      layer.beta?.value.data.set(source.inputs.beta.data);
      const xs = source.inputs.xs.map(channelsLast);
      expect(xs[0].shape).toEqual(c.shape_channels_last);

      expectClose(layer.forward([xs[0]], EVAL).data, expected.eval_output_initial_stats.data, VALUES, 'eval output, initial statistics');
      expectClose(layer.forward([xs[0]], TRAIN).data, expected.step0.y_train.data, VALUES, 'y_train');
      const [dx] = layer.backward(channelsLast(source.inputs.dy));
      expectClose(dx.data, expected.step0.dx.data, GRADIENTS, 'dx');
      expectClose(layer.gamma?.grad.data ?? [], expected.step0.dgamma.data, GRADIENTS, 'dgamma');
      expectClose(layer.beta?.grad.data ?? [], expected.step0.dbeta.data, GRADIENTS, 'dbeta');

      const buffers = layer.buffers();
      expect(Object.keys(buffers).sort()).toEqual(['moving_mean', 'moving_variance']);
      expectClose(buffers.moving_mean.data, expected.after_step1.moving_mean.data, VALUES, 'moving_mean after 1 step');
      expectClose(buffers.moving_variance.data, expected.after_step1.moving_variance.data, VALUES, 'moving_variance after 1 step');
      for (const x of xs.slice(1)) layer.forward([x], TRAIN);
      expectClose(buffers.moving_mean.data, expected.after_step5.moving_mean.data, VALUES, 'moving_mean after 5 steps');
      expectClose(buffers.moving_variance.data, expected.after_step5.moving_variance.data, VALUES, 'moving_variance after 5 steps');
      expectClose(layer.forward([xs[0]], EVAL).data, expected.eval_output_after_5_steps.data, VALUES, 'eval output after 5 steps');
    });
  }
});

describe('BatchNorm against TF.js (reference_io.json standalone_bn_train_step)', () => {
  it('one training step of a fresh BN (momentum 0.9, epsilon 1e-5)', () => {
    const step = tfjs.standalone_bn_train_step;
    const layer = kerasBatchNormalization({ name: 'tfjs', numFeatures: step.input.shape[1], momentum: 0.9, epsilon: 1e-5 });
    const y = layer.forward([Tensor.fromArray(step.input.data, step.input.shape, 'float32')], TRAIN);
    expectClose(y.data, step.y_train, VALUES, 'y_train');
    const buffers = layer.buffers();
    expectClose(buffers.moving_mean.data, step.weights_after_one_step.moving_mean, VALUES, 'moving_mean');
    expectClose(buffers.moving_variance.data, step.weights_after_one_step.moving_variance, VALUES, 'moving_variance');
    expectClose(layer.gamma?.value.data ?? [], step.weights_after_one_step.gamma, VALUES, 'gamma');
    expectClose(layer.beta?.value.data ?? [], step.weights_after_one_step.beta, VALUES, 'beta');
  });
});
