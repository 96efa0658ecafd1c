// What the Training Studio decides before a run starts (startPlan.ts) and how it walks an experiment's
// runs (experimentQueue.ts): the logic that used to live, untested, in src/extension/studio/studio.ts.
import { describe, expect, it } from 'vitest';
import { ExperimentQueue } from '../../../src/analysis/runs/experimentQueue';
import { FormError } from '../../../src/analysis/runs/presets';
import { csvClasses, csvColumns, planRun, runNameHint, type PlanFiles } from '../../../src/analysis/runs/startPlan';
import { DEFAULT_FORM, type StudioForm } from '../../../src/shared/runs/studioForm';

const NOW = new Date(2026, 11, 5, 13, 4, 5);

/** Workspace files from a map; a missing one is a FormError naming it, as the studio's reader gives. */
function files(texts: Record<string, string>): PlanFiles {
  return {
    readText: async (path) => {
      if (!(path in texts)) throw new FormError(`${path}: cannot be read (not found)`);
      return texts[path];
    },
    csvPathFromRun: (path) => `../../../${path}`,
  };
}

/** A CSV of `rows` rows with features a, b and a label cycling through `classes` values. */
function csv(rows: number, classes: number, header = 'a,b,label'): string {
  return [header, ...Array.from({ length: rows }, (_, i) => `${i % 7},${(i * 3) % 5},c${i % classes}`)].join('\n');
}

describe('the CSV checks', () => {
  it('finds the columns and guesses the label column by name, else the last one', () => {
    expect(csvColumns('d.csv', 'x, w ,species\n1,2,a\n')).toEqual({ columns: ['x', 'w', 'species'], labelGuess: 'species' });
    expect(csvColumns('d.csv', 'p,q,r\r\n1,2,3\r\n')).toEqual({ columns: ['p', 'q', 'r'], labelGuess: 'r' });
    expect(() => csvColumns('one.csv', 'only\n1\n')).toThrow('one.csv: the first row should be a header with at least two columns (features and a label), it has 1');
  });

  it('wants a label column that holds classes, not one value and not measurements', () => {
    expect(csvClasses('d.csv', csv(40, 3), 'label')).toEqual({ classes: 3, samples: 40 });
    expect(() => csvClasses('same.csv', csv(40, 1), 'label')).toThrow('same.csv: the label column "label" has only one value; a classifier needs at least two classes');
    expect(() => csvClasses('reg.csv', csv(40, 40), 'label')).toThrow('reg.csv: the label column "label" has 40 distinct values in 40 rows; the studio trains classifiers: choose the column that holds the class');
    expect(() => csvClasses('d.csv', csv(10, 2), 'nope')).toThrow(/^d\.csv: /);
  });
});

describe('planning a run', () => {
  it('turns the default form into a spec, a job config and a run name', async () => {
    const plan = await planRun(DEFAULT_FORM, files({}), NOW);
    expect(plan.source).toBe('the Training Studio form');
    expect(plan.label).toBe('spirals · MLP · BatchNorm before ReLU · SGD lr 0.05 · batch 32 · 20 epochs · seed 0');
    expect(plan.name).toBe('20261205-130405-spirals-mlp-batchnorm-before-relu');
    expect(plan.spec.name).toBe(plan.label);
    expect(plan.config).toMatchObject({ dataset: { kind: 'spirals' }, lr: 0.05, batchSize: 32, epochs: 20, seed: 0 });
  });

  it('reads a CSV dataset and refers to it from the run folder', async () => {
    const form: StudioForm = { ...DEFAULT_FORM, dataset: { kind: 'csv', file: 'data/d.csv', labelColumn: 'label' } };
    const plan = await planRun(form, files({ 'data/d.csv': csv(60, 3) }), NOW);
    expect(plan.spec.dataset).toMatchObject({ kind: 'csv', file: '../../../data/d.csv', labelColumn: 'label' });
    expect(plan.config.dataset).toMatchObject({ kind: 'csv', labelColumn: 'label' });
    await expect(planRun(form, files({}), NOW)).rejects.toThrow('data/d.csv: cannot be read (not found)');
    await expect(planRun(form, files({ 'data/d.csv': csv(60, 1) }), NOW)).rejects.toThrow('data/d.csv: the label column "label" has only one value');
  });

  it('takes the layers from a spec file, whose problems are named as the spec file\'s', async () => {
    const form: StudioForm = { ...DEFAULT_FORM, architecture: { specFile: 'm.bnlens.json' } };
    const plan = await planRun(form, files({ 'm.bnlens.json': '{"layers":[{"type":"dense","units":8},{"type":"batchnorm"},{"type":"relu"},{"type":"dense","units":3}]}' }), NOW);
    expect(plan.source).toBe('m.bnlens.json');
    expect(plan.spec.layers.map((l) => l.type)).toEqual(['dense', 'batchnorm', 'relu', 'dense']);
    await expect(planRun(form, files({ 'm.bnlens.json': '{"layers": []}' }), NOW)).rejects.toThrow('m.bnlens.json: "layers" must be a non-empty array');
  });

  it('refuses a form that cannot work before anything is written', async () => {
    await expect(planRun({ ...DEFAULT_FORM, architecture: { preset: 'cnn' } }, files({}), NOW)).rejects.toThrow(FormError);
    await expect(planRun({ ...DEFAULT_FORM, dataset: { kind: 'mnist' } } as unknown as StudioForm, files({}), NOW)).rejects.toThrow('unknown dataset "mnist"');
  });

  it('names an experiment\'s run by its variant', () => {
    expect(runNameHint(DEFAULT_FORM, { id: 'bn-vs-none', title: 't', variant: 'no normalization' })).toBe('bn-vs-none-no normalization');
  });
});

describe('an experiment\'s queue of runs', () => {
  it('starts the variants one after another and ends after the last', () => {
    const queue = new ExperimentQueue('batch-sizes', DEFAULT_FORM, NOW);
    expect(queue.names()).toEqual(['20261205-130405-batch-sizes-batch-2', '20261205-130406-batch-sizes-batch-8', '20261205-130407-batch-sizes-batch-64']);
    const seen: number[] = [];
    for (let next = queue.next(); next; next = queue.next()) {
      seen.push(next.form.batchSize);
      expect(next.experiment).toEqual({ id: 'batch-sizes', title: queue.progress.title, variant: `batch ${next.form.batchSize}` });
      queue.started(`run-${seen.length}`);
      expect(queue.finished('some other run')).toBe(false);
      expect(queue.finished(`run-${seen.length}`)).toBe(true);
    }
    expect(seen).toEqual([2, 8, 64]);
    expect(queue.over).toBe(true);
    expect(queue.progress).toMatchObject({ current: 3, cancelled: false, runs: [{ name: 'run-1' }, { name: 'run-2' }, { name: 'run-3' }] });
  });

  it('stops after the current run when cancelled', () => {
    const queue = new ExperimentQueue('bn-vs-none', DEFAULT_FORM, NOW);
    queue.started('first');
    queue.cancel();
    expect(queue.finished('first')).toBe(true);
    expect(queue.over).toBe(true);
    expect(queue.next()).toBeNull();
  });

  it('refuses an unknown experiment', () => {
    expect(() => new ExperimentQueue('bn-vs-dropout' as never, DEFAULT_FORM, NOW)).toThrow('unknown experiment "bn-vs-dropout"');
  });
});
