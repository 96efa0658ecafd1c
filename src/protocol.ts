// The messages between the extension host and the inspector webview, shared by both sides.
// The webview says `ready` when its script has loaded; the host answers with the model (or an error).
// Per-channel arrays travel as Float32Array, which postMessage transfers without a JSON number list.

import type { ModelSummary } from './analysis/inventory';
import type { Anomaly } from './analysis/anomalies';
import type { ProbeResult } from './analysis/probe';
import type { RecalibrationResult } from './analysis/recalibrate';
import type { LiveRunSnapshot, SaveChartMessage } from './protocol/studio';

export type { LayerSummary, ModelSummary } from './analysis/inventory';
export type { Anomaly, AnomalyCode, Severity } from './analysis/anomalies';
export type { FoldCheck, OutputComparison, ProbeLayer, ProbeResult } from './analysis/probe';
export type { RecalibratedLayer, RecalibrationResult } from './analysis/recalibrate';
export type { Histogram, TensorSummary } from './engine/recorder';
export type { HistogramSeries, LogSummary, ScalarSeries } from './analysis/logs';

/** Settings the webview needs (from the `bnlens.*` configuration section). */
export interface ViewSettings {
  readonly significantDigits: number;
}

export type HostToWebview =
  | { readonly type: 'loading'; readonly file: string }
  | {
      readonly type: 'model';
      readonly model: ModelSummary;
      readonly anomalies: readonly Anomaly[];
      readonly settings: ViewSettings;
      /** A layer to select, when another view (the side panel) asked for it. */
      readonly select?: string;
    }
  | { readonly type: 'selectLayer'; readonly name: string }
  | { readonly type: 'error'; readonly file: string; readonly message: string }
  /** A sound file that holds no model (an HDF5 file without a Keras model, a pickle without tensors): what it is. */
  | { readonly type: 'notAModel'; readonly file: string; readonly what: string }
  | { readonly type: 'probeRunning' }
  | { readonly type: 'probe'; readonly result: ProbeResult; readonly source: string }
  | { readonly type: 'probeFailed'; readonly message: string; readonly cancelled: boolean }
  | { readonly type: 'recalibrationRunning' }
  | { readonly type: 'recalibrated'; readonly result: RecalibrationResult; readonly source: string }
  | { readonly type: 'recalibrationFailed'; readonly message: string; readonly cancelled: boolean };

/** How to run the probe: a seeded random batch, or the user's data (the host asks for the file). */
export interface ProbeRequest {
  readonly batchSize: number;
  readonly seed: number;
  readonly withFile: boolean;
}

export type WebviewToHost =
  | { readonly type: 'ready' }
  /** The user asked to read the file again (after fixing it, say). */
  | { readonly type: 'reload' }
  /** Reopen the file in VS Code's own editor (text, or the hex editor offered for binary files). */
  | { readonly type: 'reopenWithDefault' }
  | ({ readonly type: 'runProbe' } & ProbeRequest)
  | { readonly type: 'cancelProbe' }
  /** Re-estimate the running statistics from data the host asks the user for, in batches of this size. */
  | { readonly type: 'recalibrate'; readonly batchSize: number }
  /** Save a copy of the model with the recalibrated statistics. */
  | { readonly type: 'saveRecalibrated' }
  /** Save a chart the page rendered (SVG text or PNG bytes). */
  | SaveChartMessage
  /** Save the layer table (one row per layer) or the per-channel values (one row per channel) as CSV. */
  | { readonly type: 'exportTable'; readonly what: 'layers' | 'channels' };

/** What the webview keeps with setState, so a hidden and re-shown tab comes back as it was. */
export interface InspectorViewState {
  readonly selectedLayer: string | null;
  readonly filter: string;
  readonly sortKey: SortKey;
  readonly sortDescending: boolean;
  /** The probe's batch size and seed, as the user last set them. */
  readonly probe?: { readonly batchSize: number; readonly seed: number };
}

export type SortKey = 'index' | 'name' | 'kind' | 'channels' | 'epsilon' | 'momentum';

/** The side panel (a webview view in the BN Lens activity-bar container), which follows the active editor. */
export type SidebarHostToWebview =
  | { readonly type: 'empty' }
  /** The Training Studio's live run (undefined: none is training), shown above the model file's layers. */
  | { readonly type: 'liveRun'; readonly snapshot: LiveRunSnapshot | undefined }
  | { readonly type: 'loading'; readonly file: string }
  | { readonly type: 'model'; readonly file: string; readonly model: ModelSummary; readonly anomalies: readonly Anomaly[]; readonly settings: ViewSettings }
  | { readonly type: 'error'; readonly file: string; readonly message: string };

export type SidebarWebviewToHost =
  | { readonly type: 'ready' }
  /** Open the file's inspector at this layer. */
  | { readonly type: 'openLayer'; readonly layer: string };

// The Training Studio's messages live beside these, in their own module.
export * from './protocol/studio';
