// The WebAssembly SIMD kernels against the JavaScript reference kernels, on awkward shapes: sizes that
// are not multiples of the 4×8 micro-tile or of the cache blocks (k > 256, n > 2048), every transpose,
// accumulate and fused bias, and convolutions with strides, dilation, groups, depthwise, 1×1,
// asymmetric padding and batch 1, on one thread and on two.
//
// Tolerance (float32): |wasm − js| ≤ k·2⁻²²·max|a|·max|b| (+1e-6), k the length of each dot product.
// The JavaScript kernels accumulate in float64 and round once; the wasm kernels accumulate in float32
// in blocks of 256, so they differ by a few ulps of the running sums, never by more.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, kernels, setKernels, type ConvGeometry, type ConvProblem, type GemmArgs } from '../../../../src/engine/kernels';
import { applyEpilogue } from '../../../../src/engine/kernels/conv';
import { BatchNorm } from '../../../../src/engine/norm';
import { createRng } from '../../../../src/engine/rng';
import { allocate, Tensor } from '../../../../src/engine/tensor';
import { installKernels } from '../../../../src/engine/kernels/select';
import { createWasmKernels, type WasmKernels } from '../../../../src/engine/kernels/wasm/kernels';
import { compileKernels, type CompiledKernels } from '../../../../src/engine/kernels/wasm/runtime';
import { kernelBinaries } from './wasmBinaries';

function random(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, depth: number, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const tol = depth * 2 ** -22 + 1e-6;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst, `${label}: worst |Δ| at ${at} (${actual[at]} vs ${expected[at]})`).toBeLessThanOrEqual(tol);
}

let compiled: CompiledKernels;
let one: WasmKernels;
let two: WasmKernels;

beforeAll(async () => {
  const result = compileKernels(kernelBinaries());
  if ('reason' in result) throw new Error(result.reason);
  compiled = result;
  one = await createWasmKernels(compiled, 1);
  two = await createWasmKernels(compiled, 2);
});

afterAll(async () => {
  await one.close();
  await two.close();
  setKernels(jsKernels);
});

describe('WebAssembly GEMM', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [17, 13, 300], [33, 65, 257], [4, 8, 16], [130, 9, 40], [2, 2050, 3], [70, 70, 600], [9, 400, 33],
  ];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`${m}×${k}·${k}×${n} transA=${transA} transB=${transB}, with and without bias and accumulate`, () => {
          const a = random(m * k, m + 7 * k);
          const b = random(k * n, n + 3 * k);
          const cases: Partial<GemmArgs>[] = [
            {}, { accumulate: true }, { bias: random(n, 5), biasAxis: 'col' }, { bias: random(m, 6), biasAxis: 'row' },
          ];
          for (const extra of cases) {
            const start = random(m * n, 9);
            const expected = start.slice();
            const base = { m, n, k, a, b, transA, transB, accumulate: false, ...extra };
            jsKernels.gemm({ ...base, c: expected });
            for (const backend of [one, two]) {
              const c = start.slice();
              backend.gemm({ ...base, c });
              expectClose(c, expected, k, `${backend.name}×${backend.threads} ${JSON.stringify({ ...extra, bias: extra.bias?.length })}`);
            }
          }
        });
      }
    }
  }

  // 96×300: split by columns (op(B) is the larger operand); 300×96: by rows.
  for (const [m, n, k] of [[96, 300, 520], [300, 96, 520]]) {
    it(`splitting ${m}×${k}·${k}×${n} across two threads gives exactly the one-thread numbers`, () => {
      const args = { m, n, k, a: random(m * k, 1), b: random(k * n, 2), transA: false, transB: true, accumulate: false };
      const c1 = new Float32Array(m * n);
      const c2 = new Float32Array(m * n);
      one.gemm({ ...args, c: c1 });
      two.gemm({ ...args, c: c2 });
      expect(Array.from(c2)).toEqual(Array.from(c1));
    });
  }

  it('leaves float64 to the JavaScript kernels', () => {
    const a = Float64Array.from(random(12, 1));
    const b = Float64Array.from(random(12, 2));
    const c = new Float64Array(9);
    const expected = new Float64Array(9);
    one.gemm({ m: 3, n: 3, k: 4, a, b, c, transA: false, transB: false, accumulate: false });
    jsKernels.gemm({ m: 3, n: 3, k: 4, a, b, c: expected, transA: false, transB: false, accumulate: false });
    expect(Array.from(c)).toEqual(Array.from(expected));
  });

  it('rejects arrays too short for the sizes with the reference message', () => {
    expect(() => one.gemm({ m: 40, n: 40, k: 40, a: new Float32Array(10), b: new Float32Array(1600), c: new Float32Array(1600), transA: false, transB: false, accumulate: false }))
      .toThrow(/gemm: arrays too short for m=40 n=40 k=40/);
  });
});

