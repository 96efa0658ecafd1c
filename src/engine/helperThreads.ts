// Helper worker threads that take part in a synchronous call: the caller posts each helper its job (a
// MessagePort message, read with receiveMessageOnPort), wakes it through Atomics, does its own part,
// then blocks in Atomics.wait until the helpers are done (allowed on Node's main thread and in workers,
// which is where the engine runs). Shared by the normalization kernels (norm/parallel.ts) and the
// WebAssembly kernels (kernels/wasm/pool.ts), which differ only in what a helper does with a job.
// A helper's program is source text evaluated by the Worker: there is no worker file to bundle.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** What a helper runs: `setup` once (it sees `workerData`), then `handle` (a function expression) for every job. */
export interface HelperProgram {
  readonly setup: string;
  /** (job) => reply: the reply is posted back; a throw is posted as { error }. */
  readonly handle: string;
}

interface Helper {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [0]: jobs posted, [1]: jobs finished. */
  readonly control: Int32Array;
  /** The number of the job last posted. */
  posted: number;
}

function source(program: HelperProgram): string {
  return `
const { workerData, receiveMessageOnPort, parentPort } = require('node:worker_threads');
const { control, port } = workerData;
${program.setup}
const handle = ${program.handle};
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  seen = Atomics.load(control, 0);
  const job = receiveMessageOnPort(port).message;
  if (job === null) break;
  let reply;
  try {
    reply = handle(job);
  } catch (e) {
    reply = { error: String((e && e.stack) || e) };
  }
  port.postMessage(reply);
  Atomics.store(control, 1, seen);
  Atomics.notify(control, 1);
}`;
}

export class HelperThreads<Job, Reply extends { readonly error?: string }> {
  private closed = false;

  private constructor(private readonly helpers: Helper[], private readonly name: string, private readonly timeoutMs: number) {}

  /**
   * Starts `count` helpers and waits until each one runs (so a broken worker fails here, not in a layer
   * call). `name` says whose helpers they are in messages; a helper that has not answered a job within
   * `timeoutMs` is taken for dead. `workerData` is handed to the program besides the control channel.
   */
  static async start<Job, Reply extends { readonly error?: string }>(
    count: number, program: HelperProgram, options: { readonly name: string; readonly timeoutMs: number; readonly workerData?: Record<string, unknown> },
  ): Promise<HelperThreads<Job, Reply>> {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`helpers must be a positive integer, got ${count}`);
    const text = source(program);
    const helpers = await Promise.all(Array.from({ length: count }, async (): Promise<Helper> => {
      const control = new Int32Array(new SharedArrayBuffer(8));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(text, { eval: true, workerData: { ...options.workerData, control, port: port2 }, transferList: [port2] });
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      // Asleep in Atomics.wait between calls: they must not keep the process alive.
      worker.unref();
      return { worker, port: port1, control, posted: 0 };
    }));
    return new HelperThreads<Job, Reply>(helpers, options.name, options.timeoutMs);
  }

  get count(): number {
    return this.helpers.length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Hands helper i a job and wakes it. */
  post(i: number, job: Job): void {
    if (this.closed) throw new Error(`the ${this.name} helper threads are closed`);
    const h = this.helpers[i];
    h.port.postMessage(job);
    h.posted = Atomics.add(h.control, 0, 1) + 1;
    Atomics.notify(h.control, 0);
  }

  /** Blocks until helper i has finished the job last posted to it (`what`, for the message if it never does); its reply. */
  wait(i: number, what: string): Reply {
    const h = this.helpers[i];
    const deadline = Date.now() + this.timeoutMs;
    for (let done = Atomics.load(h.control, 1); done !== h.posted; done = Atomics.load(h.control, 1)) {
      if (Date.now() > deadline) throw new Error(`${this.name} helper thread did not finish ${what} within ${this.timeoutMs / 1000} s`);
      Atomics.wait(h.control, 1, done, 1000);
    }
    const reply = receiveMessageOnPort(h.port)?.message as Reply | undefined;
    return reply ?? ({ error: 'no reply' } as Reply);
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
