// Model specs, the studio's presets and experiments, and the TensorBoard follower.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeLogs, type LogSummary } from '../../../src/analysis/logs';
import { readTensorBoard } from '../../../src/formats/tensorboard/reader';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { TensorBoardFollower } from '../../../src/analysis/runs/follow';
import { experimentVariants, FormError, formLabel, presetLayers, runName, specFromForm } from '../../../src/analysis/runs/presets';
import { DEFAULT_FORM, EXPERIMENTS, type StudioForm } from '../../../src/shared/runs/studioForm';
import { parseSpecText, plannedSteps, recordEvery, resolveSpec, SpecError } from '../../../src/analysis/runs/spec';
import { tensorboardEventFile, tfRecord } from '../../../src/analysis/runs/tensorboard';
import { buildDataset, buildModel, jobRngs } from '../../../src/engine/worker/build';
import { parseJobConfig } from '../../../src/engine/worker/config';
import { TensorBoardError } from '../../../src/formats/errors';
import { frameworkFixture } from '../fixtures';

const noCsv = async (): Promise<string | null> => null;

describe('model specs', () => {
  it('fills in defaults and validates through the worker config, naming the spec file', async () => {
    const config = await resolveSpec(parseSpecText('{"layers":[{"type":"dense","units":2}]}', 'm.bnlens.json'), 'm.bnlens.json', noCsv);
    expect(config).toMatchObject({ dataset: { kind: 'moons' }, optimizer: { type: 'adam' }, lr: 0.01, batchSize: 32, epochs: 10, seed: 0 });
    await expect(resolveSpec({ layers: [{ type: 'dense', units: 2 }], lr: -1 }, 'm.bnlens.json', noCsv)).rejects.toThrow('m.bnlens.json: lr must be > 0');
    await expect(resolveSpec({ layers: [{ type: 'dense', units: 0 }] }, 'm.bnlens.json', noCsv)).rejects.toThrow('m.bnlens.json: layers[0].units must be ≥ 1');
    await expect(resolveSpec({ layers: [{ type: 'dense', units: 2 }], dataset: { kind: 'csv', file: 'data.csv', labelColumn: 'y' } }, 'm.bnlens.json', noCsv))
      .rejects.toThrow('m.bnlens.json: dataset.file "data.csv" does not exist');
    expect(() => parseSpecText('{"layers": [', 'bad.bnlens.json')).toThrow(SpecError);
    expect(() => parseSpecText('{"layers": []}', 'empty.bnlens.json')).toThrow('empty.bnlens.json: "layers" must be a non-empty array');
  });

  it('reads a CSV dataset named by the spec', async () => {
    const csv = 'a,b,label\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n';
    const config = await resolveSpec({ layers: [{ type: 'dense', units: 2 }], dataset: { kind: 'csv', file: 'd.csv', labelColumn: 'label' } }, 's.json', async (p) => (p === 'd.csv' ? csv : null));
    expect(config.dataset).toMatchObject({ kind: 'csv', text: csv, labelColumn: 'label' });
  });

  it('the JSON schema accepts every preset and experiment spec and rejects what the worker rejects', () => {
    const schema = JSON.parse(readFileSync('schemas/bnlens-model.schema.json', 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const e of EXPERIMENTS) {
      for (const { form } of experimentVariants(e.id, DEFAULT_FORM)) {
        const spec = specFromForm(form, { classes: 3, samples: 600 });
        expect(validate(spec), `${e.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    const cnn = specFromForm({ ...DEFAULT_FORM, dataset: { kind: 'shapes' }, architecture: { preset: 'cnn' } }, { classes: 3, samples: 600 });
    expect(validate(cnn), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ layers: [{ type: 'dense' }] })).toBe(false);
    expect(validate({ layers: [{ type: 'dense', units: 4, unit: 3 }] })).toBe(false);
    expect(validate({ layers: [{ type: 'conv3d', filters: 1 }] })).toBe(false);
    expect(validate({ dataset: { kind: 'moons' } })).toBe(false);
  });
});

describe('studio presets', () => {
  it('places the normalization before or after the activation, or leaves it out', () => {
    const types = (norm: 'batchnorm' | 'layernorm' | 'groupnorm' | 'none', placement: 'before' | 'after' | 'none'): string => presetLayers('mlp', norm, placement, 3).map((l) => l.type).join(' ');
    expect(types('batchnorm', 'before')).toBe('dense batchnorm relu dense batchnorm relu dense');
    expect(types('batchnorm', 'after')).toBe('dense relu batchnorm dense relu batchnorm dense');
    expect(types('none', 'before')).toBe('dense relu dense relu dense');
    expect(types('layernorm', 'none')).toBe('dense relu dense relu dense');
    expect(types('groupnorm', 'before')).toBe('dense groupnorm relu dense groupnorm relu dense');
    expect(presetLayers('mlp', 'batchnorm', 'before', 3)[0]).toMatchObject({ type: 'dense', units: 128 });
    expect(presetLayers('cnn', 'layernorm', 'before', 3).filter((l) => l.type === 'groupnorm').map((l) => (l.type === 'groupnorm' ? l.groups : 0))).toEqual([1, 1]);
  });

  it('every experiment variant builds a model that fits its data', () => {
    for (const e of EXPERIMENTS) {
      const variants = experimentVariants(e.id, DEFAULT_FORM);
      expect(variants.length).toBeGreaterThanOrEqual(2);
      for (const { form } of variants) {
        const config = parseJobConfig({ ...specFromForm(form, { classes: 3, samples: 600 }), dataset: { kind: 'spirals', samples: 60 } });
        const rngs = jobRngs(0);
        const { train } = buildDataset(config.dataset, rngs);
        const { summary } = buildModel(config.layers, train.x.shape.slice(1), rngs);
        expect(summary[summary.length - 1].outputShape).toEqual([3]);
      }
    }
    expect(experimentVariants('lr-x10', DEFAULT_FORM).map((v) => v.form.lr)).toEqual([0.05, 0.05, 0.5, 0.5]);
    expect(experimentVariants('batch-sizes', DEFAULT_FORM).map((v) => v.form.batchSize)).toEqual([2, 8, 64]);
    expect(experimentVariants('norm-kinds', DEFAULT_FORM).map((v) => v.form.norm)).toEqual(['batchnorm', 'layernorm', 'groupnorm']);
    expect(experimentVariants('bn-vs-none', DEFAULT_FORM).map((v) => [v.form.norm, v.form.placement])).toEqual([['batchnorm', 'before'], ['none', 'none']]);
  });

  it('explains forms that cannot work', () => {
    const bad = (patch: Partial<StudioForm>): (() => unknown) => () => specFromForm({ ...DEFAULT_FORM, ...patch }, { classes: 3, samples: 600 });
    expect(bad({ architecture: { preset: 'cnn' } })).toThrow(/the CNN preset needs an image dataset/);
    expect(bad({ dataset: { kind: 'shapes' } })).toThrow(/choose the CNN preset/);
    expect(bad({ lr: 0 })).toThrow(FormError);
    expect(bad({ batchSize: 2.5 })).toThrow('the batch size must be a whole number of at least 1');
  });

  it('records about 200 frames whatever the run length, and names runs by time and settings', () => {
    expect(recordEvery(75)).toBe(1);
    expect(recordEvery(6000)).toBe(30);
    expect(plannedSteps(600, { batchSize: 32, epochs: 8, dataset: {} })).toBe(15 * 8);
    expect(specFromForm(DEFAULT_FORM, { classes: 3, samples: 600 }).record).toEqual({ everySteps: recordEvery(15 * DEFAULT_FORM.epochs), activations: true });
    expect(runName(new Date(2026, 0, 2, 3, 4, 5), 'Spirals · MLP · BatchNorm!')).toBe('20260102-030405-spirals-mlp-batchnorm');
    expect(formLabel(DEFAULT_FORM)).toBe(`spirals · MLP · BatchNorm before ReLU · SGD lr 0.05 · batch 32 · ${DEFAULT_FORM.epochs} epochs · seed 0`);
  });
});

describe('TensorBoard follower', () => {
  const run = { info: { version: 1 as const, name: 'r', createdAt: '2026-01-01T00:00:00Z', status: 'completed' as const, steps: 3, totalSteps: 3, wallMs: 30, layers: [], parameterCount: 1, label: '' },
    spec: { layers: [] }, steps: { step: Float64Array.of(1, 2, 3), loss: Float64Array.of(1, 0.5, 0.25), accuracy: Float64Array.of(0.1, 0.2, 0.3) }, epochs: [], schema: { layers: [], gradients: [] }, frames: [] };

  it('reads records as they are appended and waits for a half-written last record', () => {
    const bytes = tensorboardEventFile(run);
    const f = new TensorBoardFollower('logs');
    // The first 40 bytes: the header record and part of the next one.
    expect(f.update('events.out.tfevents.1', bytes.subarray(0, 40))).toBe(0);
    expect(f.summary().incomplete).toBe(true);
    expect(f.update('events.out.tfevents.1', bytes.subarray(0, bytes.length - 3))).toBe(4);
    expect(f.update('events.out.tfevents.1', bytes)).toBe(2);
    const s = f.summary();
    expect(s.incomplete).toBe(false);
    expect(s.scalars.find((x) => x.tag === 'train/loss_step')?.values).toEqual(Float64Array.of(1, 0.5, 0.25));
    expect(f.unchanged('events.out.tfevents.1', bytes.length)).toBe(true);
    // A second file appears; a run subfolder's tags carry its name.
    expect(f.update('run2/events.out.tfevents.2', bytes, 'run2/')).toBe(6);
    expect(f.summary().scalars.map((x) => x.tag)).toContain('run2/train/loss_step');
  });

  it('reports a damaged complete record, naming the file', () => {
    const good = tfRecord(new TextEncoder().encode('not an event but framed'));
    good[14] ^= 1;
    expect(() => new TensorBoardFollower('logs').update('events.out.tfevents.9', good)).toThrow(TensorBoardError);
    expect(() => new TensorBoardFollower('logs').update('events.out.tfevents.9', good)).toThrow(/logs\/events\.out\.tfevents\.9: the data checksum/);
  });

  it('following the PyTorch SummaryWriter fixture as it grows ends with what the reader reads at once', () => {
    const dir = frameworkFixture('tensorboard', 'torch-histograms');
    const name = readdirSync(dir).find((n) => n.startsWith('events.out.tfevents.')) as string;
    const bytes = readFileSync(join(dir, name));
    const f = new TensorBoardFollower('torch-histograms');
    for (const cut of [Math.floor(bytes.length / 3), Math.floor((2 * bytes.length) / 3), bytes.length]) f.update(name, bytes.subarray(0, cut));
    const whole = summarizeLogs(readTensorBoard({ name, bytes, readSibling: async () => null, listSiblings: async () => [] })) as LogSummary;
    const followed = f.summary();
    expect(followed.histograms.map((h) => h.tag)).toEqual(whole.histograms.map((h) => h.tag));
    expect(followed.histograms.length).toBeGreaterThan(0);
    expect(followed.histograms.map((h) => Array.from(h.steps))).toEqual(whole.histograms.map((h) => Array.from(h.steps)));
    expect(followed.incomplete).toBe(false);
  });
});