interface ConvCase {
  label: string;
  batch: number;
  inC: number;
  outC: number;
  groups: number;
  inH: number;
  inW: number;
  k: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  bias: boolean;
}

function problemOf(c: ConvCase): ConvProblem {
  const outH = Math.floor((c.inH + c.pads[0] + c.pads[2] - c.dilation[0] * (c.k[0] - 1) - 1) / c.stride[0]) + 1;
  const outW = Math.floor((c.inW + c.pads[1] + c.pads[3] - c.dilation[1] * (c.k[1] - 1) - 1) / c.stride[1]) + 1;
  const geometry: ConvGeometry = {
    channels: c.inC / c.groups, inH: c.inH, inW: c.inW, kH: c.k[0], kW: c.k[1], strideH: c.stride[0], strideW: c.stride[1],
    padTop: c.pads[0], padLeft: c.pads[1], dilationH: c.dilation[0], dilationW: c.dilation[1], outH, outW,
  };
  return { geometry, batch: c.batch, groups: c.groups, outChannels: c.outC };
}

/** A case's problem and random operands (seeds seed, seed + 1, seed + 2), and its output's length. */
function operands(c: ConvCase, seed: number) {
  const p = problemOf(c);
  const g = p.geometry;
  return {
    p, g,
    x: random(c.batch * c.inC * c.inH * c.inW, seed),
    w: random(c.outC * g.channels * g.kH * g.kW, seed + 1),
    bias: c.bias ? random(c.outC, seed + 2) : undefined,
    outLength: c.batch * c.outC * g.outH * g.outW,
  };
}

