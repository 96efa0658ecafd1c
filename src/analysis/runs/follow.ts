// Follows a TensorBoard run folder while its training (PyTorch's SummaryWriter, tf.summary) is still
// writing: each time a file is read again, only the records past what was already parsed are decoded.
// A last record that is only partly written is left for the next read (it is a writer at work, not
// damage); a bad checksum in a complete record is reported, naming the file. New files simply appear.

import { TensorBoardError } from '../../formats/errors';
import type { HistogramPoint, ScalarPoint } from '../../formats/model';
import { parseEvent, type EventPoints } from '../../formats/tensorboard/events';
import { readTfRecords } from '../../formats/tensorboard/tfrecord';
import { summarizeLogs, type LogSummary } from '../logs';

interface FileState {
  /** Bytes parsed so far (whole records). */
  consumed: number;
  /** Bytes the file had when last read, to notice a rewritten (shorter) file. */
  size: number;
  points: EventPoints;
  incomplete: boolean;
  /** Put before every tag of the file: the run subfolder of a log folder holding several runs ("run1/"). */
  prefix: string;
}

export class TensorBoardFollower {
  private readonly files = new Map<string, FileState>();

  /** @param name how the folder is called in messages (workspace-relative path). */
  constructor(private readonly name: string) {}

  /** Names of the files seen so far, sorted. */
  fileNames(): string[] {
    return [...this.files.keys()].sort();
  }

  /** Whether `size` bytes of `file` would add nothing (the caller can skip reading it). */
  unchanged(file: string, size: number): boolean {
    const state = this.files.get(file);
    return state !== undefined && state.size === size;
  }

  /**
   * Takes the current bytes of an event file; returns how many scalars and histograms were added.
   * Throws TensorBoardError (naming the file) for a damaged complete record.
   */
  update(file: string, bytes: Uint8Array, prefix = ''): number {
    let state = this.files.get(file);
    if (!state || bytes.length < state.size) {
      // New, or rewritten from the start (a shorter file): read it from the beginning.
      state = { consumed: 0, size: 0, points: { fileVersion: null, scalars: [], histograms: [] }, incomplete: false, prefix };
      this.files.set(file, state);
    }
    state.size = bytes.length;
    const where = `${this.name}/${file}`;
    const fail = (problem: string, at?: string): TensorBoardError => new TensorBoardError(where, problem, at);
    const fresh = bytes.subarray(state.consumed);
    const { records, incomplete } = readTfRecords(fresh, fail);
    const before = state.points.scalars.length + state.points.histograms.length;
    for (const r of records) parseEvent(r.data, state.consumed + r.offset, fail, state.points);
    const last = records[records.length - 1];
    if (last) state.consumed += last.offset + last.data.length + 4;
    state.incomplete = incomplete;
    return state.points.scalars.length + state.points.histograms.length - before;
  }

  /** Forgets a file that was deleted. */
  remove(file: string): void {
    this.files.delete(file);
  }

  /** Everything read so far, grouped by tag (files in name order, as TensorBoard reads a run). */
  summary(): LogSummary {
    return summarizeLogs(this.points()) as LogSummary;
  }

  /** Everything read so far as points, each tag behind its file's run prefix (files in name order). */
  points(): { scalars: ScalarPoint[]; histograms: HistogramPoint[]; incomplete: boolean } {
    const scalars: ScalarPoint[] = [];
    const histograms: HistogramPoint[] = [];
    let incomplete = false;
    for (const f of this.fileNames()) {
      const s = this.files.get(f) as FileState;
      // One by one: a long run has hundreds of thousands of points, too many for push(...) (the arguments overflow the stack).
      for (const p of s.points.scalars) scalars.push(s.prefix ? { ...p, tag: s.prefix + p.tag } : p);
      for (const p of s.points.histograms) histograms.push(s.prefix ? { ...p, tag: s.prefix + p.tag } : p);
      incomplete ||= s.incomplete;
    }
    return { scalars, histograms, incomplete };
  }
}
