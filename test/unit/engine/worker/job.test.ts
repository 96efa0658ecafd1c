// The job runner in-process (no thread): messages, determinism, config errors, cancellation.
import { describe, expect, it } from 'vitest';
import type { TrainingJobConfig } from '../../../../src/engine/worker/config';
import { runTrainingJob } from '../../../../src/engine/worker/job';
import type { WorkerToHost } from '../../../../src/engine/worker/messages';

const moonsJob: TrainingJobConfig = {
  dataset: { kind: 'moons', samples: 120, standardize: true },
  layers: [{ type: 'dense', units: 8 }, { type: 'relu' }, { type: 'dense', units: 2 }],
  optimizer: { type: 'adam' },
  lr: 0.01,
  batchSize: 16,
  epochs: 2,
  seed: 3,
};

async function run(config: unknown, cancelAfterSteps = Infinity): Promise<WorkerToHost[]> {
  const messages: WorkerToHost[] = [];
  let steps = 0;
  await runTrainingJob(config, (m) => {
    messages.push(m);
    if (m.type === 'progress') steps++;
  }, { isCancelled: () => steps >= cancelAfterSteps, yieldToEvents: async () => undefined });
  return messages;
}

describe('runTrainingJob', () => {
  it('reports started, one progress per step, epochs and done', async () => {
    const messages = await run(moonsJob);
    const started = messages[0];
    expect(started.type).toBe('started');
    if (started.type !== 'started') return;
    expect(started.trainSamples).toBe(96);
    expect(started.validationSamples).toBe(24);
    expect(started.totalSteps).toBe(12);
    expect(started.layers.map((l) => [l.name, l.kind, l.outputShape])).toEqual([['dense', 'Dense', [8]], ['relu', 'ReLU', [8]], ['dense_1', 'Dense', [2]]]);
    expect(started.parameterCount).toBe(2 * 8 + 8 + 8 * 2 + 2);
    expect(messages.filter((m) => m.type === 'progress').map((m) => (m.type === 'progress' ? m.step : 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(messages.filter((m) => m.type === 'epoch').length).toBe(2);
    const done = messages[messages.length - 1];
    expect(done).toMatchObject({ type: 'done', steps: 12, cancelled: false });
    expect(done.type === 'done' && done.validation?.accuracy).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', async () => {
    const a = await run(moonsJob);
    expect(await run(moonsJob)).toEqual(a);
    expect(await run({ ...moonsJob, seed: 4 })).not.toEqual(a);
  });

  it('stops at a step boundary when cancelled', async () => {
    const messages = await run(moonsJob, 3);
    expect(messages.filter((m) => m.type === 'progress').length).toBe(3);
    expect(messages[messages.length - 1]).toMatchObject({ type: 'done', steps: 3, cancelled: true });
  });

  it('builds a CNN with batch norm on the shapes set, inferring channels and features', async () => {
    const messages = await run({
      dataset: { kind: 'shapes', samples: 30 },
      layers: [
        { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' }, { type: 'batchnorm' }, { type: 'relu' },
        { type: 'maxpool2d', kernelSize: 2 }, { type: 'flatten' }, { type: 'dense', units: 3 },
      ],
      optimizer: { type: 'sgd', momentum: 0.9 }, lr: 0.05, batchSize: 8, epochs: 1, seed: 1,
    });
    const started = messages[0];
    expect(started.type === 'started' && started.layers.map((l) => l.outputShape)).toEqual([[4, 28, 28], [4, 28, 28], [4, 28, 28], [4, 14, 14], [784], [3]]);
    expect(messages[messages.length - 1]).toMatchObject({ type: 'done', steps: 3 });
  });

  it('streams recorded statistics of the normalization layers after each recorded step', async () => {
    const messages = await run({
      ...moonsJob,
      layers: [{ type: 'dense', units: 8 }, { type: 'batchnorm', name: 'bn' }, { type: 'relu' }, { type: 'dense', units: 2 }],
      record: { everySteps: 2, samplesPerChannel: 64, bins: 8 },
    });
    const types = messages.map((m) => m.type);
    const stats = messages.filter((m) => m.type === 'stats');
    expect(stats.map((m) => (m.type === 'stats' ? m.record.step : 0))).toEqual([2, 4, 6, 8, 10, 12]);
    // Each 'stats' follows the 'progress' of its step.
    const first = types.indexOf('stats');
    expect(messages[first - 1]).toMatchObject({ type: 'progress', step: 2 });
    const record = stats[0].type === 'stats' ? stats[0].record : undefined;
    expect(record?.layers.map((l) => [l.layerName, l.kind])).toEqual([['bn', 'BatchNorm']]);
    expect(record?.layers[0].normalization?.batchMean?.length).toBe(8);
    expect(record?.layers[0].output.histogram.counts.length).toBe(8);
    expect(record?.gradients.map((g) => g.layerName)).toEqual(['dense', 'bn', 'dense_1']);
    expect(record?.gradients.every((g) => g.l2.every((v) => v > 0))).toBe(true);
  });

  const badConfigs: [string, unknown, RegExp][] = [
    ['not an object', 42, /config must be an object/],
    ['unknown dataset', { ...moonsJob, dataset: { kind: 'mnist' } }, /config\.dataset\.kind must be one of/],
    ['negative batch size', { ...moonsJob, batchSize: -1 }, /config\.batchSize must be ≥ 1/],
    ['unknown layer type', { ...moonsJob, layers: [{ type: 'lstm' }] }, /config\.layers\[0\]\.type/],
    ['missing units', { ...moonsJob, layers: [{ type: 'dense' }] }, /config\.layers\[0\]\.units is required/],
    ['output does not match the classes', { ...moonsJob, layers: [{ type: 'dense', units: 3 }] }, /needs \[2\]/],
    ['conv on tabular data', { ...moonsJob, layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }] }, /conv2d needs samples shaped \[C, H, W\]/],
    ['bad record options', { ...moonsJob, record: { everySteps: 0 } }, /config\.record\.everySteps must be ≥ 1/],
    ['bad CSV', { ...moonsJob, dataset: { kind: 'csv', text: 'a,b\n1,2', labelColumn: 'z' } }, /no column named "z"/],
  ];
  for (const [label, config, message] of badConfigs) {
    it(`reports a bad config as an error message: ${label}`, async () => {
      const messages = await run(config);
      expect(messages.length).toBe(1);
      expect(messages[0]).toMatchObject({ type: 'error', source: 'config' });
      expect(messages[0].type === 'error' && messages[0].message).toMatch(message);
    });
  }

  it('reports a run whose float32 weights overflow (non-finite loss) as a runtime error', async () => {
    const messages = await run({ ...moonsJob, dataset: { kind: 'exam-scores', samples: 64 }, optimizer: { type: 'sgd' }, lr: 1e37, layers: [{ type: 'dense', units: 2 }] });
    const last = messages[messages.length - 1];
    expect(last).toMatchObject({ type: 'error', source: 'runtime' });
    expect(last.type === 'error' && last.message).toMatch(/loss became/);
  });
});

describe('runTrainingJob: pause, activation recording, train-mode validation', () => {
  const bnJob: TrainingJobConfig = {
    ...moonsJob,
    layers: [{ type: 'dense', units: 8 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dense', units: 2 }],
    record: { everySteps: 4, bins: 8, activations: true },
  };

  it('holds at a step boundary while paused and goes on after resume', async () => {
    const messages: WorkerToHost[] = [];
    let paused = false;
    let steps = 0;
    const job = runTrainingJob(bnJob, (m) => {
      messages.push(m);
      if (m.type === 'progress' && ++steps === 3) paused = true;
    }, { isCancelled: () => false, isPaused: () => paused, yieldToEvents: async () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(steps).toBe(3);
    paused = false;
    await job;
    expect(steps).toBe(12);
    expect(messages[messages.length - 1]).toMatchObject({ type: 'done', cancelled: false, steps: 12 });
  });

  it('cancel ends a paused job', async () => {
    let cancelled = false;
    const messages: WorkerToHost[] = [];
    const job = runTrainingJob(bnJob, (m) => messages.push(m), { isCancelled: () => cancelled, isPaused: () => true, yieldToEvents: async () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 120));
    cancelled = true;
    await job;
    expect(messages.filter((m) => m.type === 'progress').length).toBe(1);
    expect(messages[messages.length - 1]).toMatchObject({ type: 'done', cancelled: true, steps: 1 });
  });

  it('records ReLU outputs with record.activations, and reports validation in both modes', async () => {
    const messages = await run(bnJob);
    const stats = messages.filter((m) => m.type === 'stats');
    expect(stats.length).toBe(3);
    for (const s of stats) if (s.type === 'stats') expect(s.record.layers.map((l) => l.kind)).toEqual(['BatchNorm', 'ReLU']);
    const done = messages[messages.length - 1];
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.validation).toBeDefined();
    expect(done.validationTrainMode?.accuracy).toBeGreaterThanOrEqual(0);
    expect(done.validationTrainMode?.accuracy).toBeLessThanOrEqual(1);
    const plain = await run({ ...bnJob, record: { everySteps: 4, bins: 8 } });
    for (const s of plain) if (s.type === 'stats') expect(s.record.layers.map((l) => l.kind)).toEqual(['BatchNorm']);
  });
});