const convCases: ConvCase[] = [
  { label: '3×3 pad 1', batch: 2, inC: 5, outC: 7, groups: 1, inH: 9, inW: 11, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'batch 1, stride 2, odd sizes', batch: 1, inC: 3, outC: 10, groups: 1, inH: 13, inW: 7, k: [3, 3], stride: [2, 2], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'dilation 2, asymmetric padding', batch: 3, inC: 4, outC: 6, groups: 1, inH: 10, inW: 12, k: [3, 2], stride: [1, 2], dilation: [2, 2], pads: [2, 0, 1, 3], bias: false },
  { label: 'groups 2', batch: 3, inC: 6, outC: 4, groups: 2, inH: 8, inW: 8, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'depthwise 3×3 stride 1', batch: 3, inC: 6, outC: 6, groups: 6, inH: 9, inW: 14, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'depthwise 5×5 stride 2 dilation 2', batch: 2, inC: 5, outC: 5, groups: 5, inH: 15, inW: 13, k: [5, 5], stride: [2, 2], dilation: [2, 1], pads: [2, 3, 1, 2], bias: false },
  { label: 'depthwise with multiplier 2 (grouped path)', batch: 2, inC: 3, outC: 6, groups: 3, inH: 7, inW: 7, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: '1×1 (pointwise)', batch: 3, inC: 17, outC: 9, groups: 1, inH: 5, inW: 7, k: [1, 1], stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], bias: true },
  { label: '1×1 stride 2', batch: 2, inC: 8, outC: 12, groups: 1, inH: 9, inW: 9, k: [1, 1], stride: [2, 2], dilation: [1, 1], pads: [0, 0, 0, 0], bias: false },
  { label: '7×7 stride 2 pad 3 (a ResNet stem)', batch: 2, inC: 3, outC: 16, groups: 1, inH: 30, inW: 30, k: [7, 7], stride: [2, 2], dilation: [1, 1], pads: [3, 3, 3, 3], bias: false },
  { label: 'kernel wider than the input with padding', batch: 2, inC: 2, outC: 3, groups: 1, inH: 3, inW: 2, k: [3, 5], stride: [1, 1], dilation: [1, 1], pads: [1, 2, 1, 2], bias: true },
  { label: 'large images, one at a time in bands of output rows (97 = 24 bands of 4 + 1)', batch: 2, inC: 16, outC: 8, groups: 1, inH: 97, inW: 95, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'bands of a strided, dilated, asymmetrically padded large image (23 + 23 + 14 rows)', batch: 1, inC: 9, outC: 5, groups: 1, inH: 121, inW: 67, k: [3, 3], stride: [2, 2], dilation: [2, 1], pads: [2, 1, 0, 2], bias: true },
  { label: 'small images in chunks of 2, 2 and 1 unfolded side by side', batch: 5, inC: 8, outC: 6, groups: 1, inH: 20, inW: 20, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'Winograd F(2×2, 3×3): odd output sizes, bias', batch: 2, inC: 16, outC: 17, groups: 1, inH: 13, inW: 11, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true },
  { label: 'Winograd: asymmetric padding, 225 tiles (blocks of 96 and a remainder)', batch: 1, inC: 18, outC: 16, groups: 1, inH: 31, inW: 28, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [0, 2, 1, 0], bias: false },
  { label: 'Winograd: groups 2 of 16, no padding, batch 3', batch: 3, inC: 32, outC: 34, groups: 2, inH: 9, inW: 10, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], bias: true },
  { label: '1-D (height 1)', batch: 4, inC: 3, outC: 5, groups: 1, inH: 1, inW: 33, k: [1, 4], stride: [1, 3], dilation: [1, 2], pads: [0, 2, 0, 1], bias: true },
];

describe('WebAssembly convolutions', () => {
  for (const c of convCases) {
    it(`forward and both backward passes match the JavaScript kernels: ${c.label}`, () => {
      const { p, g, x, w, bias, outLength } = operands(c, 11);
      const dy = random(outLength, 14);
      const dwStart = random(w.length, 15);
      const yRef = new Float32Array(outLength);
      const dxRef = new Float32Array(x.length);
      const dwRef = dwStart.slice();
      jsKernels.conv2dForward(p, x, w, bias, yRef);
      jsKernels.conv2dBackward(p, x, w, dy, dxRef, dwRef);
      const kDim = g.channels * g.kH * g.kW;
      for (const backend of [one, two]) {
        const y = new Float32Array(outLength).fill(Number.NaN);
        const dx = new Float32Array(x.length).fill(Number.NaN);
        const dw = dwStart.slice();
        backend.conv2dForward(p, x, w, bias, y);
        backend.conv2dBackward(p, x, w, dy, dx, dw);
        const who = `${backend.name}×${backend.threads}`;
        expectClose(y, yRef, kDim, `${who} y`);
        expectClose(dx, dxRef, (c.outC / c.groups) * g.kH * g.kW, `${who} dx`);
        expectClose(dw, dwRef, c.batch * g.outH * g.outW, `${who} dw`);
      }
    });
  }

  it('the 64→64 3×3 convolution of the benchmark, split over two threads, matches one thread', () => {
    const c: ConvCase = { label: '', batch: 4, inC: 64, outC: 64, groups: 1, inH: 14, inW: 14, k: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1], bias: true };
    const p = problemOf(c);
    const x = random(c.batch * 64 * 14 * 14, 1);
    const w = random(64 * 64 * 9, 2);
    const bias = random(64, 3);
    const y1 = new Float32Array(c.batch * 64 * 14 * 14);
    const y2 = new Float32Array(y1.length);
    one.conv2dForward(p, x, w, bias, y1);
    two.conv2dForward(p, x, w, bias, y2);
    expect(Array.from(y2)).toEqual(Array.from(y1));
  });
});

