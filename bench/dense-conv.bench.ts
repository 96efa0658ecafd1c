// GEMM (a Dense layer, 256×1024 · 1024×1024) and Conv2d (3×3, 64→64, [8, 64, 56, 56], padding 1)
// forward passes: ours (WebAssembly SIMD kernels on 1 and 2 threads; the JavaScript kernels as
// "before") against TF.js wasm (one thread in Node) and cpu, and ONNX Runtime on 1 and 2 intra-op
// threads. Same process; ratio = peer time / ours.

import { medianMs, report } from './harness';
import { kernelLabel, useOurKernels } from './kernels';
import { gflops, ortRun, ortSingleNodeSession, randomFloats, useTfBackend } from './peers';
import { Conv2d, Dense } from '../src/engine/layers';
import type { Layer } from '../src/engine/layer';
import { createRng } from '../src/engine/rng';
import { Tensor } from '../src/engine/tensor';

const ctx = { training: false, rng: createRng(0) };
const BACKENDS = [['js', 1], ['wasm', 1], ['wasm', 2]] as const;

/** Our median time per backend: "js", "wasm-simd×1", "wasm-simd×2". */
async function ours(layer: Layer, x: Tensor, timing: { warmup: number; repeats: number }): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const [choice, threads] of BACKENDS) {
    const label = kernelLabel(await useOurKernels(choice, threads));
    times.set(label, await medianMs(() => layer.forward([x], ctx), choice === 'js' ? { warmup: 1, repeats: 3 } : timing));
  }
  await useOurKernels('js');
  return times;
}

function reportAll(name: string, flops: number, times: Map<string, number>, peer: string, peerMs: number, threads: 1 | 2): void {
  const wasmLabel = [...times.keys()].find((l) => l !== 'js' && l.endsWith(`×${threads}`));
  if (!wasmLabel) throw new Error('no WebAssembly timing');
  const oursMs = times.get(wasmLabel) as number;
  const jsMs = times.get('js') as number;
  report({
    name: `${name}-${threads}t`, oursMs, peer, peerMs,
    extra: { kernels: wasmLabel, oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs), jsKernelsMs: jsMs.toFixed(1), jsRatio: (peerMs / jsMs).toFixed(2) },
  });
}

async function dense(): Promise<void> {
  const [m, k, n] = [256, 1024, 1024];
  const flops = 2 * m * k * n;
  const layer = new Dense({ inFeatures: k, outFeatures: n, bias: false }, createRng(1));
  const x = new Tensor(randomFloats(m * k, 2), [m, k]);
  const times = await ours(layer, x, { warmup: 3, repeats: 7 });
  const w = layer.weight.value.data as Float32Array;

  // TF.js gets its own dense layout, kernel [in, out] (tf.layers.dense): its wasm matMul with
  // transposeB falls off the XNNPACK path (≈ 2 GFLOP/s here instead of ≈ 25).
  const wInOut = new Float32Array(w.length);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) wInOut[i * n + o] = w[o * k + i];
  for (const backend of ['wasm', 'cpu'] as const) {
    const tf = await useTfBackend(backend);
    const a = tf.tensor2d(x.data as Float32Array, [m, k]);
    const b = tf.tensor2d(wInOut, [k, n]);
    // Nothing is returned from tidy(): it would walk a returned array element by element looking for tensors.
    const peerMs = await medianMs(() => tf.tidy(() => {
      tf.matMul(a, b).dataSync();
    }), backend === 'cpu' ? { warmup: 1, repeats: 3 } : { warmup: 3, repeats: 7 });
    tf.dispose([a, b]);
    reportAll('dense-gemm-256x1024x1024', flops, times, `tfjs-${backend}`, peerMs, 1);
  }

  for (const threads of [1, 2] as const) {
    const session = await ortSingleNodeSession(
      { opType: 'Gemm', inputs: ['A', 'B'], attributes: [{ name: 'transB', type: 2, i: 1 }] },
      { name: 'A', dims: [m, k] },
      [{ name: 'B', dims: [n, k], data: w }],
      threads,
    );
    const peerMs = await medianMs(() => ortRun(session, 'A', x.data as Float32Array, [m, k]));
    reportAll('dense-gemm-256x1024x1024', flops, times, `onnxruntime-node×${threads}`, peerMs, threads);
  }
}

