// Messages from the webviews are checked against the protocol's types where they enter the host: a
// webview's page is ours, but what it sends is data (a compromised or confused page, a stale page of
// an older version), so nothing is used before it is known to have the shape its type promises. One
// validator per message type, built from a few checks; a message that fails is dropped (and logged by
// the caller). Names and paths are checked as the host uses them: run names are plain folder names,
// workspace files are workspace-relative paths that do not climb out.

import type { DataSource, ProbeDataSettings, SidebarWebviewToHost, WebviewToHost } from '../protocol';
import type { LogsWebviewToHost, StudioWebviewToHost } from '../protocol/studio';
import type { StudioForm } from '../shared/runs/studioForm';
import type { Preprocessing } from '../analysis/inputs/preprocess';

/** Checks that `v` has type T. */
type Check<T> = (v: unknown) => v is T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString: Check<string> = (v): v is string => typeof v === 'string' && v.length <= 4096;
const isBoolean: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const isFiniteNumber: Check<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount: Check<number> = (v): v is number => Number.isSafeInteger(v) && (v as number) >= 1;
const isBytes: Check<Uint8Array> = (v): v is Uint8Array => v instanceof Uint8Array;

function oneOf<T extends string>(...values: T[]): Check<T> {
  return (v): v is T => typeof v === 'string' && (values as string[]).includes(v);
}

/** An object with exactly these checked fields (besides `type`); extra fields are refused. */
function shape<T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  const keys = Object.keys(fields) as (keyof T & string)[];
  return (v): v is T => isObject(v)
    && Object.keys(v).every((k) => k === 'type' || keys.includes(k as keyof T & string))
    && keys.every((k) => (fields[k] as Check<unknown>)(v[k]));
}

function either<A, B>(a: Check<A>, b: Check<B>): Check<A | B> {
  return (v): v is A | B => a(v) || b(v);
}

/** A field that may be absent. */
function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v): v is T | undefined => v === undefined || check(v);
}

function nullable<T>(check: Check<T>): Check<T | null> {
  return (v): v is T | null => v === null || check(v);
}

/** Up to `max` finite numbers (exactly `length` when given). */
function numbers(max: number, length?: number): Check<number[]> {
  return (v): v is number[] => Array.isArray(v) && v.length <= max && (length === undefined || v.length === length) && v.every(isFiniteNumber);
}

/** A run's folder name: one plain path segment. */
export const isRunName: Check<string> = (v): v is string => isString(v) && v.length > 0 && v.length <= 255 && !/[\\/\0]/.test(v) && v !== '.' && v !== '..';

/** A workspace-relative file path that stays inside the workspace: not absolute, no ".." segment, no NUL. */
export const isWorkspacePath: Check<string> = (v): v is string =>
  isString(v) && v.length > 0 && !v.includes('\0') && !/^([\\/]|[a-zA-Z]:)/.test(v) && !v.split(/[\\/]/).includes('..');

const isChart = shape<{ name: string; format: 'svg' | 'png'; data: Uint8Array }>({ name: isString, format: oneOf('svg', 'png'), data: isBytes });

const isForm: Check<StudioForm> = shape<StudioForm>({
  dataset: either(
    shape<{ kind: 'moons' | 'spirals' | 'blobs' | 'exam-scores' | 'shapes' }>({ kind: oneOf('moons', 'spirals', 'blobs', 'exam-scores', 'shapes') }),
    shape<{ kind: 'csv'; file: string; labelColumn: string }>({ kind: oneOf('csv'), file: isWorkspacePath, labelColumn: isString }),
  ),
  architecture: either(shape<{ preset: 'mlp' | 'cnn' }>({ preset: oneOf('mlp', 'cnn') }), shape<{ specFile: string }>({ specFile: isWorkspacePath })),
  norm: oneOf('batchnorm', 'layernorm', 'groupnorm', 'none'),
  placement: oneOf('before', 'after', 'none'),
  optimizer: oneOf('sgd', 'adam', 'adamw'),
  lr: isFiniteNumber,
  batchSize: isCount,
  epochs: isCount,
  seed: isFiniteNumber,
});

