// bnlens.torch.watch in real PyTorch (Debian's python3-torch for /usr/bin/python3, which
// scripts/python-env.mjs installs as part of `npm test`): test/python/train_watched.py trains a small
// CNN a few steps — alone, as a 2-process DDP run on CPU with synchronized BatchNorm, and with a float16
// overflow that turns the running statistics NaN — and dumps the model's own buffers. BN Lens reads the
// event files with its TensorBoard reader and the numbers are checked against those buffers.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTensorBoardRun } from '../../../src/formats/read';
import { folderSource } from '../../../src/cli/nodeSource';
import { runCli } from '../../../src/cli/cli';
import { watchedLayers, type WatchedLayer } from '../../../src/analysis/runs/watched';

const REPO = resolve(__dirname, '../../..');
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(REPO, 'test/python/train_watched.py');
const MODES = ['single', 'ddp', 'amp'] as const;
type Mode = (typeof MODES)[number];

type Num = number | string;
interface LayerStep {
  running_mean_before: Num[] | null; running_var_before: Num[] | null; running_mean: Num[] | null; running_var: Num[] | null;
  gamma: Num[] | null; beta: Num[] | null; momentum: number | null; per_channel_count: number;
}
interface Dump { rank: number; world: number; every: number; writer: string; watcherSteps: number; layers: Record<string, { kind: string; steps: Record<string, LayerStep> }> }

const number = (v: Num): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);
const numbers = (a: Num[] | null): number[] => (a ?? []).map(number);

const work = mkdtempSync(join(tmpdir(), 'bnlens-watch-'));
const dumps = new Map<Mode, Dump[]>();
const logs = new Map<Mode, WatchedLayer[]>();

