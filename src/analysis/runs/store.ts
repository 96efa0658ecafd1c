// Run storage: `.bnlens/runs/<name>/` under the workspace, one folder per run:
//   config.json        the model spec the run trained (a `*.bnlens.json` spec: `bnlens train --config` reruns it)
//   run.json           status, steps, timings, final metrics (RunInfo)
//   metrics.json       per-step loss/accuracy and per-epoch train/validation metrics
//   stats.index.json   the frames' schema and where each frame is: [step, offset, length] per chunk file
//   stats*.bin         the recorded statistics as binary frames (frames.ts)
// Every file is written whole under a temporary name and then renamed over the old one, and a chunk of
// frames is written before the index that points into it: a write cut short (crash, closed window)
// leaves the previous, complete version. While a run goes on, each flush adds one chunk file; when it
// ends they are compacted into stats.bin.
// File access goes through RunFs, so the extension (vscode.workspace.fs) and the CLI (node:fs) share it.

import type { WorkerToHost } from '../../engine/worker/messages';
import { decodeFrame, encodeFrame, frameOf, widenFrame } from '../../shared/runs/frames';
import type { TrainingSpec } from './spec';
import type { EpochPoint, RunData, RunInfo, RunStatus, StatsFrame, StatsSchema, StepSeries } from '../../shared/runs/types';
import { messageOf } from '../../shared/errors';

/** Paths are relative to the store's root and use "/". */
export interface RunFs {
  /** The file's bytes, or null when it does not exist. */
  read(path: string): Promise<Uint8Array | null>;
  write(path: string, data: Uint8Array): Promise<void>;
  /** Replaces `to` if it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Entries of a folder ([] when it does not exist). */
  list(path: string): Promise<{ name: string; folder: boolean }[]>;
  /** Creates the folder and its parents. */
  mkdir(path: string): Promise<void>;
  /** Removes a file or folder (recursively); nothing when absent. */
  remove(path: string): Promise<void>;
}

export const RUNS_DIR = '.bnlens/runs';

