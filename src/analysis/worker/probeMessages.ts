// Messages between the host and the probe worker. The worker reads the model itself (so the host
// never holds the decoded tensors) and asks the host for sibling files it needs (external data, weight
// shards), since only the host can read the workspace's file system.

import type { KernelSetup } from '../../engine/kernels/select';
import type { ProbeResult } from '../probe';
import type { RecalibrationResult } from '../recalibrate';
import type { InputData } from '../inputs/gather';
import type { Preprocessing } from '../inputs/preprocess';

export interface ProbeJob {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly batchSize: number;
  readonly seed: number;
  readonly bins: number;
  /** The user's data (arrays, images, an ONNX TensorProto or a CSV), read but not decoded; random normal input when absent. */
  readonly input?: InputData;
  /** How images become the model's input (ignored for other data). */
  readonly preprocessing?: Preprocessing;
  /** Which kernels the engine runs on (bnlens.engine.kernels); JavaScript when absent. */
  readonly kernels?: KernelSetup;
}

export interface RecalibrationJob {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly batchSize: number;
  /** The user's data, read but not decoded (arrays are [N, …] in the model's input layout). */
  readonly input: InputData;
  readonly preprocessing?: Preprocessing;
  readonly kernels?: KernelSetup;
}

export type HostToProbeWorker =
  | { readonly type: 'probe'; readonly job: ProbeJob }
  | { readonly type: 'recalibrate'; readonly job: RecalibrationJob }
  | { readonly type: 'sibling'; readonly id: number; readonly bytes: Uint8Array | null; readonly error?: string };

export type ProbeWorkerToHost =
  | { readonly type: 'readSibling'; readonly id: number; readonly path: string }
  | { readonly type: 'result'; readonly result: ProbeResult | RecalibrationResult }
  | { readonly type: 'error'; readonly message: string };
