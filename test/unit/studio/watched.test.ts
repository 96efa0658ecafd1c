// Reading runs logged by python/bnlens without PyTorch: the committed 2-rank DDP log
// (test/fixtures/watched-ddp, made by its make.sh) through the reader and the follower the log panel uses.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTensorBoardRun } from '../../../src/formats/read';
import { folderSource } from '../../../src/cli/nodeSource';
import { TensorBoardFollower } from '../../../src/analysis/runs/follow';
import { hasWatchedTags, watchedLayers, watchedRuns } from '../../../src/analysis/runs/watched';
import { packWatched, unpackWatched } from '../../../src/shared/runs/watched';

const FIXTURE = resolve(__dirname, '../../fixtures/watched-ddp');
const FILES = readdirSync(FIXTURE).filter((f) => f.startsWith('events.out.tfevents.')).sort();
const STEPS = [0, 2, 4, 6, 8, 10, 12, 14];

describe('watched runs in TensorBoard logs', () => {
  it('reads every layer of both ranks of the DDP fixture, with synchronized running statistics', async () => {
    const run = await readTensorBoardRun(folderSource(FIXTURE));
    const layers = watchedLayers(run.scalars ?? [], run.histograms ?? []);
    expect(layers.map((l) => `${l.rank}:${l.layer}:${l.kind}:${l.channels}`)).toEqual([
      '0:1:SyncBatchNormCPU:8', '0:4:SyncBatchNormCPU:12', '0:7:GroupNorm:12', '0:12:LayerNorm:16',
      '1:1:SyncBatchNormCPU:8', '1:4:SyncBatchNormCPU:12', '1:7:GroupNorm:12', '1:12:LayerNorm:16',
    ]);
    for (const l of layers) expect(l.steps).toEqual(STEPS);
    const [a, b] = [layers[0], layers[4]];
    expect(Array.from(b.runningMean[7] ?? [])).toEqual(Array.from(a.runningMean[7] ?? []));
    expect(Array.from(b.batchMean[7] ?? [])).not.toEqual(Array.from(a.batchMean[7] ?? []));
    expect(a.pre[0]?.edges).toHaveLength(41);
    expect(layers[2].runningMean.every((v) => v === null)).toBe(true);
  });

  it('follows the files as they grow, under a run folder prefix, one run per rank', () => {
    const follower = new TensorBoardFollower('logs');
    const bytes = FILES.map((f) => readFileSync(join(FIXTURE, f)));
    // Half of rank 0's file, as a training script mid-write leaves it (the last record may be cut).
    follower.update(FILES[0], bytes[0].subarray(0, Math.floor(bytes[0].length / 2)), 'ddp/');
    let runs = watchedRuns(watchedLayers(follower.points().scalars, follower.points().histograms));
    expect(runs.map((r) => r.label)).toEqual(['ddp · rank 0']);
    const partial = runs[0].layers[0].steps.length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(STEPS.length);
    follower.update(FILES[0], bytes[0], 'ddp/');
    follower.update(FILES[1], bytes[1], 'ddp/');
    runs = watchedRuns(watchedLayers(follower.points().scalars, follower.points().histograms));
    expect(runs.map((r) => [r.label, r.run, r.rank, r.layers.length, r.layers[0].steps.length])).toEqual([['ddp · rank 0', 'ddp', 0, 4, 8], ['ddp · rank 1', 'ddp', 1, 4, 8]]);
  });

  it('recognizes only the bnlens/rank<R>/<layer>/<quantity> convention', () => {
    expect(hasWatchedTags(['loss', 'layer1/weight', 'bnlens/summary', 'xbnlens/rank0/bn/pre'])).toBe(false);
    expect(hasWatchedTags(['loss', 'run1/bnlens/rank3/layer1.0.bn1/batch_mean'])).toBe(true);
    const layers = watchedLayers(
      [{ tag: 'bnlens/rank0/bn/nonfinite/running_var', step: 5, wallTime: 0, value: 3 }, { tag: 'bnlens/rank0/bn/nonfinite/running_var', step: 4, wallTime: 0, value: 0 },
        { tag: 'bnlens/rank0/bn/nonfinite/running_var', step: 6, wallTime: 0, value: 4 }, { tag: 'bnlens/rank0/bn/kind/BatchNorm1d', step: 0, wallTime: 0, value: 4 }],
      [{ tag: 'bnlens/rank0/bn/gamma', step: 0, wallTime: 0, min: 0, max: 4, num: 4, sum: 4, sumSquares: 4, edges: [0, 1, 2, 3, 4], counts: [1, 1, NaN, 1] }]);
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatchObject({ layer: 'bn', kind: 'BatchNorm1d', channels: 4, steps: [0], alarms: [{ source: 'running_var', firstStep: 5, count: 3, steps: [5, 6] }] });
    expect(Array.from(layers[0].gamma[0] ?? [])).toEqual([1, 1, NaN, 1]);
  });

  it('packs the runs for the webview into one buffer and back, NaN included', async () => {
    const run = await readTensorBoardRun(folderSource(FIXTURE));
    const runs = watchedRuns(watchedLayers(run.scalars ?? [], run.histograms ?? []));
    const nan = runs[0].layers[0].runningVar[3] as Float32Array;
    nan[2] = NaN;
    const wire = structuredClone(packWatched(runs));
    expect(wire.values.length).toBe(2 * 8 * (6 * 8 + 6 * 12 + 4 * 12 + 4 * 16));
    const back = unpackWatched(wire);
    expect(back).toEqual(runs);
    expect(Number.isNaN(back[0].layers[0].runningVar[3]?.[2])).toBe(true);
  });
});