function train(mode: Mode): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(PYTHON, [SCRIPT, mode, join(work, mode)], { env: { ...process.env, PYTHONPATH: join(REPO, 'python'), OMP_NUM_THREADS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`train_watched.py ${mode} exited with ${code}:\n${output}`))));
  });
}

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import torch (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}): run \`node scripts/python-env.mjs\` (npm test does), which apt-installs python3-torch`);
  }
  await Promise.all(MODES.map(train));
  for (const mode of MODES) {
    const world = mode === 'ddp' ? 2 : 1;
    dumps.set(mode, Array.from({ length: world }, (_, r) => JSON.parse(readFileSync(join(work, mode, `buffers.rank${r}.json`), 'utf8')) as Dump));
    const run = await readTensorBoardRun(folderSource(join(work, mode, 'logs')));
    logs.set(mode, watchedLayers(run.scalars ?? [], run.histograms ?? []));
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function layer(mode: Mode, name: string, rank = 0): WatchedLayer {
  const found = logs.get(mode)?.find((l) => l.layer === name && l.rank === rank);
  if (!found) throw new Error(`no watched layer ${name} of rank ${rank} in the ${mode} run`);
  return found;
}

/** |a − b| ≤ abs + rel·|b| for every entry, NaN only against NaN. */
function close(actual: ArrayLike<number> | null, expected: readonly number[], rel = 1e-5, abs = 1e-6): void {
  expect(actual).not.toBeNull();
  const a = Array.from(actual as ArrayLike<number>);
  expect(a).toHaveLength(expected.length);
  const bad = a.map((v, i) => ({ i, v, e: expected[i] })).filter(({ v, e }) => (Number.isNaN(e) ? !Number.isNaN(v) : !(Math.abs(v - e) <= abs + rel * Math.abs(e))));
  expect(bad).toEqual([]);
}

const BN = ['1', '4'];

describe('bnlens.torch.watch on one process', () => {
  it('finds every normalization layer, records steps 0, 2, 4 of 6 and counts no eval-mode forward', () => {
    const d = (dumps.get('single') as Dump[])[0];
    expect(d.writer).toBe('builtin');
    expect(d.watcherSteps).toBe(6);
    expect((logs.get('single') ?? []).map((l) => [l.layer, l.kind, l.channels, l.rank, l.steps])).toEqual([
      ['1', 'BatchNorm2d', 8, 0, [0, 2, 4]], ['4', 'BatchNorm2d', 12, 0, [0, 2, 4]], ['7', 'GroupNorm', 12, 0, [0, 2, 4]], ['12', 'LayerNorm', 16, 0, [0, 2, 4]],
    ]);
  });

  it("logs BatchNorm's running statistics, γ and β as the module holds them, and batch statistics that reproduce the running update", () => {
    const d = (dumps.get('single') as Dump[])[0];
    for (const name of BN) {
      const l = layer('single', name);
      l.steps.forEach((step, k) => {
        const s = d.layers[name].steps[String(step)];
        const m = s.momentum as number;
        const n = s.per_channel_count;
        close(l.runningMean[k], numbers(s.running_mean), 1e-6, 1e-7);
        close(l.runningVar[k], numbers(s.running_var), 1e-6, 1e-7);
        close(l.gamma[k], numbers(s.gamma), 0, 0);
        close(l.beta[k], numbers(s.beta), 0, 0);
        // PyTorch: r ← (1 − m)·r + m·batch, with the unbiased batch variance (× n/(n − 1)).
        const mean = Array.from(l.batchMean[k] as Float32Array);
        const variance = Array.from(l.batchVar[k] as Float32Array);
        close(l.runningMean[k], numbers(s.running_mean_before).map((r, c) => (1 - m) * r + m * mean[c]));
        close(l.runningVar[k], numbers(s.running_var_before).map((r, c) => (1 - m) * r + m * variance[c] * n / (n - 1)));
      });
    }
  });

  it('logs γ and β of GroupNorm and LayerNorm, which keep no running statistics', () => {
    const d = (dumps.get('single') as Dump[])[0];
    for (const name of ['7', '12']) {
      const l = layer('single', name);
      expect(l.runningMean.every((v) => v === null)).toBe(true);
      l.steps.forEach((step, k) => {
        close(l.gamma[k], numbers(d.layers[name].steps[String(step)].gamma), 0, 0);
        close(l.beta[k], numbers(d.layers[name].steps[String(step)].beta), 0, 0);
        expect(l.batchMean[k]).toHaveLength(l.channels);
      });
    }
  });

  it('logs pre- and post-normalization histograms over fixed edges that account for every sampled value', () => {
    for (const l of logs.get('single') ?? []) {
      const edges = l.pre[0]?.edges;
      expect(edges).toHaveLength(41);
      for (const h of [...l.pre, ...l.post]) {
        expect(h).not.toBeNull();
        const w = h as NonNullable<typeof h>;
        expect(w.counts.reduce((a, b) => a + b, 0) + w.underflow + w.overflow).toBe(w.count);
        expect(w.nonfinite).toBe(0);
        expect(w.min).toBeLessThanOrEqual(w.mean);
        expect(w.mean).toBeLessThanOrEqual(w.max);
      }
      for (const h of l.pre) expect(h?.edges).toEqual(edges);
    }
    // BatchNorm's output in train mode is normalized: mean β's average, std γ's scale.
    const post = layer('single', '1').post[0] as NonNullable<WatchedLayer['post'][number]>;
    expect(Math.abs(post.mean)).toBeLessThan(0.05);
    expect(post.std).toBeGreaterThan(0.9);
    expect(post.std).toBeLessThan(1.1);
  });
});

describe('bnlens.torch.watch under DDP (2 processes, gloo, synchronized BatchNorm)', () => {
  it('writes each rank under its own tags, with each rank its own batch statistics', () => {
    const ranks = (logs.get('ddp') ?? []).map((l) => `${l.rank}:${l.layer}:${l.kind}`);
    expect(ranks).toEqual(['0:1:SyncBatchNormCPU', '0:4:SyncBatchNormCPU', '0:7:GroupNorm', '0:12:LayerNorm', '1:1:SyncBatchNormCPU', '1:4:SyncBatchNormCPU', '1:7:GroupNorm', '1:12:LayerNorm']);
    // The ranks' data differ (rank 1: scaled by 2, shifted by 1), so their batch means diverge.
    const a = layer('ddp', '1', 0).batchMean[0] as Float32Array;
    const b = layer('ddp', '1', 1).batchMean[0] as Float32Array;
    expect(Math.max(...Array.from(a, (v, c) => Math.abs(v - b[c])))).toBeGreaterThan(0.1);
  });

  it("matches every rank's buffers, and the ranks' batch statistics combine into the synchronized running update", () => {
    const [d0, d1] = dumps.get('ddp') as Dump[];
    for (const name of BN) {
      const [l0, l1] = [layer('ddp', name, 0), layer('ddp', name, 1)];
      expect(l0.steps).toEqual([0, 2, 4]);
      l0.steps.forEach((step, k) => {
        const [s0, s1] = [d0.layers[name].steps[String(step)], d1.layers[name].steps[String(step)]];
        close(l0.runningMean[k], numbers(s0.running_mean), 1e-6, 1e-7);
        close(l1.runningMean[k], numbers(s1.running_mean), 1e-6, 1e-7);
        close(l1.runningMean[k], Array.from(l0.runningMean[k] as Float32Array), 0, 0);
        close(l0.runningVar[k], numbers(s0.running_var), 1e-6, 1e-7);
        // Equal batches on both ranks: the global mean is the ranks' average, the global biased
        // variance the average variance plus the spread of the means; the running variance takes it
        // unbiased over both ranks' values.
        const m = s0.momentum as number;
        const n = 2 * s0.per_channel_count;
        const [m0, m1] = [l0.batchMean[k] as Float32Array, l1.batchMean[k] as Float32Array];
        const [v0, v1] = [l0.batchVar[k] as Float32Array, l1.batchVar[k] as Float32Array];
        const mean = Array.from(m0, (x, c) => (x + m1[c]) / 2);
        const variance = mean.map((g, c) => (v0[c] + v1[c]) / 2 + ((m0[c] - g) ** 2 + (m1[c] - g) ** 2) / 2);
        close(l0.runningMean[k], numbers(s0.running_mean_before).map((r, c) => (1 - m) * r + m * mean[c]));
        close(l0.runningVar[k], numbers(s0.running_var_before).map((r, c) => (1 - m) * r + m * variance[c] * n / (n - 1)), 1e-4);
      });
    }
  });

  it('adds "watched" to bnlens inspect --json, one entry per layer and rank', async () => {
    let out = '';
    const code = await runCli(['inspect', join(work, 'ddp', 'logs'), '--json'], { out: (t) => { out += t; }, err: (t) => { out += t; } });
    expect(code).toBe(0);
    const watched = JSON.parse(out).watched as Record<string, unknown>[];
    expect(watched).toHaveLength(8);
    expect(Object.keys(watched[0])).toEqual(['layer', 'kind', 'channels', 'rank', 'run', 'steps', 'batchMean', 'runningMean', 'batchVar', 'runningVar', 'gamma', 'beta', 'pre', 'post', 'alarms']);
    expect(watched[5]).toMatchObject({ layer: '4', kind: 'SyncBatchNormCPU', channels: 12, rank: 1, steps: [0, 2, 4], alarms: [] });
    expect((watched[5].runningMean as number[][])[2]).toHaveLength(12);
  });
});

describe('bnlens.torch.watch when a float16 overflow turns the running statistics NaN', () => {
  it('raises an alarm at the unrecorded step where each BatchNorm buffer first turns non-finite, with its count', () => {
    const d = (dumps.get('amp') as Dump[])[0];
    for (const name of BN) {
      const l = layer('amp', name);
      const atStep3 = d.layers[name].steps['3'];
      const bad = (v: Num[] | null): number => numbers(v).filter((x) => !Number.isFinite(x)).length;
      expect(bad(atStep3.running_mean_before)).toBe(0);
      expect(bad(atStep3.running_var)).toBeGreaterThan(0);
      expect(l.alarms).toEqual([
        { source: 'running_mean', firstStep: 3, count: bad(atStep3.running_mean), steps: [3, 4] },
        { source: 'running_var', firstStep: 3, count: bad(atStep3.running_var), steps: [3, 4] },
      ]);
      // The next step is recorded in full (4 would be anyway); the NaN stays in the buffers.
      expect(l.steps).toEqual([0, 2, 4]);
      const k = l.steps.indexOf(4);
      close(l.runningVar[k], numbers(d.layers[name].steps['4'].running_var), 1e-6, 1e-7);
      expect(Array.from(l.runningVar[k] as Float32Array).some(Number.isNaN)).toBe(true);
    }
    expect(layer('amp', '7').alarms).toEqual([]);
  });
});
