// TF.js itself loading a layers-model folder (model.json + shards), to check that the fixtures our
// generator writes in the converter's layout are what TF.js reads, and to compute with it.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export async function loadTfjsLayersModel(modelJson: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(modelJson, 'utf8')) as ModelJson;
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(path.dirname(modelJson), p))));
  const bytes = Buffer.concat(shards);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  });
}

/** The model's output on a channels-last batch. */
export function predict(model: tf.LayersModel, data: ArrayLike<number>, shape: readonly number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(Array.from(data), [...shape])) as tf.Tensor).dataSync() as Float32Array);
}
