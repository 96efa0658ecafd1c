// Every one-click experiment, run headless as the studio runs it (same forms, same specs, same run
// store), over three seeds: its verdict must be "shown" and every seed's difference must have the
// claimed sign. The verdict function is also checked on runs that do not show the claim.
//
// Measured when this test was written (seeds 0–2; mean ± sd over the seeds; [per-seed differences]);
// the test prints the same table each time it runs:
// - bn-vs-none: mean validation accuracy over the 10 epochs 0.909 ± 0.010 with BN, 0.510 ± 0.100 without
//   [+0.504, +0.344, +0.348]; final 0.975 ± 0.036 vs 0.797 ± 0.219.
// - lr-x10: at lr 0.5 BN 0.836 ± 0.113, no normalization 0.319 ± 0.043 (chance 0.333) [+0.658, +0.483, +0.408].
// - placement: accuracy 0.967 ± 0.008 before, 0.958 ± 0.008 after [−0.008 in each seed]; zeros in the BN
//   layer's input 0% before, 53.6 ± 2.0% after.
// - batch-sizes: |batch − running mean| / running std 0.557 ± 0.031 (batch 2), 0.266 ± 0.006 (8), 0.112 ± 0.013 (64).
// - norm-kinds (batch 2): BN 0.583 ± 0.058, LayerNorm 0.889 ± 0.075, GroupNorm 0.922 ± 0.047
//   [LN − BN +0.417, +0.167, +0.333; GN − BN +0.425, +0.258, +0.333].
// - train-eval-gap: eval − train-mode accuracy 0.296 ± 0.026 at batch 2, 0.008 ± 0.007 at batch 64.
// Six experiments, 48 runs: about 8 s on an idle 2-core machine.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentRuns } from '../../../src/analysis/runs/experiments';
import { nodeRunFs } from '../../../src/analysis/runs/nodeFs';
import { formLabel, specFromForm } from '../../../src/analysis/runs/presets';
import { builtinSamples, resolveSpec } from '../../../src/analysis/runs/spec';
import { RunWriter } from '../../../src/analysis/runs/store';
import { BUILTIN_DATASETS, EXPERIMENTS, type ExperimentId } from '../../../src/shared/runs/studioForm';
import type { RunData } from '../../../src/shared/runs/types';
import { experimentVerdict, pm } from '../../../src/shared/runs/verdict';
import { runTrainingJob } from '../../../src/engine/worker/job';

const dir = mkdtempSync(join(tmpdir(), 'bnlens-experiments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Trains one experiment run in this process and returns it as the studio would load it. */
async function train(id: ExperimentId, variant: string, form: Parameters<typeof formLabel>[0], index: number): Promise<RunData> {
  const kind = form.dataset.kind as Exclude<typeof form.dataset.kind, 'csv'>;
  const classes = BUILTIN_DATASETS.find((d) => d.kind === kind)!.classes;
  const spec = specFromForm(form, { classes, samples: builtinSamples({ kind }) });
  const config = await resolveSpec(spec, 'experiment', async () => null);
  const title = EXPERIMENTS.find((e) => e.id === id)!.title;
  const writer = await RunWriter.create(nodeRunFs(dir), id, { name: `run${index}`, label: formLabel(form), spec, experiment: { id, title, variant } });
  let failure: string | undefined;
  await runTrainingJob(config, (m) => {
    writer.handle(m);
    if (m.type === 'error') failure = m.message;
  }, { isCancelled: () => false, yieldToEvents: async () => undefined });
  await writer.finish(failure ? 'failed' : 'completed', failure);
  return writer.data();
}

async function runAll(id: ExperimentId): Promise<RunData[]> {
  const runs: RunData[] = [];
  for (const [i, plan] of experimentRuns(id, 0).entries()) runs.push(await train(id, plan.variant, plan.form, i));
  return runs;
}

const trained = new Map<ExperimentId, RunData[]>();

describe('one-click experiments show their claims over three seeds', () => {
  for (const e of EXPERIMENTS) {
    it(`${e.id}: ${e.title}`, async () => {
      const runs = await runAll(e.id);
      trained.set(e.id, runs);
      expect(runs).toHaveLength(experimentRuns(e.id, 0).length);
      const verdict = experimentVerdict(e.id, runs);
      const table = verdict.quantities.map((q) => `  ${q.label}: ${q.variants.map((v) => `${v.variant} ${pm(v.mean, v.sd)}`).join(' · ')}`).join('\n');
      const diffs = verdict.comparisons.map((c) => `  ${c.label}: ${pm(c.mean, c.sd)} [${c.perSeed.map((d) => d.toFixed(3)).join(', ')}] → ${c.outcome}`).join('\n');
      console.log(`${e.id}: ${verdict.outcome}\n${table}\n${diffs}\n  ${verdict.headline}`);
      expect(verdict.seeds).toEqual([0, 1, 2]);
      for (const c of verdict.comparisons) {
        expect(c.perSeed).toHaveLength(3);
        if (c.expect === 'larger') for (const d of c.perSeed) expect(d, c.label).toBeGreaterThan(c.margin);
        else expect(Math.abs(c.mean), c.label).toBeLessThanOrEqual(c.margin);
      }
      expect(verdict.outcome).toBe('shown');
      expect(verdict.headline).toMatch(/^The runs show the claim \(3 seeds\)/);
    }, 120_000);
  }
});

describe('the verdict says what the runs measured, not what the claim hopes', () => {
  const relabel = (run: RunData, variant: string): RunData => ({ ...run, info: { ...run.info, experiment: { ...run.info.experiment!, variant } } });
  const runsOf = async (id: ExperimentId): Promise<RunData[]> => trained.get(id) ?? runAll(id);

  it('calls runs that contradict the claim "not shown", with the numbers', async () => {
    // The same runs with the variants swapped: the network without BatchNorm now "is" the BatchNorm one.
    const swapped = (await runsOf('bn-vs-none')).map((r) => relabel(r, r.info.experiment!.variant === 'BatchNorm' ? 'no normalization' : 'BatchNorm'));
    const v = experimentVerdict('bn-vs-none', swapped);
    expect(v.outcome).toBe('not-shown');
    expect(v.headline).toMatch(/^The runs do not show the claim \(3 seeds\)\. BatchNorm − no normalization: -0\.\d{3} ± 0\.\d{3} \(per seed -/);
  }, 120_000);

  it('does not conclude from one seed, nor from no finished runs', async () => {
    const one = (await runsOf('norm-kinds')).filter((r) => r.spec.seed === 0);
    const v = experimentVerdict('norm-kinds', one);
    expect(v.seeds).toEqual([0]);
    expect(v.outcome).toBe('inconclusive');
    expect(v.headline).toMatch(/^One seed so far: its difference could be noise\./);
    const running = one.map((r) => ({ ...r, info: { ...r.info, status: 'running' as const } }));
    expect(experimentVerdict('norm-kinds', running).outcome).toBe('incomplete');
  }, 120_000);

  it('counts a diverged run as chance accuracy, not as missing', async () => {
    const runs = (await runsOf('lr-x10')).map((r) => (r.info.experiment!.variant === 'BatchNorm, lr 0.5'
      ? { ...r, info: { ...r.info, status: 'failed' as const, error: 'the loss became NaN at step 3 (learning rate too high?)', finalValidation: undefined } }
      : r));
    const v = experimentVerdict('lr-x10', runs);
    expect(v.quantities[0].variants.find((x) => x.variant === 'BatchNorm, lr 0.5')!.values).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(v.outcome).not.toBe('shown');
  }, 120_000);
});
