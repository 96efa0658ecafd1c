// Both kernel backends against PyTorch's numbers (test/fixtures/kernels/conv-golden.json, made by
// make_conv_golden.py beside it): conv2d forward, input gradient and weight gradient on awkward shapes.
// Tolerance: PyTorch computed in float64; ours in float32, so |ours − torch| ≤ depth·2⁻²⁰·0.64 + 1e-6,
// depth the length of each sum and 0.64 the largest |input|·|weight| (both from 0.8·sin).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsKernels, type ConvProblem, type Kernels } from '../../../../src/engine/kernels';
import { createWasmKernels, type WasmKernels } from '../../../../src/engine/kernels/wasm/kernels';
import { compileKernels } from '../../../../src/engine/kernels/wasm/runtime';
import { kernelBinaries } from './wasmBinaries';

interface GoldenCase {
  name: string; batch: number; inChannels: number; outChannels: number; groups: number; inH: number; inW: number;
  kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number]; bias: boolean;
  outShape: number[]; y: number[]; dx: number[]; dw: number[];
}

const golden = JSON.parse(readFileSync(join(__dirname, '../../../fixtures/kernels/conv-golden.json'), 'utf8')) as { cases: GoldenCase[] };

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + seed) * 0.8);
}

function worst(actual: Float32Array, expected: number[]): number {
  expect(actual.length).toBe(expected.length);
  let w = 0;
  actual.forEach((v, i) => (w = Math.max(w, Math.abs(v - expected[i]))));
  return w;
}

const backends: Kernels[] = [jsKernels];
const wasm: WasmKernels[] = [];
beforeAll(async () => {
  const compiled = compileKernels(kernelBinaries());
  if ('reason' in compiled) throw new Error(compiled.reason);
  wasm.push(await createWasmKernels(compiled, 1), await createWasmKernels(compiled, 2));
  backends.push(...wasm);
});
afterAll(async () => {
  for (const w of wasm) await w.close();
});

describe('convolution kernels against PyTorch', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const [, , outH, outW] = c.outShape;
      const cinG = c.inChannels / c.groups;
      const problem: ConvProblem = {
        batch: c.batch, groups: c.groups, outChannels: c.outChannels,
        geometry: {
          channels: cinG, inH: c.inH, inW: c.inW, kH: c.kernel[0], kW: c.kernel[1], strideH: c.stride[0], strideW: c.stride[1],
          padTop: c.padding[0], padLeft: c.padding[1], dilationH: c.dilation[0], dilationW: c.dilation[1], outH, outW,
        },
      };
      const x = values(c.batch * c.inChannels * c.inH * c.inW, 1);
      const w = values(c.outChannels * cinG * c.kernel[0] * c.kernel[1], 2);
      const bias = c.bias ? values(c.outChannels, 3) : undefined;
      const dy = values(c.y.length, 4);
      const taps = c.kernel[0] * c.kernel[1];
      const tol = (depth: number): number => depth * 2 ** -20 * 0.64 + 1e-6;
      for (const k of backends) {
        const y = new Float32Array(c.y.length);
        const dx = new Float32Array(x.length);
        const dw = new Float32Array(w.length);
        k.conv2dForward(problem, x, w, bias, y);
        k.conv2dBackward(problem, x, w, dy, dx, dw);
        const who = 'threads' in k ? `${k.name}×${(k as WasmKernels).threads}` : k.name;
        expect(worst(y, c.y), `${who} y`).toBeLessThanOrEqual(tol(cinG * taps));
        expect(worst(dx, c.dx), `${who} dx`).toBeLessThanOrEqual(tol((c.outChannels / c.groups) * taps));
        expect(worst(dw, c.dw), `${who} dw`).toBeLessThanOrEqual(tol(c.batch * outH * outW));
      }
    });
  }
});
