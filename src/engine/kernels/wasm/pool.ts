// Helper threads for the WebAssembly kernels (src/engine/helperThreads.ts). Each helper instantiates the
// same module over the same shared memory, so a job is just an export's name and its arguments
// (numbers: pointers and sizes).

import { HelperThreads } from '../../helperThreads';
import type { KernelFunction } from './runtime';

/** A helper that has not finished its part by then is taken for dead. */
const HELPER_TIMEOUT_MS = 120_000;

export interface KernelJob {
  readonly fn: KernelFunction;
  readonly args: readonly number[];
}

/** A helper instantiates the module over the shared memory once; a job calls one export. */
const PROGRAM = {
  setup: 'const kernels = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;',
  handle: '(job) => { kernels[job.fn](...job.args); return {}; }',
};

export class WasmThreadPool {
  private constructor(private readonly helpers: HelperThreads<KernelJob, { readonly error?: string }>) {}

  /** Threads in all: the caller's plus the helpers. */
  get threads(): number {
    return this.helpers.count + 1;
  }

  /** Starts the helpers and waits until each one runs (so a broken worker fails here, not in a layer call). */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, helpers: number): Promise<WasmThreadPool> {
    return new WasmThreadPool(await HelperThreads.start(helpers, PROGRAM, { name: 'kernel', timeoutMs: HELPER_TIMEOUT_MS, workerData: { module, memory } }));
  }

  /** Runs `local` here while helper i runs jobs[i]; returns when all are done. At most `threads − 1` jobs. */
  run(local: () => void, jobs: readonly KernelJob[]): void {
    if (this.helpers.isClosed) throw new Error('the kernel thread pool is closed');
    if (jobs.length > this.helpers.count) throw new RangeError(`${jobs.length} jobs for ${this.helpers.count} helper threads`);
    jobs.forEach((job, i) => this.helpers.post(i, job));
    let localError: unknown;
    try {
      local();
    } catch (e) {
      localError = e;
    }
    // Every helper is waited for even when the local part failed: their memory is about to be reused.
    const failures: string[] = [];
    jobs.forEach((job, i) => {
      const reply = this.helpers.wait(i, job.fn);
      if (reply.error) failures.push(`${job.fn}: ${reply.error}`);
    });
    if (localError) throw localError;
    if (failures.length) throw new Error(`kernel helper thread failed: ${failures.join('; ')}`);
  }

  close(): Promise<void> {
    return this.helpers.close();
  }
}
