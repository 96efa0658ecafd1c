import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeCancelled, startProbe } from '../../../src/analysis/worker/probeClient';
import { writeNpy } from '../../../src/formats/npy';
import { REPO_ROOT } from '../fixtures';
import { readdirSync } from 'node:fs';
import { DEFAULT_PREPROCESSING } from '../../../src/analysis/inputs/preprocess';
import { kernelBinaries } from '../engine/kernels/wasmBinaries';

let dir: string;
let workerPath: string;
const model = readFileSync(path.join(REPO_ROOT, 'samples/cnn-bn.onnx'));
const noSiblings = async (): Promise<null> => null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bnlens-probe-'));
  workerPath = path.join(dir, 'probeWorker.js');
  await build({ entryPoints: [path.join(REPO_ROOT, 'src/analysis/worker/probeWorker.ts')], outfile: workerPath, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the probe worker', () => {
  it('probes a model in a worker thread and returns typed arrays', async () => {
    const run = startProbe(workerPath, { file: 'cnn-bn.onnx', bytes: model, batchSize: 2, seed: 3, bins: 32 }, noSiblings);
    const result = await run.result;
    expect(result.layers.map((l) => l.name)).toEqual(['block1.bn', 'block2.bn', 'block3.bn']);
    expect(result.layers[0].shiftScore).toBeInstanceOf(Float64Array);
    expect(result.layers[0].input.histogram.counts).toHaveLength(32);
  });

  it('takes the user\'s batch from a .npy file', async () => {
    const x = new Float32Array(1 * 3 * 32 * 32).map((_, i) => Math.sin(i));
    const run = startProbe(workerPath, { file: 'cnn-bn.onnx', bytes: model, batchSize: 8, seed: 0, bins: 16, input: { kind: 'arrays', file: 'x.npy', bytes: writeNpy(x, [1, 3, 32, 32]) } }, noSiblings);
    const result = await run.result;
    expect(result.randomInput).toBe(false);
    expect(result.inputShape).toEqual([1, 3, 32, 32]);
  });

  it('reports a bad model file by name, and a cancel as ProbeCancelled', async () => {
    await expect(startProbe(workerPath, { file: 'bad.onnx', bytes: new Uint8Array([1, 2, 3]), batchSize: 2, seed: 0, bins: 8 }, noSiblings).result)
      .rejects.toThrow(/bad\.onnx/);
    const run = startProbe(workerPath, { file: 'cnn-bn.onnx', bytes: model, batchSize: 64, seed: 0, bins: 8 }, noSiblings);
    run.cancel();
    await expect(run.result).rejects.toBeInstanceOf(ProbeCancelled);
  });
});

describe('the probe worker\'s kernels', () => {
  it('runs on the kernels the job asks for, says which, and the numbers agree with the JavaScript kernels', async () => {
    const binaries = kernelBinaries();
    const job = { file: 'cnn-bn.onnx', bytes: model, batchSize: 4, seed: 5, bins: 16 };
    const wasm = await startProbe(workerPath, { ...job, kernels: { choice: 'wasm', binaries, threads: 2 } }, noSiblings).result;
    const js = await startProbe(workerPath, { ...job, kernels: { choice: 'js' } }, noSiblings).result;
    expect(wasm.kernels).toEqual({ name: expect.stringMatching(/^wasm-(relaxed-)?simd$/), threads: 2 });
    expect(js.kernels).toEqual({ name: 'js', threads: 1 });
    // Batch statistics through three conv layers: float32 sums in another order, agreeing to ~1e-5 relative.
    wasm.layers.forEach((layer, i) => {
      const ref = js.layers[i];
      expect(layer.name).toBe(ref.name);
      layer.batchMean.forEach((m, c) => expect(Math.abs(m - ref.batchMean[c])).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(ref.batchMean[c]))));
    });
  });

  it('fails with the reason when wasm is forced and cannot run, and runs JavaScript for a job that names no kernels', async () => {
    const broken = { simd: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]) };
    const job = { file: 'cnn-bn.onnx', bytes: model, batchSize: 2, seed: 0, bins: 8 };
    await expect(startProbe(workerPath, { ...job, kernels: { choice: 'wasm', binaries: broken } }, noSiblings).result)
      .rejects.toThrow(/bnlens\.engine\.kernels is "wasm", but this runtime does not validate/);
    expect((await startProbe(workerPath, job, noSiblings).result).kernels?.name).toBe('js');
  });
});

describe('recalibration in the worker', () => {
  it('recalibrates from a .npy of samples split into batches', async () => {
    const x = new Float32Array(6 * 3 * 32 * 32).map((_, i) => Math.cos(i * 0.1));
    const { startRecalibration } = await import('../../../src/analysis/worker/probeClient');
    const run = startRecalibration(workerPath, { file: 'cnn-bn.onnx', bytes: model, batchSize: 3, input: { kind: 'arrays', file: 'x.npy', bytes: writeNpy(x, [6, 3, 32, 32]) } }, noSiblings);
    const result = await run.result;
    expect(result.batches).toBe(2);
    expect(result.layers).toHaveLength(3);
    expect(result.layers[0].after.variance).toBeInstanceOf(Float32Array);
  });

  it('probes a torchvision MobileNetV2 export with a folder of PNG/JPEG images: every BatchNorm layer has its histograms', async () => {
    const data = path.join(REPO_ROOT, 'test/fixtures/probe-data');
    const images = readdirSync(path.join(data, 'images')).filter((n) => /\.(png|jpg)$/.test(n)).sort();
    const files = images.map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(data, 'images', name))) }));
    const run = startProbe(workerPath, {
      file: 'mobilenet_v2_w025.onnx', bytes: readFileSync(path.join(data, 'mobilenet_v2_w025.onnx')), batchSize: 8, seed: 0, bins: 32,
      input: { kind: 'images', source: 'images', files, note: null }, preprocessing: { ...DEFAULT_PREPROCESSING, resize: 72 },
    }, noSiblings);
    const result = await run.result;
    expect(result.randomInput).toBe(false);
    expect(result.inputShape).toEqual([7, 3, 64, 64]);
    expect(result.layers).toHaveLength(52);
    const total = (counts: ArrayLike<number>): number => Array.from(counts).reduce((a, b) => a + b, 0);
    for (const layer of result.layers) {
      expect(layer.kind).toBe('BatchNorm');
      expect(total(layer.input.histogram.counts), layer.name).toBeGreaterThan(0);
      expect(total(layer.output.histogram.counts), layer.name).toBeGreaterThan(0);
      expect(layer.shiftScore?.every(Number.isFinite), layer.name).toBe(true);
    }
  });
});
