// Runs one training job and reports through `post`: 'started', then a 'progress' per step (followed by
// 'stats' on recorded steps when the config asks for recording) and an 'epoch' per epoch, and finally
// 'done' (or 'error'). Between steps it yields to the event loop so a
// 'cancel' message can arrive; cancellation takes effect at the next step boundary. Independent of
// worker_threads, so tests can run it in-process.

import { sampleCount, takeRows, type Dataset } from '../data/dataset';
import type { Model } from '../model/model';
import { ActivationRecorder, transferList } from '../recorder';
import { accuracyOf, computeLoss, evaluate, trainingSteps, type LossName, type Metrics } from '../train/loop';
import { buildDataset, buildModel, buildOptimizer, checkOutput, jobRngs } from './build';
import { ConfigError, parseJobConfig } from './config';
import { isNormalizationLayer } from '../norm/normalization';
import type { WorkerToHost } from './messages';

export interface JobControl {
  isCancelled(): boolean;
  /** While true, the job holds at the step boundary it reached (checking every PAUSE_POLL_MS). */
  isPaused?(): boolean;
  /** Lets pending messages (cancel) be handled; default: one macrotask turn. */
  yieldToEvents?: () => Promise<void>;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const PAUSE_POLL_MS = 50;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Activation layers recorded with `record.activations` (their outputs show dead or saturated units). */
const ACTIVATION_KINDS: ReadonlySet<string> = new Set(['ReLU', 'ReLU6', 'LeakyReLU', 'GELU', 'SiLU', 'Sigmoid', 'Tanh', 'Clip']);

/**
 * Loss and accuracy with the model in train mode (normalization uses each minibatch's own statistics)
 * over minibatches of `batchSize` in order. A last minibatch of one sample joins the one before it:
 * batch statistics of a single sample are degenerate (PyTorch refuses them).
 */
export function evaluateTrainMode(model: Model, data: Dataset, loss: LossName, batchSize: number): Metrics {
  const n = sampleCount(data);
  const wasTraining = model.training;
  // Train-mode forwards update running statistics (and num_batches_tracked); measuring must not change
  // the model, so the buffers are put back afterwards.
  const buffers = Object.values(model.buffers()).map((t) => ({ t, saved: t.data.slice() }));
  model.train();
  let lossSum = 0;
  let accuracySum = 0;
  try {
    for (let start = 0; start < n;) {
      let end = Math.min(start + batchSize, n);
      if (n - end === 1) end = n;
      const indices = Array.from({ length: end - start }, (_, i) => start + i);
      const batch = takeRows(data, indices);
      const out = model.infer(batch.x);
      lossSum += computeLoss(out, batch.y, data.numClasses, loss).value * indices.length;
      accuracySum += accuracyOf(out, batch.y, loss) * indices.length;
      start = end;
    }
  } finally {
    model.training = wasTraining;
    for (const { t, saved } of buffers) t.data.set(saved);
  }
  return { loss: lossSum / n, accuracy: accuracySum / n };
}

/** Sends a message; `transfer` lists ArrayBuffers that may be moved rather than copied (postMessage). */
export type PostMessage = (message: WorkerToHost, transfer?: ArrayBuffer[]) => void;

export async function runTrainingJob(rawConfig: unknown, post: PostMessage, control: JobControl): Promise<void> {
  let source: 'config' | 'runtime' = 'config';
  try {
    const config = parseJobConfig(rawConfig);
    const rngs = jobRngs(config.seed);
    const { train, validation } = buildDataset(config.dataset, rngs);
    const { model, summary } = buildModel(config.layers, train.x.shape.slice(1), rngs);
    checkOutput(config, summary[summary.length - 1].outputShape, train.numClasses);
    const optimizer = buildOptimizer(config.optimizer, config.lr, model);
    const loss = config.loss ?? 'cross-entropy';
    const n = sampleCount(train);
    const stepsPerEpoch = config.dropLast ? Math.floor(n / config.batchSize) : Math.ceil(n / config.batchSize);
    post({
      type: 'started',
      layers: summary,
      parameterCount: summary.reduce((s, l) => s + l.parameters, 0),
      trainSamples: n,
      validationSamples: sampleCount(validation),
      numClasses: train.numClasses,
      totalSteps: stepsPerEpoch * config.epochs,
    });
    source = 'runtime';
    const yieldToEvents = control.yieldToEvents ?? nextTurn;
    let steps = 0;
    let cancelled = false;
    const record = config.record;
    const recorder = record ? new ActivationRecorder({
      everySteps: record.everySteps, samplesPerChannel: record.samplesPerChannel, bins: record.bins, seed: config.seed,
      select: (_, layer) => isNormalizationLayer(layer) || (record.activations === true && ACTIVATION_KINDS.has(layer.kind)),
    }) : undefined;
    if (recorder) model.observer = recorder.observer;
    const events = trainingSteps(model, optimizer, train, {
      epochs: config.epochs, batchSize: config.batchSize, loss, rng: rngs.shuffle, validation, dropLast: config.dropLast,
      beforeStep: recorder && ((step) => recorder.beginStep(step)),
      afterBackward: recorder && (() => recorder.recordGradients(model.nodes)),
    });
    for (const event of events) {
      if (event.type === 'step') {
        steps = event.step;
        if (!Number.isFinite(event.loss)) throw new Error(`the loss became ${event.loss} at step ${event.step} (learning rate too high?)`);
        post({ type: 'progress', epoch: event.epoch, step: event.step, loss: event.loss, accuracy: event.accuracy });
        const record = recorder?.endStep();
        if (record) post({ type: 'stats', record }, transferList(record));
      } else {
        post({ type: 'epoch', epoch: event.epoch, step: event.step, train: event.train, ...(event.validation ? { validation: event.validation } : {}) });
      }
      await yieldToEvents();
      while (control.isPaused?.() && !control.isCancelled()) await sleep(PAUSE_POLL_MS);
      if (control.isCancelled()) {
        cancelled = true;
        break;
      }
    }
    const done: WorkerToHost = { type: 'done', steps, cancelled };
    // Evaluation passes are not training steps: nothing is recorded for them.
    model.observer = undefined;
    if (sampleCount(validation) > 0) {
      done.validation = evaluate(model, validation, loss);
      // After the eval-mode pass: a train-mode forward updates BatchNorm's running statistics.
      if (sampleCount(validation) >= 2) done.validationTrainMode = evaluateTrainMode(model, validation, loss, Math.max(2, config.batchSize));
    }
    post(done);
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e), source: e instanceof ConfigError ? 'config' : source });
  }
}
