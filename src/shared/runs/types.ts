// A training run as BN Lens keeps it and the Training Studio draws it: what was asked (the spec), how it
// went (status, per-step and per-epoch metrics) and the recorded activation statistics, one frame per
// recorded step. Frames hold float32 copies of the recorder's float64 arrays: plenty for drawing, and
// half the bytes on disk and on the way to the webview.

import type { LayerSummary } from '../../engine/worker/build';
import type { Metrics } from '../../engine/train/loop';
import type { TrainingSpec } from '../../analysis/runs/spec';
import type { TensorSummary } from '../../engine/recorder';
import type { ExperimentId } from './studioForm';

/** 'interrupted': saved as running, but nothing is running it any more (the window was closed mid-run). */
export type RunStatus = 'running' | 'paused' | 'completed' | 'stopped' | 'failed' | 'interrupted';

/** A run's mutable summary (run.json), rewritten as the run goes on. */
export interface RunInfo {
  readonly version: 1;
  readonly name: string;
  /** ISO time the run was started. */
  readonly createdAt: string;
  readonly status: RunStatus;
  /** Steps taken so far. */
  readonly steps: number;
  /** Steps the run would take to the end (known once the worker has built the model). */
  readonly totalSteps: number | null;
  /** Wall time spent training, in ms (paused time excluded). */
  readonly wallMs: number;
  readonly layers: readonly LayerSummary[];
  readonly parameterCount: number | null;
  /** Eval-mode metrics of the final weights on the validation split. */
  readonly finalValidation?: Metrics;
  /** The same split in train mode (batch statistics): the gap to finalValidation is BatchNorm's mode switch. */
  readonly finalValidationTrainMode?: Metrics;
  /** Why the run failed, in words. */
  readonly error?: string;
  /** One-line description of the settings ("moons · MLP · BatchNorm before ReLU · Adam lr 0.01 · batch 32"). */
  readonly label: string;
  /** The experiment (one-click preset) the run belongs to, if any. */
  readonly experiment?: { readonly id: string; readonly title: string; readonly variant: string };
}

export interface EpochPoint {
  readonly epoch: number;
  readonly step: number;
  readonly train: Metrics;
  readonly validation?: Metrics;
}

/** Per-step training metrics, column-wise. */
export interface StepSeries {
  readonly step: Float64Array;
  readonly loss: Float64Array;
  readonly accuracy: Float64Array;
}

/** One recorded tensor (a layer's input or output) as the frames describe it. */
export interface TensorSchema {
  /** The recorder's fixed histogram edges (bins + 1), set at the tensor's first recorded step. */
  readonly edges: readonly number[];
  /** Entries of the per-channel arrays. */
  readonly channels: number;
}

export interface LayerSchema {
  readonly name: string;
  /** Layer.kind: "BatchNorm", "LayerNorm", "GroupNorm", "ReLU", … */
  readonly kind: string;
  readonly input: TensorSchema;
  readonly output: TensorSchema;
  /** Entries of γ, β and the batch/running statistics (0 for a layer without them). */
  readonly normChannels: number;
}

/** What the frames of a run hold; grows when a layer or parameter is seen for the first time. */
export interface StatsSchema {
  readonly layers: readonly LayerSchema[];
  /** One entry per gradient norm, in the order of StatsFrame.gradients. */
  readonly gradients: readonly { readonly layer: string; readonly parameter: string }[];
}

/**
 * A recorded tensor as a run stores it: the recorder's TensorSummary without what is fixed for the run
 * (shape, histogram edges, channel axis), and per-channel statistics in float32.
 */
export type TensorFrame = Omit<TensorSummary, 'shape' | 'histogram' | 'channelAxis' | 'channelMean' | 'channelVariance'> & {
  readonly counts: Uint32Array;
  readonly underflow: number;
  readonly overflow: number;
  readonly channelMean: Float32Array;
  readonly channelVariance: Float32Array;
};

export interface LayerFrame {
  readonly input: TensorFrame;
  readonly output: TensorFrame;
  readonly batchMean?: Float32Array;
  readonly batchVariance?: Float32Array;
  readonly runningMean?: Float32Array;
  readonly runningVariance?: Float32Array;
  readonly gamma?: Float32Array;
  readonly beta?: Float32Array;
}

/** The statistics of one recorded step; `layers[i]` belongs to schema.layers[i] (null: not recorded at this step). */
export interface StatsFrame {
  readonly step: number;
  readonly layers: readonly (LayerFrame | null)[];
  /** Gradient L2 norms in the order of schema.gradients (NaN where a parameter had none at this step). */
  readonly gradients: Float32Array;
}

/** Everything the views need of one run. */
export interface RunData {
  readonly info: RunInfo;
  readonly spec: TrainingSpec;
  readonly steps: StepSeries;
  readonly epochs: readonly EpochPoint[];
  readonly schema: StatsSchema;
  readonly frames: readonly StatsFrame[];
}

/** Frames packed into one buffer, for postMessage: one transfer instead of a few dozen typed arrays per frame. */
export interface EncodedFrames {
  readonly bytes: Uint8Array;
  /** Byte offset and length of each frame, in pairs. */
  readonly index: Uint32Array;
}

/** Everything new in a live run since the previous update. */
export interface RunUpdate {
  readonly name: string;
  readonly info: RunInfo;
  /** Present when the frames' schema grew (a layer or parameter seen for the first time). */
  readonly schema?: StatsSchema;
  readonly steps: StepSeries;
  readonly epochs: readonly EpochPoint[];
  /** Encoded against `schema` if present, else against the schema the page has. */
  readonly frames: EncodedFrames;
}

/** The live run as the side panel shows it: per normalization layer, the latest recorded statistics. */
export interface LiveLayerSnapshot {
  readonly name: string;
  readonly kind: string;
  readonly channels: number;
  /** Mean and std of the layer's input (pre-normalization) and output at the latest recorded step. */
  readonly pre: { readonly mean: number; readonly std: number };
  readonly post: { readonly mean: number; readonly std: number };
  readonly gamma: Float32Array | null;
  readonly runningVariance: Float32Array | null;
  /** |batch mean − running mean| / √running var, averaged over channels (BatchNorm in train mode). */
  readonly batchRunningGap: number | null;
  /** Fraction of the following ReLU's units that are dead, when a ReLU follows. */
  readonly deadFraction: number | null;
}

export interface LiveRunSnapshot {
  readonly run: string;
  readonly status: RunInfo['status'];
  readonly step: number;
  readonly totalSteps: number | null;
  readonly recordedStep: number | null;
  readonly loss: number | null;
  readonly accuracy: number | null;
  readonly layers: readonly LiveLayerSnapshot[];
}

/** A one-click experiment in progress: its runs in order and which one is training. */
export interface ExperimentProgress {
  readonly id: ExperimentId;
  readonly title: string;
  readonly claim: string;
  readonly runs: readonly { readonly name: string; readonly variant: string }[];
  /** Index of the run training now; runs.length when all are done. */
  readonly current: number;
  readonly cancelled: boolean;
}
