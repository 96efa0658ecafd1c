// TensorBoard event files (events.out.tfevents.*): TFRecord frames of Event protos. One file, or a run
// folder whose event files are read in name order (the name holds the creation time).

import type { ModelDescription } from '../model';
import { TensorBoardError } from '../errors';
import { baseName, SiblingRefused, type ModelSource } from '../source';
import { readTfRecords } from './tfrecord';
import { parseEvent, type EventPoints } from './events';

export const EVENT_FILE_NAME = /^events\.out\.tfevents\./;

function readEventFile(name: string, bytes: Uint8Array, out: EventPoints): boolean {
  const fail = (problem: string, where?: string): TensorBoardError => new TensorBoardError(name, problem, where);
  const { records, incomplete } = readTfRecords(bytes, fail);
  for (const r of records) parseEvent(r.data, r.offset, fail, out);
  return incomplete;
}

function description(file: string, variant: string, points: EventPoints, incomplete: boolean, notes: string[]): ModelDescription {
  if (incomplete) notes.push('The last record is only partly written (TensorBoard may still be writing): everything before it was read.');
  return {
    file, format: 'tensorboard', variant, producer: points.fileVersion, producerVersion: null, opset: null, graph: null,
    tensors: [], normLayers: [], notes, scalars: points.scalars, histograms: points.histograms, incomplete,
  };
}

export function readTensorBoard(source: ModelSource): ModelDescription {
  const points: EventPoints = { fileVersion: null, scalars: [], histograms: [] };
  const incomplete = readEventFile(source.name, source.bytes, points);
  return description(source.name, 'tfevents', points, incomplete, []);
}

/** A run folder: what it is called, its file names, and a way to read one of them. */
export interface RunFolder {
  readonly name: string;
  list(): Promise<string[]>;
  read(fileName: string): Promise<Uint8Array | null>;
}

export async function readTensorBoardRun(folder: RunFolder): Promise<ModelDescription> {
  const files = (await folder.list()).filter((n) => EVENT_FILE_NAME.test(baseName(n))).sort();
  if (files.length === 0) throw new TensorBoardError(folder.name, 'no TensorBoard event files (events.out.tfevents.*) in this folder');
  const points: EventPoints = { fileVersion: null, scalars: [], histograms: [] };
  let incomplete = false;
  for (const f of files) {
    let bytes: Uint8Array | null;
    try {
      bytes = await folder.read(f);
    } catch (e) {
      if (e instanceof SiblingRefused) throw new TensorBoardError(folder.name, `event file ${e.message}`);
      throw e;
    }
    if (!bytes) throw new TensorBoardError(folder.name, `event file ${f} disappeared while reading the run`);
    // Only the newest file can still be growing; an older one cut short is reported all the same.
    incomplete = readEventFile(`${folder.name}/${f}`, bytes, points) || incomplete;
  }
  return description(folder.name, 'tfevents-run', points, incomplete, [`A run of ${files.length} event file(s): ${files.join(', ')}.`]);
}
