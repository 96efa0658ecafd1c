// A one-click experiment as a queue of runs: the form varied in one thing (presets.ts), each variant's
// run started when the one before it ends, until all are done or the user stops. No VS Code here: the
// studio starts the runs and posts the progress this keeps.

import type { ExperimentId, StudioForm } from '../../shared/runs/studioForm';
import { EXPERIMENTS } from '../../shared/runs/studioForm';
import type { ExperimentProgress, RunInfo } from '../../shared/runs/types';
import { experimentVariants, FormError, runName } from './presets';

export class ExperimentQueue {
  private state: ExperimentProgress;
  private readonly forms: readonly StudioForm[];

  /** Plans the experiment `id` on the `base` form; run names are planned a second apart from `now`. */
  constructor(id: ExperimentId, base: StudioForm, now: Date) {
    const preset = EXPERIMENTS.find((e) => e.id === id);
    if (!preset) throw new FormError(`unknown experiment "${id}"`);
    const variants = experimentVariants(id, base);
    this.forms = variants.map((v) => v.form);
    this.state = {
      id, title: preset.title, claim: preset.claim, current: 0, cancelled: false,
      runs: variants.map((v, i) => ({ name: runName(new Date(now.getTime() + i * 1000), `${id}-${v.variant}`), variant: v.variant })),
    };
  }

  get progress(): ExperimentProgress {
    return this.state;
  }

  /** The planned run names, in order. */
  names(): string[] {
    return this.state.runs.map((r) => r.name);
  }

  /** The run to start now: its form and what the run records about the experiment; null when none is left. */
  next(): { form: StudioForm; experiment: NonNullable<RunInfo['experiment']> } | null {
    const { current, runs, id, title, cancelled } = this.state;
    if (cancelled || current >= runs.length) return null;
    return { form: this.forms[current], experiment: { id, title, variant: runs[current].variant } };
  }

  /** The current run started under this name (the planned one may have been taken). */
  started(name: string): void {
    const { current } = this.state;
    this.state = { ...this.state, runs: this.state.runs.map((r, i) => (i === current ? { ...r, name } : r)) };
  }

  /** A run ended; true if it was this experiment's current run (the queue then moves on). */
  finished(name: string): boolean {
    if (this.state.runs[this.state.current]?.name !== name) return false;
    this.state = { ...this.state, current: this.state.current + 1 };
    return true;
  }

  /** No more runs: the user stopped, or a run could not start. */
  cancel(): void {
    this.state = { ...this.state, cancelled: true };
  }

  /** All runs done, or cancelled. */
  get over(): boolean {
    return this.state.cancelled || this.state.current >= this.state.runs.length;
  }
}
