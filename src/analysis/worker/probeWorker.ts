// worker_threads entry (bundled to dist/probeWorker.js): reads the model, runs the probe, posts the
// result. A failure is posted as a message; cancelling is the host terminating the thread.

import { parentPort } from 'node:worker_threads';
import { readModel } from '../../formats/read';
import { inputBatches, inputTensor } from '../inputs/batch';
import { DEFAULT_PREPROCESSING } from '../inputs/preprocess';
import { installKernels, type KernelSetup, type KernelStatus } from '../../engine/kernels/select';
import { probeModel } from '../probe';
import { recalibrate } from '../recalibrate';
import type { HostToProbeWorker, ProbeJob, ProbeWorkerToHost, RecalibrationJob } from './probeMessages';
import { messageOf } from '../../shared/errors';

const port = parentPort;
if (!port) throw new Error('probeWorker must run as a worker thread');

const post = (message: ProbeWorkerToHost): void => port.postMessage(message);
const pendingSiblings = new Map<number, (reply: Extract<HostToProbeWorker, { type: 'sibling' }>) => void>();
let nextId = 0;

function readSibling(path: string): Promise<Uint8Array | null> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pendingSiblings.set(id, (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply.bytes)));
    post({ type: 'readSibling', id, path });
  });
}

/** The kernels a job asks for; a job that asks for nothing runs on the JavaScript kernels. */
function useKernels(setup: KernelSetup | undefined): Promise<KernelStatus> {
  return installKernels(setup ?? { choice: 'js' });
}

async function probe(job: ProbeJob): Promise<void> {
  const kernels = await useKernels(job.kernels);
  const description = await readModel({ name: job.file, bytes: job.bytes, readSibling });
  const result = probeModel(description, {
    batchSize: job.batchSize, seed: job.seed, bins: job.bins,
    ...(job.input ? { input: inputTensor(description, job.input, job.preprocessing ?? DEFAULT_PREPROCESSING) } : {}),
  });
  post({ type: 'result', result: { ...result, kernels } });
}

async function recalibrateJob(job: RecalibrationJob): Promise<void> {
  await useKernels(job.kernels);
  const description = await readModel({ name: job.file, bytes: job.bytes, readSibling });
  post({ type: 'result', result: recalibrate(description, inputBatches(description, job.input, job.preprocessing ?? DEFAULT_PREPROCESSING, job.batchSize)) });
}

function run(work: Promise<void>): void {
  work.catch((error: unknown) => post({ type: 'error', message: messageOf(error) }));
}

port.on('message', (message: HostToProbeWorker) => {
  switch (message.type) {
    case 'probe': run(probe(message.job)); break;
    case 'recalibrate': run(recalibrateJob(message.job)); break;
    case 'sibling': pendingSiblings.get(message.id)?.(message); break;
  }
});
