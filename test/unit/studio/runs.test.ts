// Run storage: a run trained in-process is saved, read back identically, survives an interrupted write,
// exports to TensorBoard (read back by the readers' own reader, every CRC checked) and to CSV.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCsvFiles } from '../../../src/analysis/runs/csv';
import { deadFraction } from '../../../src/shared/runs/derived';
import { decodeFrame, encodeFrame } from '../../../src/shared/runs/frames';
import { nodeRunFs } from '../../../src/analysis/runs/nodeFs';
import { listRuns, readRun, RunWriter, uniqueRunName, writeAtomic, type RunFs } from '../../../src/analysis/runs/store';
import { eventFileName, tensorboardEventFile } from '../../../src/analysis/runs/tensorboard';
import type { RunData } from '../../../src/shared/runs/types';
import { TensorBoardError } from '../../../src/formats/errors';
import { readTensorBoard } from '../../../src/formats/tensorboard/reader';
import type { TrainingJobConfig } from '../../../src/engine/worker/config';
import { runTrainingJob } from '../../../src/engine/worker/job';

const job: TrainingJobConfig = {
  dataset: { kind: 'spirals', samples: 160, standardize: true },
  layers: [{ type: 'dense', units: 12, name: 'fc1' }, { type: 'batchnorm', name: 'bn1' }, { type: 'relu', name: 'relu1' }, { type: 'dense', units: 3, name: 'out' }],
  optimizer: { type: 'sgd', momentum: 0.9 },
  lr: 0.05,
  batchSize: 16,
  epochs: 2,
  seed: 1,
  record: { everySteps: 2, bins: 16, activations: true },
};

let dir: string;
let fs: RunFs;
let saved: RunData;

