// One full training step (forward, softmax cross-entropy, backward, SGD with momentum) of a small CNN:
// (Conv 3×3 → BatchNorm → ReLU) × 3 (16, 32, 64 channels; the last two with stride 2) → Dense(10),
// on a batch of 32 images of 32×32×3. The same network in TF.js. TF.js 4.22's wasm backend has no
// Conv2DBackpropFilter kernel, so it cannot take this step; the bench says so, compares the training
// step with TF.js cpu, and compares the inference forward pass with TF.js wasm.

import { medianMs, report } from './harness';
import { randomFloats, useTfBackend } from './peers';
import { Conv2d, Dense, Flatten, ReLU } from '../src/engine/layers';
import type { Layer } from '../src/engine/layer';
import { Model } from '../src/engine/model';
import { pytorchBatchNorm2d } from '../src/engine/norm';
import { createRng } from '../src/engine/rng';
import { Tensor } from '../src/engine/tensor';
import { trainStep } from '../src/engine/train/loop';
import { SGD } from '../src/engine/train/optimizers';

const BATCH = 32;
const SIZE = 32;
const CHANNELS = [3, 16, 32, 64];
const STRIDES = [1, 2, 2];
const CLASSES = 10;

function ourModel(): Model {
  const rng = createRng(1);
  const layers: Layer[] = [];
  for (let i = 0; i < 3; i++) {
    layers.push(new Conv2d({ name: `conv${i}`, inChannels: CHANNELS[i], outChannels: CHANNELS[i + 1], kernelSize: 3, stride: STRIDES[i], padding: 1, bias: false }, rng));
    layers.push(pytorchBatchNorm2d({ name: `bn${i}`, numFeatures: CHANNELS[i + 1] }));
    layers.push(new ReLU({ name: `relu${i}` }));
  }
  layers.push(new Flatten(), new Dense({ inFeatures: 64 * 8 * 8, outFeatures: CLASSES }, rng));
  return Model.sequential(layers);
}

async function main(): Promise<void> {
  const images = randomFloats(BATCH * 3 * SIZE * SIZE, 7);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const model = ourModel();
  const optimizer = new SGD(model.parameters().map((p) => p.parameter), { lr: 0.01, momentum: 0.9 });
  const batch = { x: new Tensor(images, [BATCH, 3, SIZE, SIZE]), y: labels, numClasses: CLASSES };
  const oursStepMs = await medianMs(() => trainStep(model, optimizer, batch, 'cross-entropy'), { warmup: 3, repeats: 9 });
  model.eval();
  const oursForwardMs = await medianMs(() => model.forward(batch.x), { warmup: 3, repeats: 9 });

  // TF.js: channels-last input, same layers.
  const nhwc = new Float32Array(images.length);
  for (let n = 0; n < BATCH; n++) for (let c = 0; c < 3; c++) for (let p = 0; p < SIZE * SIZE; p++) {
    nhwc[(n * SIZE * SIZE + p) * 3 + c] = images[(n * 3 + c) * SIZE * SIZE + p];
  }
  for (const backend of ['cpu', 'wasm'] as const) {
    const tf = await useTfBackend(backend);
    const net = tf.sequential();
    for (let i = 0; i < 3; i++) {
      net.add(tf.layers.conv2d({ inputShape: i === 0 ? [SIZE, SIZE, 3] : undefined, filters: CHANNELS[i + 1], kernelSize: 3, strides: STRIDES[i], padding: 'same', useBias: false }));
      net.add(tf.layers.batchNormalization());
      net.add(tf.layers.reLU());
    }
    net.add(tf.layers.flatten());
    net.add(tf.layers.dense({ units: CLASSES }));
    const x = tf.tensor4d(nhwc, [BATCH, SIZE, SIZE, 3]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
    const sgd = tf.train.momentum(0.01, 0.9);
    const step = (): void => {
      const loss = sgd.minimize(() => tf.losses.softmaxCrossEntropy(y, net.apply(x, { training: true }) as typeof x), true);
      loss?.dataSync();
      loss?.dispose();
    };
    try {
      const peerMs = await medianMs(step, { warmup: 3, repeats: 9 });
      report({ name: 'cnn-train-step-b32-32x32x3', oursMs: oursStepMs, peer: `tfjs-${backend}`, peerMs, extra: { batch: BATCH } });
    } catch (e) {
      console.log(`bench cnn-train-step-b32-32x32x3: tfjs-${backend} cannot run the step: ${e instanceof Error ? e.message : String(e)}`);
    }
    const forwardMs = await medianMs(() => tf.tidy(() => (net.predict(x) as typeof x).dataSync()), { warmup: 3, repeats: 9 });
    report({ name: 'cnn-forward-eval-b32-32x32x3', oursMs: oursForwardMs, peer: `tfjs-${backend}`, peerMs: forwardMs, extra: { batch: BATCH } });
    tf.dispose([x, y]);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
