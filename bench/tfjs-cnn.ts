// The benchmark CNN written with TF.js ops, channels-last: (conv 3×3 'same' → batch norm → ReLU) × 3 →
// dense, trained with momentum SGD on softmax cross-entropy (batch statistics); its forward pass alone
// is inference (running statistics), as ours runs in eval mode.
//
// TF.js 4.22's wasm backend registers no Conv2DBackpropFilter kernel, so tf.conv2d cannot be
// differentiated with respect to its filter there. The convolution below therefore has a custom
// gradient that uses only kernels wasm has: the input gradient is conv2dTranspose
// (Conv2DBackpropInput), and the filter gradient is the classic identity
//   dW[i, j, ci, co] = Σ_{n, oh, ow} x[n, oh·s + i − p, ow·s + j − p, ci] · dy[n, oh, ow, co]
// computed as a stride-1 convolution dilated by s of x (transposed to [Ci, H, W, N]) with dy
// (transposed to [OH, OW, N, Co]). filterGradientError() checks it against TF.js' own gradient.

import type * as tfNamespace from '@tensorflow/tfjs';

type Tf = typeof tfNamespace;
type T4 = tfNamespace.Tensor4D;

/** TensorFlow 'same' padding: [before, after] for one spatial axis. */
function samePads(size: number, k: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function filterGradient(tf: Tf, x: T4, dy: T4, k: number, stride: number): T4 {
  const [, h, w] = x.shape;
  const [ph0, ph1] = samePads(h, k, stride);
  const [pw0, pw1] = samePads(w, k, stride);
  const xt = tf.transpose(x, [3, 1, 2, 0]);
  const dyt = tf.transpose(dy, [1, 2, 0, 3]);
  const g = tf.conv2d(xt, dyt, 1, [[0, 0], [ph0, ph1], [pw0, pw1], [0, 0]], 'NHWC', stride);
  return tf.transpose(tf.slice(g, [0, 0, 0, 0], [-1, k, k, -1]), [1, 2, 0, 3]);
}

/** tf.conv2d(x, w, stride, 'same') with a gradient that needs no Conv2DBackpropFilter kernel. */
export function convWithPortableGradient(tf: Tf, stride: number): (x: T4, w: T4) => T4 {
  return tf.customGrad((...args: (tfNamespace.Tensor | tfNamespace.GradSaveFunc)[]) => {
    const [x, w, save] = args as [T4, T4, tfNamespace.GradSaveFunc];
    save([x, w]);
    return {
      value: tf.conv2d(x, w, stride, 'same'),
      gradFunc: (dy: T4, saved: tfNamespace.Tensor[]) => {
        const [sx, sw] = saved as [T4, T4];
        return [tf.conv2dTranspose(dy, sw, sx.shape, stride, 'same'), filterGradient(tf, sx, dy, sw.shape[0], stride)];
      },
    };
  }) as (x: T4, w: T4) => T4;
}

/** Largest |custom − TF.js| filter gradient on a small stride-2 case (run on a backend that has the kernel). */
export function filterGradientError(tf: Tf): number {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 1) as T4;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as T4;
    const probe = tf.randomNormal([2, 4, 3, 4], 0, 1, 'float32', 3);
    const custom = convWithPortableGradient(tf, 2);
    const [, dwCustom] = tf.grads((a: tfNamespace.Tensor, b: tfNamespace.Tensor) => tf.sum(tf.mul(custom(a as T4, b as T4), probe)))([x, w]);
    const [, dwNative] = tf.grads((a: tfNamespace.Tensor, b: tfNamespace.Tensor) => tf.sum(tf.mul(tf.conv2d(a as T4, b as T4, 2, 'same'), probe)))([x, w]);
    return tf.max(tf.abs(tf.sub(dwCustom, dwNative))).dataSync()[0];
  });
}

export interface TfCnn {
  step(): void;
  forward(): void;
}

export function tfjsCnn(tf: Tf, images: Float32Array, labels: Int32Array, shape: { batch: number; size: number; channels: number[]; strides: number[]; classes: number }): TfCnn {
  const { batch, size, channels, strides, classes } = shape;
  const x = tf.tensor4d(images, [batch, size, size, channels[0]]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
  const convs = strides.map((s) => convWithPortableGradient(tf, s));
  const filters = strides.map((_, i) => tf.variable(tf.randomUniform([3, 3, channels[i], channels[i + 1]], -0.2, 0.2, 'float32', i)));
  const gammas = strides.map((_, i) => tf.variable(tf.ones([channels[i + 1]])));
  const betas = strides.map((_, i) => tf.variable(tf.zeros([channels[i + 1]])));
  let spatial = size;
  for (const s of strides) spatial = Math.ceil(spatial / s);
  const features = spatial * spatial * channels[channels.length - 1];
  const dense = tf.variable(tf.randomUniform([features, classes], -0.02, 0.02, 'float32', 9));
  const bias = tf.variable(tf.zeros([classes]));
  const optimizer = tf.train.momentum(0.01, 0.9);

  // The running statistics of inference (PyTorch's eval mode); the training step normalizes with batch
  // statistics (train mode), as ours does. Their values do not matter for timing.
  const runningMeans = strides.map((_, i) => tf.zeros([channels[i + 1]]));
  const runningVars = strides.map((_, i) => tf.ones([channels[i + 1]]));
  const logits = (training: boolean): tfNamespace.Tensor2D => {
    let h: T4 = x;
    strides.forEach((_, i) => {
      h = convs[i](h, filters[i] as unknown as T4);
      const { mean, variance } = training ? tf.moments(h, [0, 1, 2]) : { mean: runningMeans[i], variance: runningVars[i] };
      h = tf.relu(tf.batchNorm(h, mean, variance, betas[i], gammas[i], 1e-5)) as T4;
    });
    return tf.add(tf.matMul(tf.reshape(h, [batch, features]), dense), bias);
  };

  return {
    step: () => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(true)) as tfNamespace.Scalar, true);
      loss?.dataSync();
      loss?.dispose();
    },
    forward: () => {
      // Nothing is returned from tidy(): it would walk a returned array looking for tensors.
      tf.tidy(() => {
        logits(false).dataSync();
      });
    },
  };
}