export class RunStoreError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'RunStoreError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `data` to `path` atomically: a temporary file, then a rename over the target. */
export async function writeAtomic(fs: RunFs, path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${Math.random().toString(36).slice(2, 10)}`;
  await fs.write(tmp, typeof data === 'string' ? encoder.encode(data) : data);
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.remove(tmp).catch(() => undefined);
    throw e;
  }
}

interface IndexFile {
  version: 1;
  schema: StatsSchema;
  chunks: { file: string; frames: [step: number, offset: number, length: number][] }[];
}

interface MetricsFile {
  version: 1;
  steps: { step: number[]; epoch: number[]; loss: number[]; accuracy: number[] };
  epochs: EpochPoint[];
}

/** JSON numbers cannot be NaN or ±Infinity (a diverged loss is both): written as null and read back as NaN. */
function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function numbers(values: readonly (number | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? NaN : v));
}

export interface RunStart {
  readonly name: string;
  readonly label: string;
  readonly spec: TrainingSpec;
  readonly experiment?: RunInfo['experiment'];
  readonly createdAt?: Date;
}

/**
 * Collects one run's worker messages into RunData and saves it. The owner feeds messages with handle(),
 * calls flush() now and then (or startAutoFlush) and finish() once at the end.
 */
export class RunWriter {
  private info: RunInfo;
  private readonly stepCols = { step: [] as number[], epoch: [] as number[], loss: [] as number[], accuracy: [] as number[] };
  private readonly epochList: EpochPoint[] = [];
  private schema: StatsSchema = { layers: [], gradients: [] };
  private readonly frameList: StatsFrame[] = [];
  /** Frames not yet in a chunk file. */
  private pending = 0;
  private readonly index: IndexFile = { version: 1, schema: this.schema, chunks: [] };
  private chunkSeq = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private activeSince: number | undefined;
  private activeMs = 0;
  private closed = false;
  /** The first failed write, kept so finish() reports it rather than the run silently losing data. */
  private writeError: unknown;

  private constructor(private readonly fs: RunFs, readonly dir: string, start: RunStart, private readonly spec: TrainingSpec) {
    this.info = {
      version: 1, name: start.name, createdAt: (start.createdAt ?? new Date()).toISOString(), status: 'running', steps: 0, totalSteps: null,
      wallMs: 0, layers: [], parameterCount: null, label: start.label, ...(start.experiment ? { experiment: start.experiment } : {}),
    };
  }

  /** Creates the run's folder with its config.json and run.json. */
  static async create(fs: RunFs, root: string, start: RunStart): Promise<RunWriter> {
    const dir = `${root}/${start.name}`;
    const existing = await fs.read(`${dir}/run.json`);
    if (existing) throw new RunStoreError(`${dir}/run.json`, 'a run of this name exists already');
    await fs.mkdir(dir);
    const writer = new RunWriter(fs, dir, start, start.spec);
    await writeAtomic(fs, `${dir}/config.json`, `${JSON.stringify(start.spec, null, 2)}\n`);
    await writeAtomic(fs, `${dir}/run.json`, `${JSON.stringify(writer.info, null, 2)}\n`);
    writer.activeSince = performance.now();
    return writer;
  }

  get name(): string {
    return this.info.name;
  }

  get status(): RunStatus {
    return this.info.status;
  }

  currentInfo(): RunInfo {
    return { ...this.info, wallMs: this.elapsed() };
  }

  currentSchema(): StatsSchema {
    return this.schema;
  }

  /** Everything so far, as the views take it. */
  data(): RunData {
    return { info: this.currentInfo(), spec: this.spec, steps: this.steps(), epochs: [...this.epochList], schema: this.schema, frames: this.frameList.map((f) => widenFrame(f, this.schema)) };
  }

  steps(from = 0): StepSeries {
    const c = this.stepCols;
    return { step: Float64Array.from(c.step.slice(from)), loss: Float64Array.from(c.loss.slice(from)), accuracy: Float64Array.from(c.accuracy.slice(from)) };
  }

  stepCount(): number {
    return this.stepCols.step.length;
  }

  epochs(from = 0): EpochPoint[] {
    return this.epochList.slice(from);
  }

  frames(from = 0): StatsFrame[] {
    return this.frameList.slice(from);
  }

  frameCount(): number {
    return this.frameList.length;
  }

  private elapsed(): number {
    return this.activeMs + (this.activeSince !== undefined ? performance.now() - this.activeSince : 0);
  }

  /** Takes one worker message; returns the frame a 'stats' message made (and whether the schema grew). */
  handle(message: WorkerToHost): { frame?: StatsFrame; schemaChanged?: boolean } {
    switch (message.type) {
      case 'started':
        this.info = { ...this.info, layers: message.layers, parameterCount: message.parameterCount, totalSteps: message.totalSteps };
        return {};
      case 'progress':
        this.stepCols.step.push(message.step);
        this.stepCols.epoch.push(message.epoch);
        this.stepCols.loss.push(message.loss);
        this.stepCols.accuracy.push(message.accuracy);
        this.info = { ...this.info, steps: message.step };
        return {};
      case 'epoch':
        this.epochList.push({ epoch: message.epoch, step: message.step, train: message.train, ...(message.validation ? { validation: message.validation } : {}) });
        return {};
      case 'stats': {
        const { frame, schema } = frameOf(message.record, this.schema);
        const schemaChanged = schema !== this.schema;
        this.schema = schema;
        this.frameList.push(frame);
        this.pending++;
        return { frame, schemaChanged };
      }
      case 'done':
        this.info = {
          ...this.info, steps: message.steps,
          ...(message.validation ? { finalValidation: message.validation } : {}),
          ...(message.validationTrainMode ? { finalValidationTrainMode: message.validationTrainMode } : {}),
        };
        return {};
      case 'error':
        this.info = { ...this.info, error: message.message };
        return {};
    }
  }

  /** Pausing stops the wall clock; the status is saved at the next flush. */
  setPaused(paused: boolean): void {
    if (this.closed) return;
    if (paused && this.activeSince !== undefined) {
      this.activeMs += performance.now() - this.activeSince;
      this.activeSince = undefined;
    } else if (!paused && this.activeSince === undefined) {
      this.activeSince = performance.now();
    }
    this.info = { ...this.info, status: paused ? 'paused' : 'running' };
  }

  startAutoFlush(everyMs: number): void {
    this.timer ??= setInterval(() => void this.flush().catch(() => undefined), everyMs);
  }

  /** Saves what came since the last flush (new frames as a chunk, then the index, metrics and run.json). */
  flush(): Promise<void> {
    const next = this.writing.then(() => this.writeOut(false));
    // A failed flush is remembered (finish() rethrows it) and does not block later ones.
    this.writing = next.catch((e) => {
      this.writeError ??= e;
    });
    return next;
  }

  /** Ends the run with `status`, compacts the frames into stats.bin and writes everything a last time. */
  async finish(status: Exclude<RunStatus, 'running' | 'paused' | 'interrupted'>, error?: string): Promise<RunInfo> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.activeSince !== undefined) this.activeMs += performance.now() - this.activeSince;
    this.activeSince = undefined;
    this.closed = true;
    this.info = { ...this.info, status, wallMs: this.activeMs, ...(error !== undefined ? { error } : {}) };
    await this.writing;
    await this.writeOut(true);
    if (this.writeError) throw this.writeError;
    return this.info;
  }

  private async writeOut(final: boolean): Promise<void> {
    const dir = this.dir;
    if (final) {
      // Compact: every frame in one file, written before the index that points to it; the old chunks go last.
      const parts = this.frameList.map((f) => encodeFrame(f, this.schema));
      const old = this.index.chunks.map((c) => c.file);
      const frames: IndexFile['chunks'][number]['frames'] = [];
      let at = 0;
      parts.forEach((p, i) => {
        frames.push([this.frameList[i].step, at, p.length]);
        at += p.length;
      });
      await writeAtomic(this.fs, `${dir}/stats.bin`, concat(parts, at));
      this.index.chunks = [{ file: 'stats.bin', frames }];
      this.pending = 0;
      await this.writeIndex();
      for (const f of old) if (f !== 'stats.bin') await this.fs.remove(`${dir}/${f}`);
    } else if (this.pending > 0) {
      const fresh = this.frameList.slice(this.frameList.length - this.pending);
      this.pending = 0;
      const parts = fresh.map((f) => encodeFrame(f, this.schema));
      const file = `stats-${String(++this.chunkSeq).padStart(5, '0')}.bin`;
      const frames: IndexFile['chunks'][number]['frames'] = [];
      let at = 0;
      parts.forEach((p, i) => {
        frames.push([fresh[i].step, at, p.length]);
        at += p.length;
      });
      await writeAtomic(this.fs, `${dir}/${file}`, concat(parts, at));
      this.index.chunks.push({ file, frames });
      await this.writeIndex();
    }
    const c = this.stepCols;
    const metrics: MetricsFile = {
      version: 1,
      steps: { step: c.step, epoch: c.epoch, loss: c.loss.map(finiteOrNull) as number[], accuracy: c.accuracy },
      epochs: this.epochList,
    };
    await writeAtomic(this.fs, `${dir}/metrics.json`, JSON.stringify(metrics));
    await writeAtomic(this.fs, `${dir}/run.json`, `${JSON.stringify({ ...this.info, wallMs: final ? this.info.wallMs : this.elapsed() }, null, 2)}\n`);
  }

  private async writeIndex(): Promise<void> {
    this.index.schema = this.schema;
    await writeAtomic(this.fs, `${this.dir}/stats.index.json`, JSON.stringify(this.index));
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function readJson<T>(fs: RunFs, path: string, optional = false): Promise<T | null> {
  const bytes = await fs.read(path);
  if (!bytes) {
    if (optional) return null;
    throw new RunStoreError(path, 'is missing: this folder is not a complete BN Lens run');
  }
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (e) {
    throw new RunStoreError(path, `is not valid JSON (${messageOf(e)})`);
  }
}

export async function readRunInfo(fs: RunFs, dir: string): Promise<RunInfo> {
  const info = await readJson<RunInfo>(fs, `${dir}/run.json`);
  if (!info || info.version !== 1 || typeof info.name !== 'string') throw new RunStoreError(`${dir}/run.json`, 'is not a BN Lens run summary (version 1)');
  return info;
}

/**
 * Reads a saved run. A run saved as running or paused that `live` does not claim was cut short (the
 * window closed mid-run): it reads as 'interrupted', with everything saved up to then.
 */
export async function readRun(fs: RunFs, dir: string, live = false): Promise<RunData> {
  const info = await readRunInfo(fs, dir);
  const spec = await readJson<TrainingSpec>(fs, `${dir}/config.json`);
  const metrics = await readJson<MetricsFile>(fs, `${dir}/metrics.json`, true);
  const index = await readJson<IndexFile>(fs, `${dir}/stats.index.json`, true);
  const schema: StatsSchema = index?.schema ?? { layers: [], gradients: [] };
  const frames: StatsFrame[] = [];
  for (const chunk of index?.chunks ?? []) {
    const path = `${dir}/${chunk.file}`;
    const bytes = await fs.read(path);
    if (!bytes) throw new RunStoreError(path, 'is missing although stats.index.json lists it');
    for (const [step, offset, length] of chunk.frames) {
      if (offset + length > bytes.length) throw new RunStoreError(path, `the frame of step ${step} ends at byte ${offset + length} but the file has ${bytes.length}`);
      frames.push(decodeFrame(bytes, offset, length, schema, path));
    }
  }
  const s = metrics?.steps ?? { step: [], epoch: [], loss: [], accuracy: [] };
  const status: RunStatus = !live && (info.status === 'running' || info.status === 'paused') ? 'interrupted' : info.status;
  return {
    info: { ...info, status },
    spec: spec ?? { layers: [] },
    steps: { step: numbers(s.step), loss: numbers(s.loss), accuracy: numbers(s.accuracy) },
    epochs: metrics?.epochs ?? [],
    schema,
    frames: frames.map((f) => widenFrame(f, schema)),
  };
}

/** `name`, or `name-2`, `name-3`, … if a run of that name exists under `root` (two runs started in the same second). */
export async function uniqueRunName(fs: RunFs, root: string, name: string): Promise<string> {
  const taken = new Set((await fs.list(root)).map((e) => e.name));
  if (!taken.has(name)) return name;
  let k = 2;
  while (taken.has(`${name}-${k}`)) k++;
  return `${name}-${k}`;
}

export interface RunListing {
  readonly name: string;
  readonly info?: RunInfo;
  /** Why the folder could not be read as a run. */
  readonly error?: string;
}

/** The runs under `root`, newest first; folders that are not runs are listed with the reason. */
export async function listRuns(fs: RunFs, root: string): Promise<RunListing[]> {
  const entries = (await fs.list(root)).filter((e) => e.folder);
  const out = await Promise.all(entries.map(async ({ name }): Promise<RunListing> => {
    try {
      return { name, info: await readRunInfo(fs, `${root}/${name}`) };
    } catch (e) {
      return { name, error: messageOf(e) };
    }
  }));
  return out.sort((a, b) => (b.info?.createdAt ?? '').localeCompare(a.info?.createdAt ?? '') || b.name.localeCompare(a.name));
}