const empty = shape<Record<never, never>>({});

const isPreprocessing: Check<Preprocessing> = shape<Preprocessing>({
  resize: nullable((v): v is number => Number.isSafeInteger(v) && (v as number) >= 1 && (v as number) <= 16_384),
  scale: (v): v is 1 | 255 => v === 1 || v === 255,
  mean: nullable(numbers(4)),
  std: nullable(numbers(4)),
  layout: oneOf('auto', 'NCHW', 'NHWC'),
  crop: optional(nullable(numbers(2, 2) as Check<readonly number[]> as Check<readonly [number, number]>)),
});

/** The probe data settings a view sends, or that the workspace state remembers (maybe from an older version). */
export const isDataSettings: Check<ProbeDataSettings> = shape<ProbeDataSettings>({
  source: oneOf<DataSource>('imageFolder', 'imageFiles', 'arrays', 'onnxTestData', 'csv'),
  preprocessing: isPreprocessing,
});

/** The checks of each message type of a union, by its `type`. */
type Validators<M extends { type: string }> = { [T in M['type']]: Check<Omit<Extract<M, { type: T }>, 'type'>> };

function validator<M extends { type: string }>(checks: Validators<M>): (v: unknown) => M | null {
  return (v) => {
    if (!isObject(v) || typeof v.type !== 'string' || !Object.hasOwn(checks, v.type)) return null;
    return (checks[v.type as M['type']] as Check<unknown>)(v) ? (v as M) : null;
  };
}

/** The inspector's messages (custom editor). */
export const inspectorMessage = validator<WebviewToHost>({
  ready: empty,
  reload: empty,
  reopenWithDefault: empty,
  runProbe: shape({ batchSize: isCount, seed: isFiniteNumber, withFile: isBoolean, data: optional(isDataSettings) }),
  cancelProbe: empty,
  recalibrate: shape({ batchSize: isCount, data: optional(isDataSettings) }),
  probeDataSettings: shape({ settings: isDataSettings }),
  saveRecalibrated: empty,
  saveChart: isChart,
  exportTable: shape({ what: oneOf('layers', 'channels') }),
});

/** The side panel's messages. */
export const sidebarMessage = validator<SidebarWebviewToHost>({
  ready: empty,
  openLayer: shape({ layer: isString }),
});

/** The Training Studio's messages. */
export const studioMessage = validator<StudioWebviewToHost>({
  ready: empty,
  start: shape({ form: isForm }),
  pause: empty,
  resume: empty,
  stop: empty,
  runExperiment: shape({ id: oneOf('bn-vs-none', 'lr-x10', 'placement', 'batch-sizes', 'norm-kinds', 'train-eval-gap'), form: isForm }),
  loadRuns: shape({ names: (v): v is readonly string[] => Array.isArray(v) && v.length <= 64 && v.every(isRunName), purpose: oneOf('open', 'overlay', 'compare') }),
  exportRun: shape({ name: isRunName, format: oneOf('tensorboard', 'csv') }),
  deleteRun: shape({ name: isRunName }),
  csvColumns: shape({ file: isWorkspacePath }),
  openFile: shape({ file: isWorkspacePath }),
  refresh: empty,
  saveChart: isChart,
});

/** The TensorBoard log panel's messages. */
export const logsMessage = validator<LogsWebviewToHost>({
  ready: empty,
  saveChart: isChart,
});

/** A dropped message for the log: its type, if it has a short one. */
export function describeMessage(v: unknown): string {
  const type = isObject(v) && typeof v.type === 'string' ? v.type.slice(0, 40) : null;
  return type === null ? 'no type' : `type '${type}'`;
}
