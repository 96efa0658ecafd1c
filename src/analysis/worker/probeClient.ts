// Host side of the probe worker: starts it, answers its requests for sibling files, and settles with
// the result or an Error. Cancelling terminates the thread (a probe is one forward pass: nothing is
// lost); a crash of the worker becomes a rejected promise, never an exception in the host.

import { Worker } from 'node:worker_threads';
import type { ProbeResult } from '../probe';
import type { HostToProbeWorker, ProbeJob, ProbeWorkerToHost } from './probeMessages';

export class ProbeCancelled extends Error {
  constructor() {
    super('The probe was cancelled.');
    this.name = 'ProbeCancelled';
  }
}

export interface ProbeRun {
  readonly result: Promise<ProbeResult>;
  cancel(): void;
}

export function startProbe(workerPath: string, job: ProbeJob, readSibling: (path: string) => Promise<Uint8Array | null>): ProbeRun {
  let worker: Worker | undefined;
  let cancel: () => void = () => undefined;
  const result = new Promise<ProbeResult>((resolve, reject) => {
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
      settle(() => reject(new Error(`could not start the probe worker: ${e instanceof Error ? e.message : String(e)}`)));
      return;
    }
    const send = (message: HostToProbeWorker): void => worker?.postMessage(message);
    worker.on('message', (message: ProbeWorkerToHost) => {
      switch (message.type) {
        case 'result': settle(() => resolve(message.result)); break;
        case 'error': settle(() => reject(new Error(message.message))); break;
        case 'readSibling':
          readSibling(message.path).then(
            (bytes) => send({ type: 'sibling', id: message.id, bytes }),
            (e: unknown) => send({ type: 'sibling', id: message.id, bytes: null, error: e instanceof Error ? e.message : String(e) }),
          );
          break;
      }
    });
    worker.on('error', (e) => settle(() => reject(new Error(`the probe worker crashed: ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the probe worker exited (code ${code}) before finishing`))));
    send({ type: 'probe', job });
  });
  return { result, cancel: () => cancel() };
}
