// The training loop: epochs × minibatches of a seeded shuffle, one optimizer step per minibatch.
// trainingSteps() is a generator that yields after every step and epoch, so a caller can stream
// progress and stop at any step boundary (the worker does this); fit() drives it to the end.

import type { Dataset } from '../data/dataset';
import { sampleCount, takeRows } from '../data/dataset';
import type { Rng } from '../layer';
import type { Model } from '../model/model';
import { permutation } from '../rng';
import { Tensor } from '../tensor';
import { bceWithLogitsLoss, mseLoss, softmaxCrossEntropy, type LossResult } from './losses';
import type { Optimizer } from './optimizers';

/**
 * How the model's output meets the integer labels:
 * 'cross-entropy': logits [N, C] (softmaxCrossEntropy);
 * 'bce': one logit [N, 1] per sample for two classes (bceWithLogitsLoss, label 1 is positive);
 * 'mse': [N, C] against one-hot labels, or [N, 1] against the label value.
 */
export type LossName = 'cross-entropy' | 'bce' | 'mse';

export interface Metrics {
  loss: number;
  accuracy: number;
}

export interface StepEvent extends Metrics {
  type: 'step';
  /** 0-based epoch. */
  epoch: number;
  /** 1-based count of optimizer steps so far. */
  step: number;
  /** Samples in this minibatch. */
  batchSize: number;
}

export interface EpochEvent {
  type: 'epoch';
  epoch: number;
  step: number;
  /** Sample-weighted mean over the epoch's steps (with the weights as they were at each step). */
  train: Metrics;
  validation?: Metrics;
}

export type TrainingEvent = StepEvent | EpochEvent;

export interface FitOptions {
  epochs: number;
  batchSize: number;
  loss: LossName;
  /** Shuffles the samples every epoch. */
  rng: Rng;
  validation?: Dataset;
  /** Minibatch size for validation passes (default 256). */
  evalBatchSize?: number;
  /**
   * Drop the last minibatch if it is smaller than batchSize (PyTorch DataLoader drop_last; default
   * false). Worth it with batch normalization, whose statistics from a tiny last batch are noisy.
   */
  dropLast?: boolean;
  /** Called before each step's forward pass with the coming 1-based step number (e.g. recorder.beginStep). */
  beforeStep?: (step: number) => void;
  /** Called after each step's backward pass, before the optimizer update (e.g. gradient norms). */
  afterBackward?: (step: number) => void;
}

export function computeLoss(output: Tensor, labels: Int32Array, numClasses: number, loss: LossName): LossResult {
  const n = labels.length;
  const columns = output.size / n;
  switch (loss) {
    case 'cross-entropy':
      return softmaxCrossEntropy(output.reshape([n, columns]), labels);
    case 'bce':
      if (columns !== 1) throw new RangeError(`'bce' needs one logit per sample, the model gives ${columns}`);
      return bceWithLogitsLoss(output, Tensor.fromArray(labels, output.shape, output.dtype));
    case 'mse': {
      const target = Tensor.zeros(output.shape, output.dtype);
      if (columns === 1) target.data.set(labels);
      else if (columns === numClasses) for (let r = 0; r < n; r++) target.data[r * columns + labels[r]] = 1;
      else throw new RangeError(`'mse' needs 1 or ${numClasses} outputs per sample, the model gives ${columns}`);
      return mseLoss(output, target);
    }
  }
}

/** Fraction of samples whose predicted class (argmax, or the sign/threshold of a single output) is the label. */
export function accuracyOf(output: Tensor, labels: Int32Array, loss: LossName): number {
  const n = labels.length;
  const columns = output.size / n;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let predicted: number;
    if (columns === 1) predicted = output.data[r] > (loss === 'bce' ? 0 : 0.5) ? 1 : 0;
    else {
      predicted = 0;
      for (let k = 1; k < columns; k++) if (output.data[r * columns + k] > output.data[r * columns + predicted]) predicted = k;
    }
    if (predicted === labels[r]) correct++;
  }
  return correct / n;
}

/** Loss and accuracy in eval mode, without touching gradients (restores the model's mode). */
export function evaluate(model: Model, data: Dataset, loss: LossName, batchSize = 256): Metrics {
  const wasTraining = model.training;
  model.eval();
  const n = sampleCount(data);
  let lossSum = 0;
  let accuracySum = 0;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const indices = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
      const batch = takeRows(data, indices);
      const out = model.infer(batch.x);
      lossSum += computeLoss(out, batch.y, data.numClasses, loss).value * indices.length;
      accuracySum += accuracyOf(out, batch.y, loss) * indices.length;
    }
  } finally {
    model.training = wasTraining;
  }
  return { loss: lossSum / n, accuracy: accuracySum / n };
}

/** One optimizer step on one minibatch, in train mode; afterBackward runs between backward and the update. */
export function trainStep(model: Model, optimizer: Optimizer, batch: Dataset, loss: LossName, afterBackward?: () => void): Metrics {
  model.train();
  optimizer.zeroGrad();
  const out = model.forward(batch.x);
  const result = computeLoss(out, batch.y, batch.numClasses, loss);
  model.backward(result.grad);
  afterBackward?.();
  optimizer.step();
  return { loss: result.value, accuracy: accuracyOf(out, batch.y, loss) };
}

export function* trainingSteps(model: Model, optimizer: Optimizer, train: Dataset, options: FitOptions): Generator<TrainingEvent, void, void> {
  const { epochs, batchSize, loss, rng, validation, evalBatchSize = 256, dropLast = false, beforeStep, afterBackward } = options;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = sampleCount(train);
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(n, rng);
    let lossSum = 0;
    let accuracySum = 0;
    let seen = 0;
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n);
      if (dropLast && end - start < batchSize) break;
      const batch = takeRows(train, order.subarray(start, end));
      step++;
      beforeStep?.(step);
      const current = step;
      const metrics = trainStep(model, optimizer, batch, loss, afterBackward && (() => afterBackward(current)));
      lossSum += metrics.loss * (end - start);
      accuracySum += metrics.accuracy * (end - start);
      seen += end - start;
      yield { type: 'step', epoch, step, batchSize: end - start, ...metrics };
    }
    const event: EpochEvent = { type: 'epoch', epoch, step, train: { loss: lossSum / seen, accuracy: accuracySum / seen } };
    if (validation && sampleCount(validation) > 0) event.validation = evaluate(model, validation, loss, evalBatchSize);
    yield event;
  }
}

export interface FitResult {
  steps: StepEvent[];
  epochs: EpochEvent[];
  /** True when shouldStop() ended the run early. */
  stopped: boolean;
}

/** Runs trainingSteps() to the end, or until shouldStop() returns true at a step boundary. */
export function fit(
  model: Model,
  optimizer: Optimizer,
  train: Dataset,
  options: FitOptions & { onEvent?: (e: TrainingEvent) => void; shouldStop?: () => boolean },
): FitResult {
  const result: FitResult = { steps: [], epochs: [], stopped: false };
  for (const event of trainingSteps(model, optimizer, train, options)) {
    if (event.type === 'step') result.steps.push(event);
    else result.epochs.push(event);
    options.onEvent?.(event);
    if (options.shouldStop?.()) {
      result.stopped = true;
      break;
    }
  }
  return result;
}
