// BatchNorm on [32, 64, 56, 56] float32 (a ResNet stage-1 activation): inference forward against
// onnxruntime-node (an in-memory BatchNormalization model, 2 intra-op threads) with our kernels on two
// threads (NormThreadPool, input in a SharedArrayBuffer), and against TF.js wasm (one SIMD thread under
// Node) with ours on one; a training step (forward with batch statistics + backward for dx, dγ, dβ) on
// one thread against TF.js wasm and cpu. Every other variant is printed as an extra field, with a
// plain y[i] = a·x[i] + b loop and a Float32Array copy of the same bytes as the limits of one JS thread.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { interleaved, medianMs, report } from './harness';
import { ortSession } from './peers';
import type { ForwardContext, Rng } from '../src/engine/layer';
import { pytorchBatchNorm2d, type BatchNorm, type NormKernelSet } from '../src/engine/norm';
import { NormThreadPool } from '../src/engine/norm/parallel';
import { Tensor } from '../src/engine/tensor';

const [N, C, H, W] = [32, 64, 56, 56];
const SHAPE = [N, C, H, W];
const SIZE = N * C * H * W;
const EPS = 1e-5;
const MB = (SIZE * 4) / 2 ** 20;

const noRng: Rng = { next: () => 0.5, normal: () => 0 };
const TRAIN: ForwardContext = { training: true, rng: noRng };
const EVAL: ForwardContext = { training: false, rng: noRng };

/** Deterministic filler (an LCG), so every run times the same numbers. */
function filled(length: number, seed: number, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = offset + scale * (s / 2 ** 32 - 0.5);
  }
  return out;
}

const x = filled(SIZE, 1, 4, 0.3);
const dy = filled(SIZE, 2);
const gamma = filled(C, 3, 0.5, 1);
const beta = filled(C, 4);
const runningMean = filled(C, 5, 0.2);
const runningVar = filled(C, 6, 0.5, 1);

function ourLayer(reuseBuffers: boolean, kernels?: NormKernelSet): BatchNorm {
  const layer = pytorchBatchNorm2d({ name: 'bn', numFeatures: C, eps: EPS, reuseBuffers, kernels });
  layer.gamma?.value.data.set(gamma);
  layer.beta?.value.data.set(beta);
  const buffers = layer.buffers();
  buffers.running_mean.data.set(runningMean);
  buffers.running_var.data.set(runningVar);
  return layer;
}

function axpb(src: Float32Array, dst: Float32Array, a: number, b: number): void {
  for (let i = 0; i < src.length; i++) dst[i] = a * src[i] + b;
}

async function physicalLimits(): Promise<{ loopMs: number; copyMs: number }> {
  const y = new Float32Array(SIZE);
  const loopMs = await medianMs(() => axpb(x, y, 1.5, 0.25), { warmup: 3, repeats: 15 });
  const copyMs = await medianMs(() => y.set(x), { warmup: 3, repeats: 15 });
  return { loopMs, copyMs };
}