describe('choosing the kernels', () => {
  it('js forces the reference kernels; auto and wasm take WebAssembly when it runs', async () => {
    const binaries = kernelBinaries();
    expect(await installKernels({ choice: 'js', binaries })).toEqual({ name: 'js', threads: 1 });
    expect(kernels()).toBe(jsKernels);
    const auto = await installKernels({ choice: 'auto', binaries, threads: 2 });
    expect(auto).toEqual({ name: compiled.flavor, threads: 2 });
    expect(kernels().name).toBe(compiled.flavor);
    expect((await installKernels({ choice: 'wasm', binaries })).name).toBe(compiled.flavor);
    await installKernels({ choice: 'js' });
  });

  it('auto falls back to JavaScript and says why; wasm refuses with the reason', async () => {
    const auto = await installKernels({ choice: 'auto' });
    expect(auto.name).toBe('js');
    expect(auto.note).toMatch(/kernels-\*\.wasm\) were not found/);
    const broken = { simd: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) };
    await expect(installKernels({ choice: 'wasm', binaries: broken })).rejects.toThrow(/bnlens\.engine\.kernels is "wasm", but this runtime does not validate/);
    expect(kernels()).toBe(jsKernels);
  });

  it('with two threads, large activations go on SharedArrayBuffers and BatchNorm splits them; one thread or js turns both off', async () => {
    const binaries = kernelBinaries();
    const shape = [2, 8, 256, 256]; // 2²⁰ elements: the size from which arrays are shared
    const x = Tensor.zeros(shape);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37) * 3 + (i % 7);
    const run = (): Tensor => {
      const bn = new BatchNorm({ name: 'bn', numFeatures: 8 });
      const input = new Tensor(allocate('float32', x.size), shape);
      input.data.set(x.data);
      const y = bn.forward([input], { training: true, rng: createRng(0) });
      expect(Array.from(bn.runningMean?.data ?? [])).not.toEqual(new Array(8).fill(0));
      return y;
    };
    await installKernels({ choice: 'js' });
    const reference = run();
    expect(reference.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    await installKernels({ choice: 'wasm', binaries, threads: 2 });
    expect(allocate('float32', 1 << 20).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(allocate('float32', (1 << 20) - 1).buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const split = run();
    // Its output comes from the normalization pool (in shared memory, where the next layer's call can split too).
    expect(split.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    let worst = 0;
    for (let i = 0; i < split.size; i++) worst = Math.max(worst, Math.abs(split.data[i] - reference.data[i]));
    expect(worst).toBeLessThan(1e-5);
    await installKernels({ choice: 'wasm', binaries, threads: 1 });
    expect(allocate('float32', 1 << 20).buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(run().data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    await installKernels({ choice: 'js' });
  });

  it('plain SIMD is chosen where relaxed SIMD does not validate, relaxed where it does', () => {
    const binaries = kernelBinaries();
    const relaxedRuns = WebAssembly.validate(binaries.relaxed as Uint8Array<ArrayBuffer>);
    expect(compiled.flavor).toBe(relaxedRuns ? 'wasm-relaxed-simd' : 'wasm-simd');
    const plain = compileKernels({ simd: binaries.simd });
    expect('flavor' in plain && plain.flavor).toBe('wasm-simd');
  });
});

describe('WebAssembly convolution epilogue (the BatchNorm, residual Add and ReLU of an inference pass)', () => {
  // Each path of the forward convolution, with every combination of epilogue parts: the wasm epilogue is
  // the JavaScript reference's (applyEpilogue) to the bit, applied to the wasm convolution's own output.
  const paths = convCases.filter((c) => /3×3 pad 1|depthwise 3×3|1×1 \(pointwise\)|chunks|Winograd F|bands of output rows \(97/.test(c.label));
  const parts: { label: string; scale: boolean; shift: boolean; residual: boolean; relu: boolean; clip?: [number, number] }[] = [
    { label: 'BatchNorm + Add + ReLU', scale: true, shift: true, residual: true, relu: true },
    { label: 'BatchNorm + ReLU', scale: true, shift: true, residual: false, relu: true },
    { label: 'BatchNorm', scale: true, shift: true, residual: false, relu: false },
    { label: 'Add + ReLU', scale: false, shift: false, residual: true, relu: true },
    { label: 'ReLU', scale: false, shift: false, residual: false, relu: true },
    { label: 'BatchNorm + Clip to [0, 6] (ReLU6)', scale: true, shift: true, residual: false, relu: false, clip: [0, 6] },
    { label: 'Add + Clip to [−0.3, 0.45]', scale: false, shift: false, residual: true, relu: false, clip: [-0.3, 0.45] },
  ];
  for (const c of paths) {
    it(`${c.label}: every combination, one and two threads`, () => {
      const { p, g, x, w, bias, outLength } = operands(c, 21);
      const residual = random(outLength, 24);
      // NaN and −0 in the residual: ReLU must turn both into +0, as the ReLU layer does; Clip keeps NaN.
      residual[0] = Number.NaN;
      residual[1] = -0;
      for (const backend of [one, two]) {
        const plain = new Float32Array(outLength);
        backend.conv2dForward(p, x, w, bias, plain);
        for (const part of parts) {
          const epilogue = {
            scale: part.scale ? random(c.outC, 25) : undefined,
            shift: part.shift ? random(c.outC, 26) : undefined,
            residual: part.residual ? residual : undefined,
            relu: part.relu,
            clip: part.clip,
          };
          const expected = plain.slice();
          applyEpilogue(expected, c.batch, c.outC, g.outH * g.outW, epilogue);
          const y = new Float32Array(outLength).fill(Number.NaN);
          backend.conv2dForward(p, x, w, bias, y, epilogue);
          const label = `${backend.name}×${backend.threads} ${part.label}`;
          expect(Array.from(y), label).toEqual(Array.from(expected));
          if (part.relu) expect(Object.is(y[1], -0) || Number.isNaN(y[0]), `${label}: NaN/−0 through ReLU`).toBe(false);
          if (part.clip && part.residual) expect(Number.isNaN(y[0]), `${label}: NaN kept by Clip`).toBe(true);
          if (part.clip) expect(y.every((v) => Number.isNaN(v) || (v >= Math.fround(part.clip?.[0] ?? 0) && v <= Math.fround(part.clip?.[1] ?? 0))), `${label}: inside the bounds`).toBe(true);
        }
      }
    });
  }
});

describe('WebAssembly max pooling', () => {
  const poolCases: { label: string; planes: number; g: ConvGeometry }[] = [
    { label: '3×3 stride 2 pad 1 (ResNet\'s)', planes: 6, g: { channels: 1, inH: 17, inW: 16, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, outH: 9, outW: 8 } },
    { label: 'dilation 2, asymmetric pads, a ceil-mode window hanging over the end', planes: 5, g: { channels: 1, inH: 11, inW: 9, kH: 2, kW: 3, strideH: 3, strideW: 2, padTop: 0, padLeft: 2, dilationH: 2, dilationW: 2, outH: 4, outW: 6 } },
    { label: 'window larger than the input', planes: 3, g: { channels: 1, inH: 2, inW: 3, kH: 4, kW: 5, strideH: 1, strideW: 1, padTop: 1, padLeft: 2, dilationH: 1, dilationW: 1, outH: 1, outW: 1 } },
    { label: 'large enough to split across threads', planes: 64, g: { channels: 1, inH: 129, inW: 131, kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, dilationH: 1, dilationW: 1, outH: 65, outW: 66 } },
  ];
  for (const c of poolCases) {
    it(`matches the JavaScript kernels to the bit, NaN winning: ${c.label}`, () => {
      const x = random(c.planes * c.g.inH * c.g.inW, 31);
      x[0] = Number.NaN; // read by every case's first window
      x[x.length - 3] = Number.NaN;
      const expected = new Float32Array(c.planes * c.g.outH * c.g.outW);
      jsKernels.maxPool2d(c.g, c.planes, x, expected);
      expect(expected.some(Number.isNaN)).toBe(true);
      for (const backend of [one, two]) {
        const y = new Float32Array(expected.length).fill(7);
        backend.maxPool2d(c.g, c.planes, x, y);
        expect(Array.from(y), `${backend.name}×${backend.threads}`).toEqual(Array.from(expected));
      }
    });
  }
});
