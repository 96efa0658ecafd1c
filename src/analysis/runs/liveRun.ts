// One training run in the studio: the worker (TrainingClient) feeds a RunWriter, which saves the run as
// it goes, and the webview gets the news batched: whatever arrives within `throttleMs` goes out as one
// RunUpdate, so a fast run (thousands of steps a second) costs the page at most 1000/throttleMs renders a
// second. Nothing here imports vscode: the benchmark drives this same class without a window.

import type { TrainingClient } from '../../engine/worker/client';
import type { KernelSetup } from '../../engine/kernels/select';
import type { TrainingJobConfig } from '../../engine/worker/config';
import { encodeFrames } from '../../shared/runs/frames';
import type { RunWriter } from './store';
import type { RunData, RunInfo, RunUpdate, StatsSchema } from '../../shared/runs/types';
import { messageOf } from '../../shared/errors';

export interface LiveRunOptions {
  readonly client: TrainingClient;
  readonly writer: RunWriter;
  /** Receives the batched updates (the panel posts them to its webview, if it has one). */
  readonly post: (update: RunUpdate) => void;
  /** Minimum time between two updates; default 100 ms (10 updates a second). */
  readonly throttleMs?: number;
  /** How often the run is saved while it trains; default 2000 ms. */
  readonly saveEveryMs?: number;
  /** How long stop() waits for the worker to reach a step boundary before ending it; default 5000 ms. */
  readonly stopGraceMs?: number;
}

export class LiveRun {
  private readonly client: TrainingClient;
  readonly writer: RunWriter;
  private readonly post: (update: RunUpdate) => void;
  private readonly throttleMs: number;
  private readonly stopGraceMs: number;
  private readonly saveEveryMs: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastPost = 0;
  /** What the last update covered. */
  private sent = { steps: 0, epochs: 0, frames: 0 };
  private sentSchema: StatsSchema | undefined;
  private stopping = false;
  private paused = false;
  private endResolve: (info: RunInfo) => void = () => undefined;
  /** Resolves with the saved run's summary once the run has ended and is written. */
  readonly ended: Promise<RunInfo>;
  private endedAlready = false;

  constructor(options: LiveRunOptions) {
    this.client = options.client;
    this.writer = options.writer;
    this.post = options.post;
    this.throttleMs = options.throttleMs ?? 100;
    this.stopGraceMs = options.stopGraceMs ?? 5000;
    this.saveEveryMs = options.saveEveryMs ?? 2000;
    this.ended = new Promise((resolve) => (this.endResolve = resolve));
  }

  get name(): string {
    return this.writer.name;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(config: TrainingJobConfig, kernels?: KernelSetup): void {
    const c = this.client;
    c.on('started', (m) => { this.writer.handle(m); this.schedule(); });
    c.on('progress', (m) => { this.writer.handle(m); this.schedule(); });
    c.on('epoch', (m) => { this.writer.handle(m); this.schedule(); });
    c.on('stats', (m) => { this.writer.handle(m); this.schedule(); });
    c.on('done', (m) => {
      this.writer.handle(m);
      void this.end(m.cancelled || this.stopping ? 'stopped' : 'completed');
    });
    c.on('error', (m) => {
      this.writer.handle(m);
      void this.end(this.stopping && m.source === 'terminated' ? 'stopped' : 'failed', m.message);
    });
    this.writer.startAutoFlush(this.saveEveryMs);
    c.start(config, kernels);
  }

  pause(): void {
    if (this.paused || this.stopping || this.endedAlready) return;
    this.paused = true;
    this.client.pause();
    this.writer.setPaused(true);
    this.schedule();
  }

  resume(): void {
    if (!this.paused || this.endedAlready) return;
    this.paused = false;
    this.client.resume();
    this.writer.setPaused(false);
    this.schedule();
  }

  /** Stops at the next step boundary; everything up to there is saved as a 'stopped' run. */
  async stop(): Promise<RunInfo> {
    if (!this.stopping && !this.endedAlready) {
      this.stopping = true;
      this.client.cancel();
      const grace = setTimeout(() => {
        // A step that takes longer than the grace period (a huge batch) is not waited for.
        void this.client.terminate().then(() => this.end('stopped'));
      }, this.stopGraceMs);
      void this.ended.then(() => clearTimeout(grace));
    }
    return this.ended;
  }

  /**
   * Everything so far, for a page that starts afresh (a hidden tab shown again): the next update then
   * carries only what comes after it, so the page never gets a step or frame twice.
   */
  resync(): RunData {
    const w = this.writer;
    const data = w.data();
    this.sent = { steps: w.stepCount(), epochs: data.epochs.length, frames: w.frameCount() };
    this.sentSchema = w.currentSchema();
    return data;
  }

  /** The update that would go out now (everything not yet sent). */
  private takeUpdate(): RunUpdate {
    const w = this.writer;
    const schema = w.currentSchema();
    const update: RunUpdate = {
      name: w.name,
      info: w.currentInfo(),
      ...(schema !== this.sentSchema ? { schema } : {}),
      steps: w.steps(this.sent.steps),
      epochs: w.epochs(this.sent.epochs),
      frames: encodeFrames(w.frames(this.sent.frames), schema),
    };
    this.sent = { steps: w.stepCount(), epochs: this.sent.epochs + update.epochs.length, frames: this.sent.frames + update.frames.index.length / 2 };
    this.sentSchema = schema;
    return update;
  }

  private flushNow(): void {
    this.timer = undefined;
    this.lastPost = performance.now();
    this.post(this.takeUpdate());
  }

  /** At most one update per throttleMs: the first event after a quiet spell goes out at once, the rest are batched. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastPost + this.throttleMs - performance.now());
    this.timer = setTimeout(() => this.flushNow(), wait);
  }

  private async end(status: 'completed' | 'stopped' | 'failed', error?: string): Promise<void> {
    if (this.endedAlready) return;
    this.endedAlready = true;
    if (this.timer) clearTimeout(this.timer);
    let info: RunInfo;
    try {
      info = await this.writer.finish(status, error);
    } catch (e) {
      // The run ended but could not be saved completely: say so in its status rather than losing the reason.
      const message = `the run could not be saved: ${messageOf(e)}`;
      info = { ...this.writer.currentInfo(), status: 'failed', error: error ? `${error}; ${message}` : message };
    }
    this.lastPost = performance.now();
    this.post({ ...this.takeUpdate(), info });
    this.endResolve(info);
  }
}
