// The Training Studio's messages between the extension host and its webview (and the TensorBoard log
// panel, which is the same page in another mode). The page says `ready`; the host answers with `init`
// and, for a live run, with batched `runUpdate`s (at most one per throttle interval, each carrying every
// step, epoch and recorded frame since the previous one). Typed arrays travel as they are.

import type { LogSummary } from '../analysis/logs';
import type { ExperimentId, StudioForm } from '../shared/runs/studioForm';
import type { RunListing } from '../analysis/runs/store';
import type { EncodedFrames, ExperimentProgress, RunData, RunUpdate } from '../shared/runs/types';

/**
 * A run on its way to the webview: its frames packed into one buffer (encodeFrames), since a frame
 * holds a few dozen small typed arrays and a message of hundreds of frames would carry thousands.
 */
export type WireRun = Omit<RunData, 'frames'> & { readonly frames: EncodedFrames };
export type { EncodedFrames } from '../shared/runs/types';

export type { ExperimentId, StudioForm } from '../shared/runs/studioForm';
export type { RunListing } from '../analysis/runs/store';
export type { EpochPoint, ExperimentProgress, LayerFrame, LayerSchema, LiveLayerSnapshot, LiveRunSnapshot, RunData, RunInfo, RunStatus, RunUpdate, StatsFrame, StatsSchema, StepSeries, TensorFrame } from '../shared/runs/types';

/** A chart the page exported (SVG text or PNG bytes), for the host to save where the user chooses. */
export interface SaveChartMessage {
  readonly type: 'saveChart';
  readonly name: string;
  readonly format: 'svg' | 'png';
  readonly data: Uint8Array;
}

/** What the form can offer beyond the built-ins: files found in the workspace. */
export interface StudioOptions {
  /** Workspace-relative paths of CSV files. */
  readonly csvFiles: readonly string[];
  /** Workspace-relative paths of `*.bnlens.json` model specs. */
  readonly specFiles: readonly string[];
  /** Where runs are saved, as the user would find it (".bnlens/runs" or a storage folder without a workspace). */
  readonly runsFolder: string;
}

export interface StudioSettings {
  readonly significantDigits: number;
}

export type StudioHostToWebview =
  | {
      readonly type: 'init';
      readonly options: StudioOptions;
      readonly runs: readonly RunListing[];
      readonly settings: StudioSettings;
      /** The run training now, if any, whole (the page may have been recreated mid-run). */
      readonly live?: WireRun;
      readonly experiment?: ExperimentProgress;
      /** Runs to show: the one to open, and others to compare with it. */
      readonly show?: { readonly runs: readonly WireRun[]; readonly view: 'run' | 'compare' };
    }
  | { readonly type: 'options'; readonly options: StudioOptions }
  | { readonly type: 'runs'; readonly runs: readonly RunListing[] }
  /** A live run began (its first data). */
  | { readonly type: 'liveStarted'; readonly run: WireRun }
  | { readonly type: 'runUpdate'; readonly update: RunUpdate }
  /** Saved runs the page asked for (to open, overlay or compare). */
  | { readonly type: 'runData'; readonly runs: readonly WireRun[]; readonly purpose: 'open' | 'overlay' | 'compare' }
  | { readonly type: 'experiment'; readonly experiment: ExperimentProgress }
  | { readonly type: 'csvColumns'; readonly file: string; readonly columns: readonly string[]; readonly labelGuess: string }
  /** A problem the user caused or can fix, in words that name the file and what is wrong. */
  | { readonly type: 'problem'; readonly message: string }
  | { readonly type: 'busy'; readonly busy: boolean }
  /** Show the live (or named) run and scroll to one of its layers (the side panel asked). */
  | { readonly type: 'revealLayer'; readonly run: string; readonly layer: string };

export type StudioWebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'start'; readonly form: StudioForm }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  | { readonly type: 'runExperiment'; readonly id: ExperimentId; readonly form: StudioForm }
  | { readonly type: 'loadRuns'; readonly names: readonly string[]; readonly purpose: 'open' | 'overlay' | 'compare' }
  | { readonly type: 'exportRun'; readonly name: string; readonly format: 'tensorboard' | 'csv' }
  | { readonly type: 'deleteRun'; readonly name: string }
  | { readonly type: 'csvColumns'; readonly file: string }
  | { readonly type: 'openFile'; readonly file: string }
  | { readonly type: 'refresh' }
  | SaveChartMessage;

/** The TensorBoard log panel: the same views as the inspector's, fed as the folder grows. */
export type LogsHostToWebview =
  | { readonly type: 'logs'; readonly source: string; readonly files: readonly string[]; readonly logs: LogSummary; readonly settings: StudioSettings; readonly following: boolean }
  | { readonly type: 'logsError'; readonly source: string; readonly message: string };

export type LogsWebviewToHost = { readonly type: 'ready' } | SaveChartMessage;

/** What the studio page keeps with setState. */
export interface StudioViewState {
  readonly form: StudioForm;
  readonly view: 'run' | 'compare';
  /** The run shown in the run view (live or saved). */
  readonly shown: string | null;
  readonly overlay: string | null;
  readonly compare: readonly string[];
  readonly layerFilter: string;
}
