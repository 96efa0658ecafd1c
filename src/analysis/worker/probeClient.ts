// Host side of the probe worker: starts it, answers its requests for sibling files, and settles with
// the result or an Error. Cancelling terminates the thread (a probe is one forward pass: nothing is
// lost); a crash of the worker becomes a rejected promise, never an exception in the host.

import { Worker } from 'node:worker_threads';
import type { ProbeResult } from '../probe';
import type { RecalibrationResult } from '../recalibrate';
import type { HostToProbeWorker, ProbeJob, ProbeWorkerToHost, RecalibrationJob } from './probeMessages';
import { messageOf } from '../../shared/errors';

export class ProbeCancelled extends Error {
  constructor() {
    super('Cancelled.');
    this.name = 'ProbeCancelled';
  }
}

export interface WorkerJob<T> {
  readonly result: Promise<T>;
  cancel(): void;
}

type ReadSibling = (path: string) => Promise<Uint8Array | null>;

export function startProbe(workerPath: string, job: ProbeJob, readSibling: ReadSibling): WorkerJob<ProbeResult> {
  return start<ProbeResult>(workerPath, { type: 'probe', job }, readSibling);
}

export function startRecalibration(workerPath: string, job: RecalibrationJob, readSibling: ReadSibling): WorkerJob<RecalibrationResult> {
  return start<RecalibrationResult>(workerPath, { type: 'recalibrate', job }, readSibling);
}

/** Runs one job in a fresh worker; the worker's single result message carries the job's result type. */
function start<T>(workerPath: string, message: HostToProbeWorker, readSibling: ReadSibling): WorkerJob<T> {
  let worker: Worker | undefined;
  let cancel: () => void = () => undefined;
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      void worker?.terminate();
    };
    cancel = () => settle(() => reject(new ProbeCancelled()));
    try {
      worker = new Worker(workerPath);
    } catch (e) {
      settle(() => reject(new Error(`could not start the analysis worker: ${messageOf(e)}`)));
      return;
    }
    const send = (message: HostToProbeWorker): void => worker?.postMessage(message);
    worker.on('message', (message: ProbeWorkerToHost) => {
      switch (message.type) {
        case 'result': settle(() => resolve(message.result as T)); break;
        case 'error': settle(() => reject(new Error(message.message))); break;
        case 'readSibling':
          readSibling(message.path).then(
            (bytes) => send({ type: 'sibling', id: message.id, bytes }),
            (e: unknown) => send({ type: 'sibling', id: message.id, bytes: null, error: messageOf(e) }),
          );
          break;
      }
    });
    worker.on('error', (e) => settle(() => reject(new Error(`the analysis worker crashed: ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the analysis worker exited (code ${code}) before finishing`))));
    send(message);
  });
  return { result, cancel: () => cancel() };
}
