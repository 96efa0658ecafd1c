// Dense (GEMM 256×1024 · 1024×1024) and Conv2d (3×3, 64→64, [8, 64, 56, 56], padding 1) forward
// passes: ours against TF.js cpu, TF.js wasm and ONNX Runtime (2 intra-op threads), in GFLOP/s.

import { medianMs, report } from './harness';
import { gflops, ortRun, ortSingleNodeSession, randomFloats, useTfBackend } from './peers';
import { Conv2d, Dense } from '../src/engine/layers';
import { createRng } from '../src/engine/rng';
import { Tensor } from '../src/engine/tensor';

const ctx = { training: false, rng: createRng(0) };

async function dense(): Promise<void> {
  const [m, k, n] = [256, 1024, 1024];
  const flops = 2 * m * k * n;
  const layer = new Dense({ inFeatures: k, outFeatures: n, bias: false }, createRng(1));
  const x = new Tensor(randomFloats(m * k, 2), [m, k]);
  const oursMs = await medianMs(() => layer.forward([x], ctx));
  const w = layer.weight.value.data as Float32Array;

  // TF.js gets its own dense layout, kernel [in, out] (tf.layers.dense): its wasm matMul with
  // transposeB falls off the XNNPACK path (≈ 2 GFLOP/s here instead of ≈ 25).
  const wInOut = new Float32Array(w.length);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) wInOut[i * n + o] = w[o * k + i];
  for (const backend of ['cpu', 'wasm'] as const) {
    const tf = await useTfBackend(backend);
    const a = tf.tensor2d(x.data as Float32Array, [m, k]);
    const b = tf.tensor2d(wInOut, [k, n]);
    // Nothing is returned from tidy(): it would walk a returned array element by element looking for tensors.
    const peerMs = await medianMs(() => tf.tidy(() => {
      tf.matMul(a, b).dataSync();
    }));
    tf.dispose([a, b]);
    report({ name: 'dense-gemm-256x1024x1024', oursMs, peer: `tfjs-${backend}`, peerMs, extra: { oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs) } });
  }

  const session = await ortSingleNodeSession(
    { opType: 'Gemm', inputs: ['A', 'B'], attributes: [{ name: 'transB', type: 2, i: 1 }] },
    { name: 'A', dims: [m, k] },
    [{ name: 'B', dims: [n, k], data: w }],
  );
  const peerMs = await medianMs(() => ortRun(session, 'A', x.data as Float32Array, [m, k]));
  report({ name: 'dense-gemm-256x1024x1024', oursMs, peer: 'onnxruntime-node', peerMs, extra: { oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs) } });
}

async function conv(): Promise<void> {
  const [batch, channels, size, k] = [8, 64, 56, 3];
  const flops = 2 * batch * channels * size * size * channels * k * k;
  const layer = new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: k, padding: 1, bias: false }, createRng(3));
  const x = new Tensor(randomFloats(batch * channels * size * size, 4), [batch, channels, size, size]);
  const oursMs = await medianMs(() => layer.forward([x], ctx), { warmup: 2, repeats: 5 });
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
  for (const backend of ['cpu', 'wasm'] as const) {
    const tf = await useTfBackend(backend);
    const input = tf.tensor4d(xNhwc, [batch, size, size, channels]);
    const filter = tf.tensor4d(wHwio, [k, k, channels, channels]);
    const peerMs = await medianMs(() => tf.tidy(() => {
      tf.conv2d(input, filter, 1, 'same').dataSync();
    }), { warmup: 2, repeats: 5 });
    tf.dispose([input, filter]);
    report({ name: 'conv2d-3x3-64to64-8x56x56', oursMs, peer: `tfjs-${backend}`, peerMs, extra: { oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs) } });
  }

  const session = await ortSingleNodeSession(
    { opType: 'Conv', inputs: ['X', 'W'], attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [k, k] }] },
    { name: 'X', dims: [batch, channels, size, size] },
    [{ name: 'W', dims: [channels, channels, k, k], data: w }],
  );
  const peerMs = await medianMs(() => ortRun(session, 'X', x.data as Float32Array, [batch, channels, size, size]), { warmup: 2, repeats: 5 });
  report({ name: 'conv2d-3x3-64to64-8x56x56', oursMs, peer: 'onnxruntime-node', peerMs, extra: { oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs) } });
}

async function main(): Promise<void> {
  await dense();
  await conv();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
