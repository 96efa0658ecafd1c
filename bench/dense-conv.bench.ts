// GEMM (a Dense layer, 256×1024 · 1024×1024), Conv2d (3×3, 64→64, [8, 64, 56, 56], padding 1) and a
// depthwise convolution forward: ours (WebAssembly SIMD kernels on 1 and 2 threads; the JavaScript
// kernels as "before") against TF.js wasm (one thread in Node) and cpu, and ONNX Runtime on 1 and 2
// intra-op threads. Same process; ratio = peer time / ours. Ours and the peers at the same thread
// count are timed in alternating rounds (harness.interleaved), so load from elsewhere that drifts
// during the run weighs on both sides of a ratio alike.

import { interleaved, medianMs, report } from './harness';
import { kernelLabel, useOurKernels } from './kernels';
import { gflops, nchwToNhwc, ortRun, ortSingleNodeSession, randomFloats, useTfBackend } from './peers';
import { Conv2d, Dense } from '../src/engine/layers';
import type { Layer } from '../src/engine/layer';
import { createRng } from '../src/engine/rng';
import { Tensor } from '../src/engine/tensor';

const ctx = { training: false, rng: createRng(0) };
const ROUNDS = 5;

interface Peer {
  readonly name: string;
  readonly threads: 1 | 2;
  run(): unknown;
}

/**
 * Times `layer` on the JavaScript kernels, then on the WebAssembly kernels at 1 and 2 threads, each
 * in alternating rounds with the peers of that thread count (tfjs-wasm on the TF.js backend it needs),
 * then the slow tfjs-cpu against our one-thread time; reports every peer.
 */
async function compare(name: string, flops: number, layer: Layer, x: Tensor, peers: readonly Peer[], slow?: Peer): Promise<void> {
  await useOurKernels('js');
  const jsMs = await medianMs(() => layer.forward([x], ctx), { warmup: 1, repeats: 3 });
  await useTfBackend('wasm');
  let oneThread = { label: '', ms: 0 };
  for (const threads of [1, 2] as const) {
    const label = kernelLabel(await useOurKernels('wasm', threads));
    const group = peers.filter((p) => p.threads === threads);
    const contenders: Record<string, () => unknown> = { ours: () => layer.forward([x], ctx) };
    for (const p of group) contenders[p.name] = () => p.run();
    const times = await interleaved(contenders, ROUNDS, { warmup: 1, repeats: 3 });
    if (threads === 1) oneThread = { label, ms: times.ours };
    for (const peer of group) reportOne(name, flops, label, times.ours, jsMs, peer.name, times[peer.name], threads);
  }
  await useOurKernels('js');
  if (slow) {
    await useTfBackend('cpu');
    reportOne(name, flops, oneThread.label, oneThread.ms, jsMs, slow.name, await medianMs(() => slow.run(), { warmup: 1, repeats: 3 }), 1);
  }
}

function reportOne(name: string, flops: number, label: string, oursMs: number, jsMs: number, peer: string, peerMs: number, threads: 1 | 2): void {
  report({
    name: `${name}-${threads}t`, oursMs, peer, peerMs,
    extra: { kernels: label, oursGflops: gflops(flops, oursMs), peerGflops: gflops(flops, peerMs), jsKernelsMs: jsMs.toFixed(1), jsRatio: (peerMs / jsMs).toFixed(2) },
  });
}

/** ONNX Runtime sessions of one node at 1 and 2 threads, as peers. */
async function ortPeers(node: Parameters<typeof ortSingleNodeSession>[0], input: { name: string; dims: number[] }, data: Float32Array,
  initializers: Parameters<typeof ortSingleNodeSession>[2]): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const threads of [1, 2] as const) {
    const session = await ortSingleNodeSession(node, input, initializers, threads);
    peers.push({ name: `onnxruntime-node×${threads}`, threads, run: () => ortRun(session, input.name, data, input.dims) });
  }
  return peers;
}

