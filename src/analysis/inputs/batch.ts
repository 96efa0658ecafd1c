// Gathered data (gather.ts) to the model's input batch: decoded in the worker or the CLI, never in the
// extension host. The probe takes everything as one batch; recalibration takes batches one at a time, so a
// folder of images is decoded a batch at a time rather than all at once.

import { Tensor } from '../../engine/tensor';
import type { ModelDescription } from '../../formats/model';
import { looksLikeNpy, readNpy, readNpz } from '../../formats/npy';
import { readTensorProto } from '../../formats/onnx/tensor';
import { csvToTensor, parseCsv } from './csv';
import type { InputData } from './gather';
import { decodeImage } from './images';
import { InputError } from './inputError';
import { isImagenetPreset } from '../../shared/imagenet';
import { imageInputOf, imagesToTensor, type Preprocessing } from './preprocess';
import { splitBatches } from '../recalibrate';

type ImageFiles = Extract<InputData, { kind: 'images' }>['files'];

function imageBatch(description: ModelDescription, files: ImageFiles, pre: Preprocessing): Tensor {
  const input = imageInputOf(description, pre);
  return imagesToTensor(files.map((f) => ({ name: f.name, image: decodeImage(f.name, f.bytes) })), input, pre);
}

/** An .npy, or the first array of an .npz, as float32 (the engine's dtype). */
function arrayTensor(file: string, bytes: Uint8Array): Tensor {
  const array = looksLikeNpy(bytes) ? readNpy(file, bytes) : readNpz(file, bytes).values().next().value;
  if (!array) throw new InputError(file, 'the .npz archive holds no array');
  return new Tensor(Float32Array.from(array.data), array.shape);
}

function tensorProtoTensor(file: string, bytes: Uint8Array): Tensor {
  const info = readTensorProto(file, bytes);
  if (info.shape.length === 0) throw new InputError(file, 'the TensorProto is a scalar, not a batch');
  return new Tensor(Float32Array.from(info.values()), info.shape);
}

/** All of the data as one batch. */
export function inputTensor(description: ModelDescription, data: InputData, pre: Preprocessing): Tensor {
  switch (data.kind) {
    case 'arrays': return arrayTensor(data.file, data.bytes);
    case 'tensorProto': return tensorProtoTensor(data.file, data.bytes);
    case 'csv': return csvToTensor(data.file, parseCsv(data.file, data.bytes), description.graph?.inputs?.[0]?.shape);
    case 'images': return imageBatch(description, data.files, pre);
  }
}

/** The data in batches of `batchSize`; images are decoded one batch at a time. */
export function* inputBatches(description: ModelDescription, data: InputData, pre: Preprocessing, batchSize: number): Generator<Tensor> {
  if (data.kind !== 'images') {
    yield* splitBatches(inputTensor(description, data, pre), batchSize);
    return;
  }
  for (let start = 0; start < data.files.length; start += batchSize) {
    const files = data.files.slice(start, start + batchSize);
    if (files.length < 2) break;
    yield imageBatch(description, files, pre);
  }
}

const list = (values: readonly number[]): string => values.map((v) => String(Number(v.toPrecision(4)))).join(', ');

/** The preprocessing in words, e.g. "resize 256, centre crop, [0, 1], ImageNet mean/std, NCHW". */
export function describePreprocessing(pre: Preprocessing, layout?: string): string {
  const imagenet = isImagenetPreset(pre.mean, pre.std, pre.scale);
  return [
    pre.resize === null ? 'resize to the input size' : `resize ${pre.resize}`,
    'centre crop',
    `[0, ${pre.scale}]`,
    imagenet ? 'ImageNet mean/std' : pre.mean && pre.std ? `mean ${list(pre.mean)}, std ${list(pre.std)}` : 'no mean/std',
    layout ?? (pre.layout === 'auto' ? 'layout from the model' : pre.layout),
  ].join(', ');
}

/** What the batch was, in words, for the views and the CLI. */
export function describeInput(data: InputData, pre: Preprocessing): string {
  if (data.kind !== 'images') return data.file;
  const count = `${data.files.length} image${data.files.length === 1 ? '' : 's'}`;
  const what = data.source === data.files[0]?.name && data.files.length === 1 ? data.source : `${count} from ${data.source}`;
  return `${what} (${describePreprocessing(pre)})${data.note ? `; ${data.note}` : ''}`;
}