async function conv(): Promise<void> {
  const [batch, channels, size, k] = [8, 64, 56, 3];
  const flops = 2 * batch * channels * size * size * channels * k * k;
  const layer = new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: k, padding: 1, bias: false }, createRng(3));
  const x = new Tensor(randomFloats(batch * channels * size * size, 4), [batch, channels, size, size]);
  const times = await ours(layer, x, { warmup: 2, repeats: 5 });
  const w = layer.weight.value.data as Float32Array;

  // TF.js convolves NHWC with HWIO filters (its native layout; NCHW is not supported by every backend).
  const xNhwc = new Float32Array(x.size);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) for (let p = 0; p < size * size; p++) {
    xNhwc[(n * size * size + p) * channels + c] = x.data[(n * channels + c) * size * size + p];
  }
  const wHwio = new Float32Array(w.length);
  for (let o = 0; o < channels; o++) for (let i = 0; i < channels; i++) for (let t = 0; t < k * k; t++) {
    wHwio[(t * channels + i) * channels + o] = w[(o * channels + i) * k * k + t];
  }
  for (const backend of ['wasm', 'cpu'] as const) {
    const tf = await useTfBackend(backend);
    const input = tf.tensor4d(xNhwc, [batch, size, size, channels]);
    const filter = tf.tensor4d(wHwio, [k, k, channels, channels]);
    const peerMs = await medianMs(() => tf.tidy(() => {
      tf.conv2d(input, filter, 1, 'same').dataSync();
    }), backend === 'cpu' ? { warmup: 1, repeats: 3 } : { warmup: 2, repeats: 5 });
    tf.dispose([input, filter]);
    reportAll('conv2d-3x3-64to64-8x56x56', flops, times, `tfjs-${backend}`, peerMs, 1);
  }

  for (const threads of [1, 2] as const) {
    const session = await ortSingleNodeSession(
      { opType: 'Conv', inputs: ['X', 'W'], attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [k, k] }] },
      { name: 'X', dims: [batch, channels, size, size] },
      [{ name: 'W', dims: [channels, channels, k, k], data: w }],
      threads,
    );
    const peerMs = await medianMs(() => ortRun(session, 'X', x.data as Float32Array, [batch, channels, size, size]), { warmup: 2, repeats: 5 });
    reportAll('conv2d-3x3-64to64-8x56x56', flops, times, `onnxruntime-node×${threads}`, peerMs, threads);
  }
}

async function depthwise(): Promise<void> {
  // A MobileNetV2 block's depthwise convolution: 3×3, 144 channels, [8, 144, 56, 56], stride 1.
  const [batch, channels, size] = [8, 144, 56];
  const flops = 2 * batch * channels * size * size * 9;
  const layer = new Conv2d({ inChannels: channels, outChannels: channels, groups: channels, kernelSize: 3, padding: 1, bias: false }, createRng(5));
  const x = new Tensor(randomFloats(batch * channels * size * size, 6), [batch, channels, size, size]);
  const times = await ours(layer, x, { warmup: 2, repeats: 5 });
  const w = layer.weight.value.data as Float32Array;
  const xNhwc = new Float32Array(x.size);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) for (let p = 0; p < size * size; p++) {
    xNhwc[(n * size * size + p) * channels + c] = x.data[(n * channels + c) * size * size + p];
  }
  // TF.js depthwise filters are [kH, kW, inChannels, multiplier].
  const wHwcm = new Float32Array(w.length);
  for (let c = 0; c < channels; c++) for (let t = 0; t < 9; t++) wHwcm[t * channels + c] = w[c * 9 + t];
  const tf = await useTfBackend('wasm');
  const input = tf.tensor4d(xNhwc, [batch, size, size, channels]);
  const filter = tf.tensor4d(wHwcm, [3, 3, channels, 1]);
  const tfMs = await medianMs(() => tf.tidy(() => {
    tf.depthwiseConv2d(input, filter, 1, 'same').dataSync();
  }), { warmup: 2, repeats: 5 });
  tf.dispose([input, filter]);
  reportAll('depthwise-3x3-144-8x56x56', flops, times, 'tfjs-wasm', tfMs, 1);
  for (const threads of [1, 2] as const) {
    const session = await ortSingleNodeSession(
      { opType: 'Conv', inputs: ['X', 'W'], attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [3, 3] }, { name: 'group', type: 2, i: channels }] },
      { name: 'X', dims: [batch, channels, size, size] },
      [{ name: 'W', dims: [channels, 1, 3, 3], data: w }],
      threads,
    );
    const peerMs = await medianMs(() => ortRun(session, 'X', x.data as Float32Array, [batch, channels, size, size]), { warmup: 2, repeats: 5 });
    reportAll('depthwise-3x3-144-8x56x56', flops, times, `onnxruntime-node×${threads}`, peerMs, threads);
  }
}

async function main(): Promise<void> {
  await dense();
  await conv();
  await depthwise();
  // The kernel helper threads are unref'd: nothing keeps the process alive once main ends.
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
