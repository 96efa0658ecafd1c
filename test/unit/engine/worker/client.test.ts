// The real worker thread, bundled the way scripts/build.mjs bundles it, driven through TrainingClient.
import * as esbuild from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingClient } from '../../../../src/engine/worker/client';
import type { TrainingJobConfig } from '../../../../src/engine/worker/config';
import type { ProgressMessage, StatsMessage } from '../../../../src/engine/worker/messages';

let dir: string;
let workerPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bnlens-worker-'));
  workerPath = join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: ['src/engine/worker/trainingWorker.ts'], outfile: workerPath,
    bundle: true, platform: 'node', format: 'cjs', target: 'es2022', logLevel: 'warning',
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job: TrainingJobConfig = {
  dataset: { kind: 'spirals', samples: 300, standardize: true },
  layers: [{ type: 'dense', units: 16 }, { type: 'tanh' }, { type: 'dense', units: 3 }],
  optimizer: { type: 'adam' },
  lr: 0.01,
  batchSize: 8,
  epochs: 3,
  seed: 5,
};

describe('TrainingClient with the bundled worker', () => {
  it('streams progress and finishes with done', async () => {
    const client = new TrainingClient(workerPath);
    const progress: ProgressMessage[] = [];
    let started = 0;
    client.on('started', () => started++);
    client.on('progress', (m) => progress.push(m));
    client.start(job);
    const result = await client.finishedPromise();
    expect(result).toMatchObject({ type: 'done', cancelled: false, steps: 90 });
    expect(started).toBe(1);
    expect(progress.length).toBe(90);
    expect(progress.every((p) => Number.isFinite(p.loss) && p.accuracy >= 0 && p.accuracy <= 1)).toBe(true);
  });

  it('delivers recorded statistics with their typed arrays intact', async () => {
    const client = new TrainingClient(workerPath);
    const records: StatsMessage['record'][] = [];
    client.on('stats', (m) => records.push(m.record));
    client.start({
      ...job, epochs: 1,
      layers: [{ type: 'dense', units: 16 }, { type: 'batchnorm' }, { type: 'tanh' }, { type: 'dense', units: 3 }],
      record: { everySteps: 10, bins: 16 },
    });
    expect(await client.finishedPromise()).toMatchObject({ type: 'done', steps: 30 });
    expect(records.map((r) => r.step)).toEqual([10, 20, 30]);
    const bn = records[2].layers[0];
    expect(bn.kind).toBe('BatchNorm');
    expect(bn.output.histogram.counts).toBeInstanceOf(Uint32Array);
    expect(bn.normalization?.runningMean).toBeInstanceOf(Float64Array);
    expect(bn.normalization?.runningMean?.length).toBe(16);
  });

  it('gives the same numbers as another run with the same seed', async () => {
    const losses = async (): Promise<number[]> => {
      const client = new TrainingClient(workerPath);
      const seen: number[] = [];
      client.on('progress', (m) => seen.push(m.loss));
      client.start({ ...job, epochs: 1 });
      await client.finishedPromise();
      return seen;
    };
    expect(await losses()).toEqual(await losses());
  });

  it('stops at a step boundary after cancel()', async () => {
    const client = new TrainingClient(workerPath);
    let steps = 0;
    client.on('progress', () => {
      if (++steps === 5) client.cancel();
    });
    client.start({ ...job, epochs: 50 });
    const result = await client.finishedPromise();
    expect(result).toMatchObject({ type: 'done', cancelled: true });
    // The cancel message arrives while the worker runs on; it is honoured within a few steps.
    expect(result.type === 'done' && result.steps).toBeLessThan(50 * 30);
    expect(result.type === 'done' && result.steps).toBeGreaterThanOrEqual(5);
  });

  it('terminate() ends a running job without events and settles the result', async () => {
    const client = new TrainingClient(workerPath);
    const events: string[] = [];
    client.on('done', () => events.push('done'));
    client.on('error', () => events.push('error'));
    const started = new Promise<void>((resolve) => client.on('progress', () => resolve()));
    client.start({ ...job, epochs: 1000 });
    await started;
    await client.terminate();
    expect(await client.finishedPromise()).toMatchObject({ type: 'error', source: 'terminated' });
    expect(events).toEqual([]);
  });

  it('reports a bad config as an error event', async () => {
    const client = new TrainingClient(workerPath);
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    client.start({ ...job, batchSize: 0 });
    const result = await client.finishedPromise();
    expect(result).toMatchObject({ type: 'error', source: 'config' });
    expect(errors).toEqual(['config.batchSize must be ≥ 1']);
  });

  it('turns a crashing worker into an error event', async () => {
    const crashing = join(dir, 'crash.js');
    writeFileSync(crashing, "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom'); });\n");
    const client = new TrainingClient(crashing);
    client.start(job);
    const result = await client.finishedPromise();
    expect(result).toMatchObject({ type: 'error', source: 'crash' });
    expect(result.type === 'error' && result.message).toMatch(/crashed: boom/);
  });

  it('turns a worker that exits early into an error event, and a missing file too', async () => {
    const exiting = join(dir, 'exit.js');
    writeFileSync(exiting, 'process.exit(3);\n');
    const client = new TrainingClient(exiting);
    client.start(job);
    const result = await client.finishedPromise();
    expect(result.type === 'error' && result.message).toMatch(/exited \(code 3\)/);
    const missing = new TrainingClient(join(dir, 'nope.js'));
    missing.start(job);
    expect(await missing.finishedPromise()).toMatchObject({ type: 'error', source: 'crash' });
  });
});

describe('TrainingClient.prepare', () => {
  it('starts the thread ahead of the job; start() then runs on it, and pause holds it', async () => {
    const client = new TrainingClient(workerPath);
    client.prepare();
    client.prepare();
    const steps: number[] = [];
    let paused = false;
    client.on('progress', (m) => {
      steps.push(m.step);
      if (m.step === 5 && !paused) {
        paused = true;
        client.pause();
        setTimeout(() => client.resume(), 300);
      }
    });
    const t0 = performance.now();
    client.start({ ...job, epochs: 1 });
    expect(() => client.start(job)).toThrow('may be called once');
    expect(await client.finishedPromise()).toMatchObject({ type: 'done', steps: 30, cancelled: false });
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('a prepared client that never starts ends with terminate()', async () => {
    const client = new TrainingClient(workerPath);
    client.prepare();
    await client.terminate();
    expect(await client.finishedPromise()).toMatchObject({ type: 'error', source: 'terminated' });
  });
});
