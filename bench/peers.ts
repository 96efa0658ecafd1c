// Peer runtimes for the engine benchmarks: TensorFlow.js (cpu and wasm backends) and ONNX Runtime
// (models built in memory with onnx-proto, so no model file is needed).

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';

export type TfBackend = 'cpu' | 'wasm';

export async function useTfBackend(backend: TfBackend): Promise<typeof tf> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available`);
  await tf.ready();
  return tf;
}

export function gflops(flops: number, ms: number): string {
  return (flops / ms / 1e6).toFixed(2);
}

export interface OrtNode {
  opType: string;
  inputs: string[];
  attributes?: onnx.IAttributeProto[];
}

/** A one-node ONNX model: `input` (float32, inputDims) → node(input, ...initializers) → "Y". */
export async function ortSingleNodeSession(
  node: OrtNode,
  input: { name: string; dims: number[] },
  initializers: { name: string; dims: number[]; data: Float32Array }[],
  threads = 2,
): Promise<ort.InferenceSession> {
  const tensorType = (dims: number[]): onnx.ITypeProto => ({
    tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'bench',
      node: [{ opType: node.opType, input: node.inputs, output: ['Y'], attribute: node.attributes ?? [] }],
      input: [{ name: input.name, type: tensorType(input.dims) }],
      output: [{ name: 'Y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } }],
      initializer: initializers.map((t) => ({
        name: t.name, dims: t.dims, dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      })),
    },
  });
  return ortSession(onnx.ModelProto.encode(model).finish(), threads);
}

/**
 * An ONNX Runtime session on `threads` intra-op threads, every graph optimization on, its threads not
 * spinning once a run is done: by default they spin on for tens of milliseconds (37 ms of CPU in the
 * 200 ms after a ResNet run, measured), which lands on whatever is timed next in an alternating round.
 * ONNX Runtime's own times are the same either way (ResNet-50 b8, 2 threads: 305 vs 309 ms).
 */
export function ortSession(bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

/** NCHW values (`batch` images of `channels` planes of `plane` values) in NHWC order, TF.js' native layout. */
export function nchwToNhwc(data: ArrayLike<number>, batch: number, channels: number, plane: number): Float32Array {
  const out = new Float32Array(batch * channels * plane);
  for (let n = 0; n < batch; n++) for (let c = 0; c < channels; c++) for (let p = 0; p < plane; p++) {
    out[(n * plane + p) * channels + c] = data[(n * channels + c) * plane + p];
  }
  return out;
}

export async function ortRun(session: ort.InferenceSession, name: string, data: Float32Array, dims: number[]): Promise<void> {
  const out = await session.run({ [name]: new ort.Tensor('float32', data, dims) });
  if (!out.Y) throw new Error('ONNX Runtime returned no output');
}

export function randomFloats(length: number, seed: number): Float32Array {
  // A small LCG is enough for benchmark inputs.
  let s = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}
