// Helper threads for the WebAssembly kernels. Each helper instantiates the same module over the same
// shared memory, so a job is just an export's name and its arguments (numbers: pointers and sizes).
// Layer calls stay synchronous, as in norm/parallel.ts: the caller posts each helper its job (read with
// receiveMessageOnPort), wakes it through Atomics, runs its own part, then blocks in Atomics.wait until
// the helpers are done (allowed on Node's main thread and in workers, where the engine runs).

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { KernelFunction } from './runtime';

/** A helper that has not finished its part by then is taken for dead. */
const HELPER_TIMEOUT_MS = 120_000;

export interface KernelJob {
  readonly fn: KernelFunction;
  readonly args: readonly number[];
}

interface Helper {
  worker: Worker;
  port: MessagePort;
  /** [0]: jobs posted, [1]: jobs finished. */
  control: Int32Array;
}

// The helper's whole program: no file to bundle or find at run time.
const HELPER_SOURCE = `
const { workerData, receiveMessageOnPort, parentPort } = require('node:worker_threads');
const { module, memory, control, port } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  seen = Atomics.load(control, 0);
  const job = receiveMessageOnPort(port).message;
  if (job === null) break;
  let error;
  try {
    kernels[job.fn](...job.args);
  } catch (e) {
    error = String((e && e.stack) || e);
  }
  port.postMessage({ error });
  Atomics.store(control, 1, seen);
  Atomics.notify(control, 1);
}`;

export class WasmThreadPool {
  private closed = false;

  private constructor(private readonly helpers: Helper[]) {}

  /** Threads in all: the caller's plus the helpers. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /** Starts the helpers and waits until each one runs (so a broken worker fails here, not in a layer call). */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, helpers: number): Promise<WasmThreadPool> {
    if (!(Number.isInteger(helpers) && helpers >= 1)) throw new RangeError(`helpers must be a positive integer, got ${helpers}`);
    const started = await Promise.all(Array.from({ length: helpers }, async (): Promise<Helper> => {
      const control = new Int32Array(new SharedArrayBuffer(8));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control, port: port2 }, transferList: [port2] });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      worker.unref();
      return { worker, port: port1, control };
    }));
    return new WasmThreadPool(started);
  }

  /** Runs `local` here while helper i runs jobs[i]; returns when all are done. At most `threads − 1` jobs. */
  run(local: () => void, jobs: readonly KernelJob[]): void {
    if (this.closed) throw new Error('the kernel thread pool is closed');
    if (jobs.length > this.helpers.length) throw new RangeError(`${jobs.length} jobs for ${this.helpers.length} helper threads`);
    const posted = jobs.map((job, i) => {
      const h = this.helpers[i];
      h.port.postMessage(job);
      const n = Atomics.add(h.control, 0, 1) + 1;
      Atomics.notify(h.control, 0);
      return n;
    });
    let localError: unknown;
    try {
      local();
    } catch (e) {
      localError = e;
    }
    // Every helper is waited for even when the local part failed: their memory is about to be reused.
    const failures: string[] = [];
    jobs.forEach((job, i) => {
      const h = this.helpers[i];
      const deadline = Date.now() + HELPER_TIMEOUT_MS;
      for (let done = Atomics.load(h.control, 1); done !== posted[i]; done = Atomics.load(h.control, 1)) {
        if (Date.now() > deadline) throw new Error(`kernel helper thread did not finish ${job.fn} within ${HELPER_TIMEOUT_MS / 1000} s`);
        Atomics.wait(h.control, 1, done, 1000);
      }
      const reply = receiveMessageOnPort(h.port)?.message as { error?: string } | undefined;
      if (!reply || reply.error) failures.push(`${job.fn}: ${reply?.error ?? 'no reply'}`);
    });
    if (localError) throw localError;
    if (failures.length) throw new Error(`kernel helper thread failed: ${failures.join('; ')}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.helpers) {
      // Referenced again until it exits: an unreferenced worker's exit would not keep the awaiting caller alive.
      h.worker.ref();
      h.port.postMessage(null);
      Atomics.add(h.control, 0, 1);
      Atomics.notify(h.control, 0);
    }
    await Promise.all(this.helpers.map((h) => new Promise((resolve) => h.worker.once('exit', resolve))));
  }
}
