// The messages between the extension host and the training worker, as discriminated unions on `type`.
// Everything is structured-clone friendly plain data.

import type { StepRecord } from '../recorder';
import type { Metrics } from '../train/loop';
import type { LayerSummary } from './build';
import type { KernelSetup } from '../kernels/select';
import type { TrainingJobConfig } from './config';

export type HostToWorker =
  /** `kernels`: the backend to train on (bnlens.engine.kernels); the JavaScript kernels when absent. */
  | { type: 'start'; config: TrainingJobConfig; kernels?: KernelSetup }
  /** Stop at the next step boundary; the worker then sends 'done' with cancelled: true. */
  | { type: 'cancel' }
  /** Hold at the next step boundary until 'resume' (or 'cancel'); nothing is lost while paused. */
  | { type: 'pause' }
  | { type: 'resume' };

export interface StartedMessage {
  type: 'started';
  layers: LayerSummary[];
  parameterCount: number;
  trainSamples: number;
  validationSamples: number;
  numClasses: number;
  /** Optimizer steps the run will take if not cancelled. */
  totalSteps: number;
}

export interface ProgressMessage extends Metrics {
  type: 'progress';
  epoch: number;
  /** 1-based optimizer step. */
  step: number;
}

export interface EpochMessage {
  type: 'epoch';
  epoch: number;
  step: number;
  train: Metrics;
  validation?: Metrics;
}

/** Activation statistics of one recorded step (sent after that step's 'progress'). */
export interface StatsMessage {
  type: 'stats';
  record: StepRecord;
}

export interface DoneMessage {
  type: 'done';
  /** Steps taken. */
  steps: number;
  cancelled: boolean;
  /** Eval-mode metrics of the final weights on the validation split (absent when it is empty). */
  validation?: Metrics;
  /**
   * The same split in train mode (normalization with each minibatch's own statistics, batches of the
   * run's batch size): its gap to `validation` is what switching BatchNorm to eval mode changes.
   */
  validationTrainMode?: Metrics;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
  /**
   * 'config': the job description was rejected; 'runtime': the run failed; 'crash': the worker died;
   * 'terminated': the host ended it (TrainingClient.terminate(); no event is emitted for it).
   */
  source: 'config' | 'runtime' | 'crash' | 'terminated';
}

export type WorkerToHost = StartedMessage | ProgressMessage | EpochMessage | StatsMessage | DoneMessage | ErrorMessage;

const WORKER_MESSAGE_TYPES: ReadonlySet<string> = new Set<WorkerToHost['type']>(['started', 'progress', 'epoch', 'stats', 'done', 'error']);

export function isWorkerToHost(value: unknown): value is WorkerToHost {
  return typeof value === 'object' && value !== null && WORKER_MESSAGE_TYPES.has((value as { type?: unknown }).type as string);
}

export function isHostToWorker(value: unknown): value is HostToWorker {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  return type === 'start' || type === 'cancel' || type === 'pause' || type === 'resume';
}
