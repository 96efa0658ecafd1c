// One full training step (forward, softmax cross-entropy, backward, SGD with momentum) of a small CNN:
// (Conv 3×3 → BatchNorm → ReLU) × 3 (16, 32, 64 channels; the last two with stride 2) → Dense(10),
// on a batch of 32 images of 32×32×3; and the forward pass alone. The peer is the same network in
// TF.js (bench/tfjs-cnn.ts; on the wasm backend its convolution needs a custom filter gradient, see
// there), on the wasm backend and, for reference, the cpu backend. Ours runs on the WebAssembly SIMD
// kernels on 1 and 2 threads (TF.js wasm runs one thread in Node); the JavaScript kernels' time is kept
// as "before". The forward pass alone is inference on both sides (BatchNorm on running statistics).
// Recording: the same training step with the ActivationRecorder at its defaults (every step, the BN
// layers' inputs and outputs, 1024 sampled positions per channel, 64 bins, γ/β gradient norms)
// against the step without it, alternated step by step (ours = with, peer = without); sharePct is the
// difference's share of the recorded step, recordingSharePct the recorder's own timed work's share.

import { medianMs, report, median } from './harness';
import { kernelLabel, useOurKernels } from './kernels';
import { randomFloats, useTfBackend } from './peers';
import { filterGradientError, tfjsCnn } from './tfjs-cnn';
import { Conv2d, Dense, Flatten, ReLU } from '../src/engine/layers';
import type { Layer } from '../src/engine/layer';
import { Model } from '../src/engine/model';
import { ActivationRecorder } from '../src/engine/recorder';
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

/** The training step with and without the recorder at its default settings, on the wasm kernels (1 thread). */
async function recordingOverhead(model: Model, optimizer: SGD, batch: { x: Tensor; y: Int32Array; numClasses: number }): Promise<void> {
  const label = kernelLabel(await useOurKernels('wasm', 1));
  const recorder = new ActivationRecorder();
  let step = 0;
  // The recorder's own time inside each recorded step (its hooks timed): steadier than the difference
  // of two step times on a loaded machine.
  let hookMs = 0;
  const hooked = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A): void => {
    const t0 = performance.now();
    fn(...args);
    hookMs += performance.now() - t0;
  };
  const observer = hooked(recorder.observer);
  const gradients = hooked(() => recorder.recordGradients(model.nodes));
  const plain = (): void => {
    model.observer = undefined;
    trainStep(model, optimizer, batch, 'cross-entropy');
  };
  const recorded = (): void => {
    model.observer = observer;
    hooked(() => recorder.beginStep(++step))();
    trainStep(model, optimizer, batch, 'cross-entropy', gradients);
    hooked(() => recorder.endStep())();
  };
  const timed = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) {
    plain();
    recorded();
  }
  const withMs: number[] = [];
  const withoutMs: number[] = [];
  const hookPerStep: number[] = [];
  for (let i = 0; i < 25; i++) {
    withoutMs.push(timed(plain));
    hookMs = 0;
    withMs.push(timed(recorded));
    hookPerStep.push(hookMs);
  }
  model.observer = undefined;
  const oursMs = median(withMs);
  const peerMs = median(withoutMs);
  report({
    name: 'recorder-overhead-cnn-train-step',
    oursMs, peer: 'same step without recording', peerMs,
    extra: {
      kernels: label, recorder: 'defaults (every step, BN layers, 1024 samples/channel, 64 bins)',
      sharePct: (((oursMs - peerMs) / oursMs) * 100).toFixed(1), overheadPct: (((oursMs - peerMs) / peerMs) * 100).toFixed(1),
      recordingMs: median(hookPerStep).toFixed(2), recordingSharePct: ((median(hookPerStep) / oursMs) * 100).toFixed(1),
    },
  });
}

async function main(): Promise<void> {
  const images = randomFloats(BATCH * 3 * SIZE * SIZE, 7);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const model = ourModel();
  const optimizer = new SGD(model.parameters().map((p) => p.parameter), { lr: 0.01, momentum: 0.9 });
  const batch = { x: new Tensor(images, [BATCH, 3, SIZE, SIZE]), y: labels, numClasses: CLASSES };
  // Ours on the JavaScript kernels ("before"), then the WebAssembly SIMD kernels on 1 and 2 threads.
  const ours: { label: string; threads: number; stepMs: number; forwardMs: number }[] = [];
  for (const [choice, threads] of [['js', 1], ['wasm', 1], ['wasm', 2]] as const) {
    const label = kernelLabel(await useOurKernels(choice, threads));
    model.train();
    const stepMs = await medianMs(() => trainStep(model, optimizer, batch, 'cross-entropy'), { warmup: 3, repeats: 9 });
    model.eval();
    const forwardMs = await medianMs(() => model.forward(batch.x), { warmup: 3, repeats: 9 });
    ours.push({ label, threads, stepMs, forwardMs });
  }
  await recordingOverhead(model, optimizer, batch);
  await useOurKernels('js');
  const js = ours[0];

  const nhwc = new Float32Array(images.length);
  for (let n = 0; n < BATCH; n++) for (let c = 0; c < 3; c++) for (let p = 0; p < SIZE * SIZE; p++) {
    nhwc[(n * SIZE * SIZE + p) * 3 + c] = images[(n * 3 + c) * SIZE * SIZE + p];
  }
  const shape = { batch: BATCH, size: SIZE, channels: CHANNELS, strides: STRIDES, classes: CLASSES };
  for (const backend of ['wasm', 'cpu'] as const) {
    const tf = await useTfBackend(backend);
    if (backend === 'cpu') console.log(`bench cnn: custom filter gradient vs TF.js' own, max abs difference ${filterGradientError(tf).toExponential(2)}`);
    const net = tfjsCnn(tf, nhwc, labels, shape);
    // TF.js cpu takes seconds per step: fewer repetitions there.
    const timing = backend === 'cpu' ? { warmup: 1, repeats: 3 } : { warmup: 3, repeats: 9 };
    const stepMs = await medianMs(net.step, timing);
    const forwardMs = await medianMs(net.forward, timing);
    for (const o of ours.slice(1)) {
      const extra = (jsMs: number, peerMs: number) => ({ batch: BATCH, kernels: o.label, jsKernelsMs: jsMs.toFixed(1), jsRatio: (peerMs / jsMs).toFixed(2) });
      report({ name: `cnn-train-step-b32-32x32x3-${o.threads}t`, oursMs: o.stepMs, peer: `tfjs-${backend}`, peerMs: stepMs, extra: extra(js.stepMs, stepMs) });
      report({ name: `cnn-forward-b32-32x32x3-${o.threads}t`, oursMs: o.forwardMs, peer: `tfjs-${backend}`, peerMs: forwardMs, extra: extra(js.forwardMs, forwardMs) });
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