function onnxBatchNormModel(): Uint8Array {
  const initializer = (name: string, values: Float32Array): onnx.ITensorProto => ({
    name, dims: [C], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.slice().buffer),
  });
  const valueInfo = (name: string): onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: SHAPE.map((d) => ({ dimValue: d })) } } },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'bn-lens bench',
    opsetImport: [{ domain: '', version: 15 }],
    graph: {
      name: 'bn',
      node: [{
        opType: 'BatchNormalization', input: ['x', 'scale', 'B', 'mean', 'var'], output: ['y'],
        attribute: [{ name: 'epsilon', type: onnx.AttributeProto.AttributeType.FLOAT, f: EPS }],
      }],
      initializer: [initializer('scale', gamma), initializer('B', beta), initializer('mean', runningMean), initializer('var', runningVar)],
      input: [valueInfo('x')],
      output: [valueInfo('y')],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** The same values in a SharedArrayBuffer, as the pool's kernels allocate them. */
function shared(values: Float32Array, kernels: NormKernelSet): Float32Array {
  const out = kernels.float32.allocate(values.length);
  out.set(values);
  return out;
}

async function inference(kernels: NormKernelSet): Promise<void> {
  const xT = new Tensor(x, SHAPE);
  const sharedX = new Tensor(shared(x, kernels), SHAPE);
  const twoThreads = ourLayer(true, kernels);
  const oneThread = ourLayer(true);
  const fresh = ourLayer(false);
  const session = await ortSession(onnxBatchNormModel(), 2);
  const feeds = { x: new ort.Tensor('float32', x, SHAPE) };
  const times = await interleaved({
    twoThreads: () => twoThreads.forward([sharedX], EVAL),
    oneThread: () => oneThread.forward([xT], EVAL),
    fresh: () => fresh.forward([xT], EVAL),
    ort: () => session.run(feeds),
  }, 7, { warmup: 3, repeats: 9 });
  const [oursMs, oneThreadMs, freshMs, ortMs] = [times.twoThreads, times.oneThread, times.fresh, times.ort];
  const ours = twoThreads.forward([sharedX], EVAL).data;
  const ortOut = (await session.run(feeds)).y.data as Float32Array;
  const { loopMs, copyMs } = await physicalLimits();
  report({
    name: 'batchnorm-infer [32,64,56,56] f32, 2 threads',
    oursMs, peer: 'onnxruntime-node (2 threads)', peerMs: ortMs,
    extra: {
      oneThreadMs: oneThreadMs.toFixed(2), oneThreadFreshOutputMs: freshMs.toFixed(2), 'y=a·x+b loopMs': loopMs.toFixed(2), copyMs: copyMs.toFixed(2),
      GBps: ((2 * MB * 2 ** 20) / (oursMs * 1e6)).toFixed(1), maxAbsDiff: maxAbsDifference(ours, ortOut).toExponential(1),
    },
  });

  await tf.setBackend('wasm');
  const xTf = tf.tensor4d(x, [N, C, H, W]);
  const params = [runningMean, runningVar, beta, gamma].map((v) => tf.tensor4d(v, [1, C, 1, 1]));
  const tfjsInfer = (): void => tf.tidy(() => { tf.batchNorm(xTf, params[0], params[1], params[2], params[3], EPS).dataSync(); });
  const vsWasm = await interleaved({ ours: () => oneThread.forward([xT], EVAL), wasm: tfjsInfer }, 5, { warmup: 2, repeats: 5 });
  report({ name: 'batchnorm-infer, 1 thread', oursMs: vsWasm.ours, peer: 'tfjs-wasm (1 thread)', peerMs: vsWasm.wasm });
  xTf.dispose();
  params.forEach((p) => p.dispose());
}

/**
 * One training step in TF.js: moments over the batch and positions, normalization, and the gradients
 * of Σ(y·dy) for x, γ, β. NHWC uses the fused batchNorm op (whose gradient needs channels last); NCHW
 * is written with elementwise ops, as its fused gradient does not broadcast [1, C, 1, 1] parameters.
 */
function tfjsTrainingStep(layout: 'NCHW' | 'NHWC'): () => void {
  const shape: [number, number, number, number] = layout === 'NCHW' ? [N, C, H, W] : [N, H, W, C];
  const paramShape = layout === 'NCHW' ? [1, C, 1, 1] : [C];
  // The values are not transposed for NHWC: only the time is compared there.
  const xTf = tf.tensor4d(x, shape);
  const dyTf = tf.tensor4d(dy, shape);
  const g = tf.tensor(gamma, paramShape);
  const b = tf.tensor(beta, paramShape);
  const gradients = tf.grads((xs: tf.Tensor, gs: tf.Tensor, bs: tf.Tensor) => {
    if (layout === 'NHWC') {
      const { mean, variance } = tf.moments(xs, [0, 1, 2]);
      return tf.batchNorm(xs, mean, variance, bs, gs, EPS);
    }
    const { mean, variance } = tf.moments(xs, [0, 2, 3], true);
    return xs.sub(mean).mul(variance.add(EPS).rsqrt()).mul(gs).add(bs);
  });
  return () => tf.tidy(() => {
    for (const t of gradients([xTf, g, b], dyTf)) t.dataSync();
  });
}

async function training(kernels: NormKernelSet): Promise<void> {
  const step = (layer: BatchNorm, input: Tensor, gradient: Tensor) => (): void => {
    layer.forward([input], TRAIN);
    layer.backward(gradient);
  };
  const xT = new Tensor(x, SHAPE);
  const dyT = new Tensor(dy, SHAPE);
  await tf.setBackend('wasm');
  // TF.js's fused NHWC batchNorm gradient is several times slower than the elementwise NCHW form, so it is timed once, outside the rounds.
  const wasmNHWCMs = await medianMs(tfjsTrainingStep('NHWC'), { warmup: 1, repeats: 1 });
  const times = await interleaved({
    ours: step(ourLayer(true), xT, dyT),
    fresh: step(ourLayer(false), xT, dyT),
    twoThreads: step(ourLayer(true, kernels), new Tensor(shared(x, kernels), SHAPE), new Tensor(shared(dy, kernels), SHAPE)),
    wasmNCHW: tfjsTrainingStep('NCHW'),
  }, 5, { warmup: 1, repeats: 3 });
  const oursMs = times.ours;
  report({
    name: 'batchnorm-train fwd+bwd [32,64,56,56] f32, 1 thread',
    oursMs, peer: 'tfjs-wasm (1 thread, best layout)', peerMs: Math.min(times.wasmNCHW, wasmNHWCMs),
    extra: { twoThreadsMs: times.twoThreads.toFixed(2), freshBuffersMs: times.fresh.toFixed(2), tfjsWasmNCHWMs: times.wasmNCHW.toFixed(1), tfjsWasmNHWCMs: wasmNHWCMs.toFixed(1) },
  });

  // The cpu backend takes seconds per step; its fused NHWC batchNorm is its faster layout, measured once after one warm-up.
  await tf.setBackend('cpu');
  const cpuMs = await medianMs(tfjsTrainingStep('NHWC'), { warmup: 1, repeats: 1 });
  report({ name: 'batchnorm-train fwd+bwd, 1 thread', oursMs, peer: 'tfjs-cpu (NHWC)', peerMs: cpuMs });
}

async function main(): Promise<void> {
  const pool = await NormThreadPool.create(1);
  try {
    await inference(pool.kernels());
    await training(pool.kernels());
  } finally {
    await pool.close();
  }
}

void main();
