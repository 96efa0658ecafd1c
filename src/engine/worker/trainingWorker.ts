// worker_threads entry (bundled to dist/worker.js): waits for one 'start', runs the job, honours
// 'cancel', 'pause' and 'resume' at step boundaries, then closes its port so the thread exits.

import { parentPort } from 'node:worker_threads';
import { installKernels } from '../kernels/select';
import { runTrainingJob, type PostMessage } from './job';
import { isHostToWorker } from './messages';

const port = parentPort;
if (!port) throw new Error('trainingWorker must run as a worker thread');

let started = false;
let cancelled = false;
let paused = false;
const post: PostMessage = (message, transfer) => port.postMessage(message, transfer);

port.on('message', (message: unknown) => {
  if (!isHostToWorker(message)) {
    post({ type: 'error', source: 'runtime', message: 'the worker got a message it does not understand' });
    return;
  }
  if (message.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (message.type === 'pause' || message.type === 'resume') {
    paused = message.type === 'pause';
    return;
  }
  if (started) {
    post({ type: 'error', source: 'runtime', message: 'a job is already running in this worker' });
    return;
  }
  started = true;
  const { config, kernels } = message;
  void installKernels(kernels ?? { choice: 'js' })
    .then(
      () => runTrainingJob(config, post, { isCancelled: () => cancelled, isPaused: () => paused }),
      (e: unknown) => post({ type: 'error', source: 'runtime', message: e instanceof Error ? e.message : String(e) }),
    )
    .finally(() => port.close());
});