async function train(name: string, stopAfter = Infinity): Promise<RunWriter> {
  const writer = await RunWriter.create(fs, 'runs', { name, label: 'test run', spec: { layers: job.layers } });
  let steps = 0;
  let cancelled = false;
  await runTrainingJob(job, (m) => {
    writer.handle(m);
    if (m.type === 'progress') steps++;
    if (m.type === 'done') cancelled = m.cancelled;
  }, { isCancelled: () => steps >= stopAfter, yieldToEvents: async () => undefined });
  await writer.finish(cancelled ? 'stopped' : 'completed');
  return writer;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bnlens-runs-'));
  fs = nodeRunFs(dir);
  const writer = await train('full');
  saved = writer.data();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run storage', () => {
  it('reads back a saved run exactly as it was collected', async () => {
    const back = await readRun(fs, 'runs/full');
    expect(back.info.status).toBe('completed');
    expect(back.info.steps).toBe(16);
    expect(Array.from(back.steps.step)).toEqual(Array.from(saved.steps.step));
    expect(Array.from(back.steps.loss)).toEqual(Array.from(saved.steps.loss));
    expect(back.epochs).toEqual(saved.epochs);
    expect(back.schema).toEqual(saved.schema);
    expect(back.frames.map((f) => f.step)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(back.frames).toEqual(saved.frames);
    expect(back.schema.layers.map((l) => [l.name, l.kind, l.normChannels])).toEqual([['bn1', 'BatchNorm', 12], ['relu1', 'ReLU', 0]]);
    expect(back.schema.gradients.map((g) => `${g.layer}.${g.parameter}`)).toEqual(['fc1.weight', 'fc1.bias', 'bn1.weight', 'bn1.bias', 'out.weight', 'out.bias']);
    expect(back.info.finalValidation?.accuracy).toBeGreaterThan(0);
    expect(back.info.finalValidationTrainMode).toBeDefined();
    // Compacted: one stats.bin, no chunk files or temporaries left.
    expect(readdirSync(join(dir, 'runs/full')).sort()).toEqual(['config.json', 'metrics.json', 'run.json', 'stats.bin', 'stats.index.json']);
  });

  it('saves a stopped run as stopped, with the steps it took', async () => {
    await train('stopped', 5);
    const back = await readRun(fs, 'runs/stopped');
    expect(back.info.status).toBe('stopped');
    expect(back.info.steps).toBe(5);
    expect(back.frames.map((f) => f.step)).toEqual([2, 4]);
  });

  it('gives a second run started in the same second its own name', async () => {
    expect(await uniqueRunName(fs, 'runs', 'fresh')).toBe('fresh');
    expect(await uniqueRunName(fs, 'runs', 'full')).toBe('full-2');
    await expect(RunWriter.create(fs, 'runs', { name: 'full', label: 'again', spec: { layers: [] } })).rejects.toThrow('runs/full/run.json: a run of this name exists already');
  });

  it('lists runs and explains folders that are not runs', async () => {
    await fs.mkdir('runs/junk');
    const runs = await listRuns(fs, 'runs');
    expect(runs.filter((r) => r.info).map((r) => r.name).sort()).toEqual(['full', 'stopped']);
    expect(runs.find((r) => r.name === 'junk')?.error).toMatch(/runs\/junk\/run\.json: is missing/);
  });

  it('a flush cut short leaves the previous complete run readable', async () => {
    const writer = await RunWriter.create(fs, 'runs', { name: 'crash', label: 'crash', spec: { layers: job.layers } });
    let steps = 0;
    let flushes = 0;
    await runTrainingJob(job, async (m) => {
      writer.handle(m);
      if (m.type === 'progress' && ++steps % 4 === 0) {
        await writer.flush();
        flushes++;
      }
    }, { isCancelled: () => steps >= 8, yieldToEvents: async () => undefined });
    await writer.flush();
    expect(flushes).toBeGreaterThan(0);
    const before = await readRun(fs, 'runs/crash');
    // The next write dies after writing its temporary file, before the rename: nothing readable changes.
    const broken: RunFs = { ...fs, rename: async () => { throw new Error('disk full'); } };
    await expect(writeAtomic(broken, 'runs/crash/stats.index.json', '{"broken":')).rejects.toThrow('disk full');
    const after = await readRun(fs, 'runs/crash');
    expect(after.frames).toEqual(before.frames);
    // Saved as running and never finished: it reads as interrupted, with its frames so far.
    expect(after.info.status).toBe('interrupted');
    expect(after.frames.map((f) => f.step)).toEqual([2, 4, 6, 8]);
    expect(readdirSync(join(dir, 'runs/crash')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('names the file when a run is damaged', async () => {
    const bytes = readFileSync(join(dir, 'runs/full/stats.bin'));
    await fs.write('runs/full-copy/run.json', (await fs.read('runs/full/run.json')) as Uint8Array).catch(async () => {
      await fs.mkdir('runs/full-copy');
      await fs.write('runs/full-copy/run.json', (await fs.read('runs/full/run.json')) as Uint8Array);
    });
    await fs.write('runs/full-copy/config.json', (await fs.read('runs/full/config.json')) as Uint8Array);
    await fs.write('runs/full-copy/stats.index.json', (await fs.read('runs/full/stats.index.json')) as Uint8Array);
    await fs.write('runs/full-copy/stats.bin', bytes.subarray(0, bytes.length - 10));
    await expect(readRun(fs, 'runs/full-copy')).rejects.toThrow(/runs\/full-copy\/stats\.bin: the frame of step 16 ends at byte \d+ but the file has \d+/);
    await fs.write('runs/full-copy/run.json', new TextEncoder().encode('{"version":'));
    await expect(readRun(fs, 'runs/full-copy')).rejects.toThrow(/runs\/full-copy\/run\.json: is not valid JSON/);
  });

  it('frames survive encoding bit for bit (float32)', () => {
    for (const f of saved.frames) expect(decodeFrame(encodeFrame(f, saved.schema), 0, encodeFrame(f, saved.schema).length, saved.schema, 'x')).toEqual(f);
  });

  it('counts dead ReLU units from the recorded channel statistics', () => {
    const relu = saved.schema.layers.findIndex((l) => l.kind === 'ReLU');
    const layer = saved.frames[0].layers[relu];
    expect(layer).not.toBeNull();
    if (!layer) return;
    const dead = Array.from(layer.output.channelMean).filter((m, c) => m === 0 && layer.output.channelVariance[c] === 0).length;
    expect(deadFraction(layer, saved.schema.layers[relu])).toBe(dead / 12);
    expect(deadFraction(layer, saved.schema.layers[0])).toBeNull();
  });
});

describe('TensorBoard and CSV export', () => {
  it('writes an event file the TensorBoard reader reads back with every checksum right', () => {
    const bytes = tensorboardEventFile(saved);
    const model = readTensorBoard({ name: eventFileName(saved), bytes, readSibling: async () => null, listSiblings: async () => [] });
    expect(model.incomplete).toBe(false);
    expect(model.producer).toBe('brain.Event:2');
    const scalarTags = new Set(model.scalars?.map((s) => s.tag));
    for (const t of ['train/loss_step', 'train/accuracy_step', 'epoch/train_loss', 'epoch/validation_accuracy', 'relu1/dead_fraction', 'bn1/batch_vs_running_mean_gap', 'grad_norm/bn1.weight']) expect(scalarTags.has(t), t).toBe(true);
    const loss = model.scalars?.filter((s) => s.tag === 'train/loss_step') ?? [];
    expect(loss.map((s) => s.step)).toEqual(Array.from(saved.steps.step));
    loss.forEach((s, i) => expect(s.value).toBeCloseTo(saved.steps.loss[i], 5));
    const pre = model.histograms?.filter((h) => h.tag === 'bn1/pre_norm') ?? [];
    expect(pre.map((h) => h.step)).toEqual(saved.frames.map((f) => f.step));
    // Every sampled value is in some bucket: the counts add up to num, under- and overflow included.
    const first = saved.frames[0].layers[0];
    expect(pre[0].counts.reduce((a, b) => a + b, 0)).toBe(first?.input.sampled);
    expect(pre[0].counts.slice(1, -1)).toEqual(Array.from(first?.input.counts ?? []));
    expect(new Set(model.histograms?.map((h) => h.tag))).toEqual(new Set(['bn1/pre_norm', 'bn1/post_norm', 'bn1/gamma', 'bn1/beta', 'relu1/input', 'relu1/output']));
    // A flipped byte inside a record is caught by its CRC.
    const damaged = bytes.slice();
    damaged[200] ^= 0xff;
    expect(() => readTensorBoard({ name: 'damaged', bytes: damaged, readSibling: async () => null, listSiblings: async () => [] })).toThrow(TensorBoardError);
  });

  it('writes CSV files with one row per step, epoch, layer tensor and gradient', () => {
    const files = Object.fromEntries(runCsvFiles(saved).map((f) => [f.name, f.text.trim().split('\n')]));
    expect(files['steps.csv'][0]).toBe('step,loss,accuracy');
    expect(files['steps.csv'].length).toBe(1 + 16);
    expect(files['epochs.csv'].length).toBe(1 + 2);
    expect(files['layers.csv'].length).toBe(1 + 8 * 2 * 2);
    expect(files['layers.csv'][1]).toMatch(/^2,bn1,BatchNorm,input,/);
    expect(files['gradients.csv'].length).toBe(1 + 8 * 6);
  });
});
