// worker_threads entry (bundled to dist/probeWorker.js): reads the model, runs the probe, posts the
// result. A failure is posted as a message; cancelling is the host terminating the thread.

import { parentPort } from 'node:worker_threads';
import { readModel } from '../../formats/read';
import { readNpy, readNpz, looksLikeNpy, type NpyArray } from '../../formats/npy';
import { Tensor } from '../../engine/tensor';
import { probeModel } from '../probe';
import type { HostToProbeWorker, ProbeJob, ProbeWorkerToHost } from './probeMessages';

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

/** The batch from a .npy, or from the first array of an .npz, as float32 (the engine's imported models are float32). */
function inputTensor(input: NonNullable<ProbeJob['input']>): Tensor {
  let array: NpyArray | undefined;
  if (looksLikeNpy(input.bytes)) array = readNpy(input.file, input.bytes);
  else array = readNpz(input.file, input.bytes).values().next().value;
  if (!array) throw new Error(`${input.file}: the archive holds no array`);
  return new Tensor(Float32Array.from(array.data), array.shape);
}

async function run(job: ProbeJob): Promise<void> {
  try {
    const description = await readModel({ name: job.file, bytes: job.bytes, readSibling });
    const result = probeModel(description, {
      batchSize: job.batchSize, seed: job.seed, bins: job.bins,
      ...(job.input ? { input: inputTensor(job.input) } : {}),
    });
    post({ type: 'result', result });
  } catch (error) {
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', (message: HostToProbeWorker) => {
  if (message.type === 'probe') void run(message.job);
  else pendingSiblings.get(message.id)?.(message);
});
