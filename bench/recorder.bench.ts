// What recording costs: a BatchNorm training step (forward with batch statistics + backward) on
// [32, 64, 56, 56] float32, with the ActivationRecorder at its defaults (every step, 1024 sampled
// positions per channel, 64 bins) summarizing the BN's input and output and the γ/β gradient norms,
// against the same step without it. ours = with recording, peer = without, so the ratio is below 1;
// overheadPct is the relative extra time.
import { medianMs, report, median } from './harness';
import type { ForwardContext } from '../src/engine/layer';
import { pytorchBatchNorm2d } from '../src/engine/norm';
import { ActivationRecorder } from '../src/engine/recorder';
import { Tensor } from '../src/engine/tensor';

const SHAPE = [32, 64, 56, 56];
const SIZE = SHAPE.reduce((a, b) => a * b, 1);
const TRAIN: ForwardContext = { training: true, rng: { next: () => 0.5, normal: () => 0 } };

function filled(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = 3 * (s / 2 ** 32 - 0.5) + 0.2;
  }
  return out;
}

async function main(): Promise<void> {
  const x = new Tensor(filled(SIZE, 1), SHAPE);
  const dy = new Tensor(filled(SIZE, 2), SHAPE);
  // Buffers are reused, as within a Model, so the step is as fast as it gets and the overhead is not hidden by allocation.
  const layer = pytorchBatchNorm2d({ name: 'bn', numFeatures: SHAPE[1], reuseBuffers: true });
  const nodes = [{ name: 'bn', layer }];
  const recorder = new ActivationRecorder();
  let step = 0;

  const plain = (): void => {
    layer.forward([x], TRAIN);
    layer.backward(dy);
  };
  const recorded = (): void => {
    recorder.beginStep(step++);
    const y = layer.forward([x], TRAIN);
    recorder.observer('bn', layer, [x], y);
    layer.backward(dy);
    recorder.recordGradients(nodes);
    recorder.endStep();
  };

  // Alternate the two step by step, so drifting machine load weighs on both alike; medians of each.
  for (let i = 0; i < 3; i++) {
    plain();
    recorded();
  }
  const withMs: number[] = [];
  const withoutMs: number[] = [];
  const timed = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < 41; i++) {
    withoutMs.push(timed(plain));
    withMs.push(timed(recorded));
  }
  const oursMs = median(withMs);
  const peerMs = median(withoutMs);

  // The recording work alone (two 25 MB tensors summarized, gradient norms), a steadier estimate than the difference of two noisy step times.
  const recordingOnlyMs = await medianMs(() => {
    recorder.beginStep(step++);
    recorder.observer('bn', layer, [x], dy);
    recorder.recordGradients(nodes);
    recorder.endStep();
  }, { warmup: 3, repeats: 21 });
  report({
    name: 'recorder-overhead',
    oursMs, peer: 'same step without recording', peerMs,
    extra: { step: 'BN train fwd+bwd [32,64,56,56] f32', overheadPct: (((oursMs - peerMs) / peerMs) * 100).toFixed(1), recordingOnlyMs: recordingOnlyMs.toFixed(2), recordingOnlyPct: ((recordingOnlyMs / peerMs) * 100).toFixed(1), sampledPerTensor: SHAPE[1] * 1024 },
  });
}

void main();
