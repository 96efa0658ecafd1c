// bnlens.keras.Callback in real Keras 3: test/python/keras_watched.py trains a small CNN for 8 batches
// with the callback (every batch recorded, a probe batch) and dumps the model's final state; BN Lens
// reads the event files and the numbers are checked against it. Keras is not something npm test
// installs (it would need pip), so this runs only where `python3` imports keras — on CI it is skipped,
// saying so.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTensorBoardRun } from '../../../src/formats/read';
import { folderSource } from '../../../src/cli/nodeSource';
import { watchedLayers } from '../../../src/analysis/runs/watched';

const REPO = resolve(__dirname, '../../..');
const probe = spawnSync('python3', ['-c', 'import keras; print(keras.__version__)'], { encoding: 'utf8' });
const keras = probe.status === 0 && /^3\./.test(probe.stdout.trim());
if (!keras) console.log(`bnlens.keras test skipped: \`python3\` has no Keras 3 (${probe.error?.message ?? (probe.stderr.trim().split('\n').pop() || probe.stdout.trim())}); pip install keras tensorflow-cpu to run it`);

const work = mkdtempSync(join(tmpdir(), 'bnlens-keras-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function close(actual: ArrayLike<number> | null, expected: readonly number[], rel: number, abs: number): void {
  const a = Array.from(actual ?? []);
  expect(a).toHaveLength(expected.length);
  expect(a.map((v, i) => ({ i, v, e: expected[i] })).filter(({ v, e }) => !(Math.abs(v - e) <= abs + rel * Math.abs(e)))).toEqual([]);
}

describe.runIf(keras)('bnlens.keras.Callback', () => {
  it("logs every batch's moving statistics, γ, β and the probe's batch statistics as the model holds them", async () => {
    const r = spawnSync('python3', [join(REPO, 'test/python/keras_watched.py'), work], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(REPO, 'python'), TF_CPP_MIN_LOG_LEVEL: '3' } });
    expect(r.status, r.stderr).toBe(0);
    const e = JSON.parse(readFileSync(join(work, 'expected.json'), 'utf8'));
    expect(e.steps).toBe(8);
    // The probe's training-mode forward updates the moving statistics; the callback puts them back.
    expect(e.moving_mean).toEqual(e.moving_mean_without_callback);
    const run = await readTensorBoardRun(folderSource(join(work, 'logs')));
    const layers = watchedLayers(run.scalars ?? [], run.histograms ?? []);
    expect(layers.map((l) => [l.layer, l.kind, l.channels, l.rank, l.steps.length, l.alarms.length])).toEqual([['bn', 'BatchNormalization', 8, 0, 8, 0], ['ln', 'LayerNormalization', 16, 0, 8, 0]]);
    const [bn, ln] = layers;
    close(bn.runningMean[7], e.moving_mean, 1e-6, 1e-7);
    close(bn.runningVar[7], e.moving_variance, 1e-6, 1e-7);
    close(bn.gamma[7], e.gamma, 1e-6, 1e-7);
    close(bn.beta[7], e.beta, 1e-6, 1e-7);
    close(ln.gamma[7], e.ln_gamma, 1e-6, 1e-7);
    close(bn.batchMean[7], e.probe_mean, 1e-4, 1e-5);
    close(bn.batchVar[7], e.probe_var, 1e-4, 1e-5);
    expect(bn.pre[7]?.count).toBe(16 * 10 * 10 * 8);
  }, 120_000);
});
