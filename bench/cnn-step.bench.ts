// One full training step (forward, softmax cross-entropy, backward, SGD with momentum) of a small CNN:
// (Conv 3×3 → BatchNorm → ReLU) × 3 (16, 32, 64 channels; the last two with stride 2) → Dense(10),
// on a batch of 32 images of 32×32×3; and the forward pass alone. The peer is the same network in
// TF.js (bench/tfjs-cnn.ts; on the wasm backend its convolution needs a custom filter gradient, see
// there), on the wasm backend and, for reference, the cpu backend. Ours runs on the WebAssembly SIMD
// kernels on 1 and 2 threads (TF.js wasm runs one thread in Node); the JavaScript kernels' time is kept
// as "before". The forward pass alone is inference on both sides (BatchNorm on running statistics;
// ours through Model.infer, TF.js' predict). Ours and TF.js wasm are timed in alternating rounds.
// Recording: the same training step with the ActivationRecorder at its defaults (every step, the BN
// layers' inputs and outputs, 1024 sampled positions per channel, 64 bins, γ/β gradient norms)
// against the step without it, alternated step by step (ours = with, peer = without); sharePct is the
// median over neighbouring pairs of the difference's share of the recorded step, recordingSharePct the
// recorder's own timed work's share.

import { interleaved, medianMs, report, median } from './harness';
import { kernelLabel, useOurKernels } from './kernels';
import { nchwToNhwc, randomFloats, useTfBackend } from './peers';
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
  const recordedStep = (): void => {
    hookMs = 0;
    withMs.push(timed(recorded));
    hookPerStep.push(hookMs);
  };
  // Pairs in both orders (plain first, then recorded first), so that neither kind always follows the other.
  for (let i = 0; i < 41; i++) {
    if (i % 2 === 0) withoutMs.push(timed(plain));
    recordedStep();
    if (i % 2 === 1) withoutMs.push(timed(plain));
  }
  model.observer = undefined;
  const oursMs = median(withMs);
  const peerMs = median(withoutMs);
  // The share from each pair of neighbouring steps (one recorded, one not), then their median: a drift
  // of the machine's speed during the run cancels within a pair, where the difference of two medians
  // taken over the whole run keeps it (the two ways gave 5.5 % and 10.4 % on two runs of one build).
  // With the plain step always first, pairs gave 8.6–9.8 % against 6 % of timed recorder work; in both
  // orders 6.2–6.8 %: whichever kind ran second paid for the first one's aftermath.
  const pairedShare = median(withMs.map((w, i) => (w - withoutMs[i]) / w));
  report({
    name: 'recorder-overhead-cnn-train-step',
    oursMs, peer: 'same step without recording', peerMs,
    extra: {
      kernels: label, recorder: 'defaults (every step, BN layers, 1024 samples/channel, 64 bins)',
      sharePct: (pairedShare * 100).toFixed(1), overheadPct: (((oursMs - peerMs) / peerMs) * 100).toFixed(1),
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
  const ourStep = (): void => {
    model.train();
    trainStep(model, optimizer, batch, 'cross-entropy');
  };
  const ourForward = (): void => {
    model.eval();
    model.infer(batch.x);
  };
  // Ours on the JavaScript kernels: "before".
  await useOurKernels('js');
  const js = { stepMs: await medianMs(ourStep, { warmup: 2, repeats: 5 }), forwardMs: await medianMs(ourForward, { warmup: 2, repeats: 5 }) };

  const nhwc = nchwToNhwc(images, BATCH, 3, SIZE * SIZE);
  const shape = { batch: BATCH, size: SIZE, channels: CHANNELS, strides: STRIDES, classes: CLASSES };
  const extra = (label: string, jsMs: number, peerMs: number) => ({ batch: BATCH, kernels: label, jsKernelsMs: jsMs.toFixed(1), jsRatio: (peerMs / jsMs).toFixed(2) });
  // The WebAssembly SIMD kernels on 1 and 2 threads, each timed in alternating rounds with TF.js wasm.
  const tf = await useTfBackend('wasm');
  const net = tfjsCnn(tf, nhwc, labels, shape);
  let oneThread = { label: '', stepMs: 0, forwardMs: 0 };
  for (const threads of [1, 2]) {
    const label = kernelLabel(await useOurKernels('wasm', threads));
    const times = await interleaved({ ourStep, ourForward, peerStep: net.step, peerForward: net.forward }, 5, { warmup: 1, repeats: 3 });
    if (threads === 1) oneThread = { label, stepMs: times.ourStep, forwardMs: times.ourForward };
    report({ name: `cnn-train-step-b32-32x32x3-${threads}t`, oursMs: times.ourStep, peer: 'tfjs-wasm', peerMs: times.peerStep, extra: extra(label, js.stepMs, times.peerStep) });
    report({ name: `cnn-forward-b32-32x32x3-${threads}t`, oursMs: times.ourForward, peer: 'tfjs-wasm', peerMs: times.peerForward, extra: extra(label, js.forwardMs, times.peerForward) });
  }
  await recordingOverhead(model, optimizer, batch);
  await useOurKernels('js');
  // TF.js cpu, for reference (seconds per step: fewer repetitions), against our one-thread times.
  const cpu = await useTfBackend('cpu');
  console.log(`bench cnn: custom filter gradient vs TF.js' own, max abs difference ${filterGradientError(cpu).toExponential(2)}`);
  const cpuNet = tfjsCnn(cpu, nhwc, labels, shape);
  const cpuStepMs = await medianMs(cpuNet.step, { warmup: 1, repeats: 3 });
  const cpuForwardMs = await medianMs(cpuNet.forward, { warmup: 1, repeats: 3 });
  report({ name: 'cnn-train-step-b32-32x32x3-1t', oursMs: oneThread.stepMs, peer: 'tfjs-cpu', peerMs: cpuStepMs, extra: extra(oneThread.label, js.stepMs, cpuStepMs) });
  report({ name: 'cnn-forward-b32-32x32x3-1t', oursMs: oneThread.forwardMs, peer: 'tfjs-cpu', peerMs: cpuForwardMs, extra: extra(oneThread.label, js.forwardMs, cpuForwardMs) });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