async function dense(): Promise<void> {
  const [m, k, n] = [256, 1024, 1024];
  const layer = new Dense({ inFeatures: k, outFeatures: n, bias: false }, createRng(1));
  const x = new Tensor(randomFloats(m * k, 2), [m, k]);
  const w = layer.weight.value.data as Float32Array;
  // TF.js gets its own dense layout, kernel [in, out] (tf.layers.dense): its wasm matMul with
  // transposeB falls off the XNNPACK path (≈ 2 GFLOP/s here instead of ≈ 25).
  const wInOut = new Float32Array(w.length);
  for (let o = 0; o < n; o++) for (let i = 0; i < k; i++) wInOut[i * n + o] = w[o * k + i];
  const tf = await useTfBackend('wasm');
  const a = tf.tensor2d(x.data as Float32Array, [m, k]);
  const b = tf.tensor2d(wInOut, [k, n]);
  // Nothing is returned from tidy(): it would walk a returned array element by element looking for tensors.
  const tfRun = (): void => tf.tidy(() => {
    tf.matMul(a, b).dataSync();
  });
  const peers = [
    { name: 'tfjs-wasm', threads: 1 as const, run: tfRun },
    ...await ortPeers({ opType: 'Gemm', inputs: ['A', 'B'], attributes: [{ name: 'transB', type: 2, i: 1 }] }, { name: 'A', dims: [m, k] }, x.data as Float32Array,
      [{ name: 'B', dims: [n, k], data: w }]),
  ];
  await compare('dense-gemm-256x1024x1024', 2 * m * k * n, layer, x, peers, { name: 'tfjs-cpu', threads: 1, run: tfRun });
  tf.dispose([a, b]);
}

async function conv(): Promise<void> {
  const [batch, channels, size, k] = [8, 64, 56, 3];
  const flops = 2 * batch * channels * size * size * channels * k * k;
  const layer = new Conv2d({ inChannels: channels, outChannels: channels, kernelSize: k, padding: 1, bias: false }, createRng(3));
  const x = new Tensor(randomFloats(batch * channels * size * size, 4), [batch, channels, size, size]);
  const w = layer.weight.value.data as Float32Array;

  // TF.js convolves NHWC with HWIO filters (its native layout; NCHW is not supported by every backend).
  const xNhwc = nchwToNhwc(x.data, batch, channels, size * size);
  const wHwio = new Float32Array(w.length);
  for (let o = 0; o < channels; o++) for (let i = 0; i < channels; i++) for (let t = 0; t < k * k; t++) {
    wHwio[(t * channels + i) * channels + o] = w[(o * channels + i) * k * k + t];
  }
  const tf = await useTfBackend('wasm');
  const input = tf.tensor4d(xNhwc, [batch, size, size, channels]);
  const filter = tf.tensor4d(wHwio, [k, k, channels, channels]);
  const tfRun = (): void => tf.tidy(() => {
    tf.conv2d(input, filter, 1, 'same').dataSync();
  });
  const peers = [
    { name: 'tfjs-wasm', threads: 1 as const, run: tfRun },
    ...await ortPeers({ opType: 'Conv', inputs: ['X', 'W'], attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [k, k] }] },
      { name: 'X', dims: [batch, channels, size, size] }, x.data as Float32Array, [{ name: 'W', dims: [channels, channels, k, k], data: w }]),
  ];
  await compare('conv2d-3x3-64to64-8x56x56', flops, layer, x, peers, { name: 'tfjs-cpu', threads: 1, run: tfRun });
  tf.dispose([input, filter]);
}

async function depthwise(): Promise<void> {
  // A MobileNetV2 block's depthwise convolution: 3×3, 144 channels, [8, 144, 56, 56], stride 1.
  const [batch, channels, size] = [8, 144, 56];
  const flops = 2 * batch * channels * size * size * 9;
  const layer = new Conv2d({ inChannels: channels, outChannels: channels, groups: channels, kernelSize: 3, padding: 1, bias: false }, createRng(5));
  const x = new Tensor(randomFloats(batch * channels * size * size, 6), [batch, channels, size, size]);
  const w = layer.weight.value.data as Float32Array;
  const xNhwc = nchwToNhwc(x.data, batch, channels, size * size);
  // TF.js depthwise filters are [kH, kW, inChannels, multiplier].
  const wHwcm = new Float32Array(w.length);
  for (let c = 0; c < channels; c++) for (let t = 0; t < 9; t++) wHwcm[t * channels + c] = w[c * 9 + t];
  const tf = await useTfBackend('wasm');
  const input = tf.tensor4d(xNhwc, [batch, size, size, channels]);
  const filter = tf.tensor4d(wHwcm, [3, 3, channels, 1]);
  const peers = [
    { name: 'tfjs-wasm', threads: 1 as const, run: (): void => tf.tidy(() => {
      tf.depthwiseConv2d(input, filter, 1, 'same').dataSync();
    }) },
    ...await ortPeers({ opType: 'Conv', inputs: ['X', 'W'], attributes: [{ name: 'pads', type: 7, ints: [1, 1, 1, 1] }, { name: 'kernel_shape', type: 7, ints: [3, 3] }, { name: 'group', type: 2, i: channels }] },
      { name: 'X', dims: [batch, channels, size, size] }, x.data as Float32Array, [{ name: 'W', dims: [channels, 1, 3, 3], data: w }]),
  ];
  await compare('depthwise-3x3-144-8x56x56', flops, layer, x, peers);
  tf.dispose([input, filter]);
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
