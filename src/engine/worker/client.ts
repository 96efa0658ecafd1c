// Host side of the training worker: starts dist/worker.js (the path is the caller's), forwards typed
// events, and turns anything that goes wrong with the thread (uncaught exception, unexpected exit,
// unreadable message) into an 'error' event instead of an exception in the host.

import { Worker } from 'node:worker_threads';
import type { KernelSetup } from '../kernels/select';
import type { TrainingJobConfig } from './config';
import {
  isWorkerToHost, type DoneMessage, type EpochMessage, type ErrorMessage, type HostToWorker, type ProgressMessage, type StartedMessage, type StatsMessage,
} from './messages';

export interface TrainingClientEvents {
  started: StartedMessage;
  progress: ProgressMessage;
  epoch: EpochMessage;
  stats: StatsMessage;
  done: DoneMessage;
  error: ErrorMessage;
}

type Listener<K extends keyof TrainingClientEvents> = (event: TrainingClientEvents[K]) => void;
type ListenerTable = { [K in keyof TrainingClientEvents]: Set<Listener<K>> };

export class TrainingClient {
  private readonly listeners: ListenerTable = { started: new Set(), progress: new Set(), epoch: new Set(), stats: new Set(), done: new Set(), error: new Set() };
  private worker: Worker | undefined;
  private finished = false;
  private started = false;
  private readonly settled: Promise<DoneMessage | ErrorMessage>;
  private settle: (result: DoneMessage | ErrorMessage) => void = () => undefined;

  /** @param workerPath absolute path of the bundled worker (dist/worker.js). */
  constructor(private readonly workerPath: string) {
    this.settled = new Promise((resolve) => (this.settle = resolve));
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof TrainingClientEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners[event] as Set<Listener<K>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Starts the worker thread without a job, so that start() later skips loading it (~50 ms): the
   * studio prepares its next client while the user is still choosing settings. Calling it again, or
   * start() after it, reuses the same thread.
   */
  prepare(): void {
    if (this.worker || this.finished) return;
    let worker: Worker;
    try {
      worker = new Worker(this.workerPath);
    } catch (e) {
      this.finish({ type: 'error', source: 'crash', message: `could not start the training worker: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    this.worker = worker;
    worker.on('message', (message: unknown) => this.receive(message));
    worker.on('error', (e: Error) => this.finish({ type: 'error', source: 'crash', message: `the training worker crashed: ${e.message}` }));
    worker.on('messageerror', () => this.finish({ type: 'error', source: 'crash', message: 'a message from the training worker could not be read' }));
    worker.on('exit', (code: number) => {
      this.worker = undefined;
      this.finish({ type: 'error', source: 'crash', message: `the training worker exited (code ${code}) before finishing` });
    });
  }

  /** Starts the job (and the worker, unless prepare() did). A client runs one job. */
  start(config: TrainingJobConfig, kernels?: KernelSetup): void {
    if (this.started || this.finished) throw new Error('TrainingClient.start() may be called once');
    this.started = true;
    this.prepare();
    this.send({ type: 'start', config, ...(kernels ? { kernels } : {}) });
  }

  /** Asks the job to stop at the next step boundary (it then reports 'done' with cancelled: true). */
  cancel(): void {
    this.send({ type: 'cancel' });
  }

  /** Holds the job at the next step boundary until resume() (cancel() still stops it). */
  pause(): void {
    this.send({ type: 'pause' });
  }

  resume(): void {
    this.send({ type: 'resume' });
  }

  /** Resolves with the final 'done' or 'error' event. */
  finishedPromise(): Promise<DoneMessage | ErrorMessage> {
    return this.settled;
  }

  /** Stops the worker at once. No event is emitted; finishedPromise() resolves with a 'terminated' error. */
  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!this.finished) {
      this.finished = true;
      this.settle({ type: 'error', source: 'terminated', message: 'the training worker was terminated by the host' });
    }
    if (worker) await worker.terminate();
  }

  private send(message: HostToWorker): void {
    this.worker?.postMessage(message);
  }

  private receive(message: unknown): void {
    if (this.finished) return;
    if (!isWorkerToHost(message)) {
      this.finish({ type: 'error', source: 'crash', message: 'the training worker sent an unknown message' });
      return;
    }
    switch (message.type) {
      case 'started':
        this.emit('started', message);
        break;
      case 'progress':
        this.emit('progress', message);
        break;
      case 'epoch':
        this.emit('epoch', message);
        break;
      case 'stats':
        this.emit('stats', message);
        break;
      case 'done':
      case 'error':
        this.finish(message);
        break;
    }
  }

  private finish(result: DoneMessage | ErrorMessage): void {
    if (this.finished) return;
    this.finished = true;
    if (result.type === 'done') this.emit('done', result);
    else this.emit('error', result);
    this.settle(result);
    // The worker exits by itself after 'done'; after an error it may be wedged, so end it.
    if (result.type === 'error') void this.worker?.terminate();
  }

  private emit<K extends keyof TrainingClientEvents>(event: K, payload: TrainingClientEvents[K]): void {
    for (const listener of this.listeners[event] as Set<Listener<K>>) {
      try {
        listener(payload);
      } catch (e) {
        // A failing listener must neither stop the others nor escape into the host's event loop.
        console.error(`TrainingClient: a "${event}" listener threw`, e);
      }
    }
  }
}
