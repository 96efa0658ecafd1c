// The keras.applications corpus (test/fixtures/keras-real, made by make_keras_real.py) goes through
// the engine's forward pass as in `bnlens forward --out`: the model output and every normalization
// layer's input and output match what Keras computed, within 1e-4 of each tensor's scale, from the
// .keras file, the legacy .h5, and the TF.js layers model in float32 and uint8 (against Keras on the
// dequantized weights, which is what TF.js computes with).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forwardPass } from '../../../../src/analysis/forward';
import { Tensor } from '../../../../src/engine/tensor';
import { readNpz, type NpyArray } from '../../../../src/formats/npy';
import { readModel } from '../../../../src/formats/read';
import { fileSource, relativeError } from './helpers';
import { loadTfjsLayersModel, predict } from './tfjsLoad';

const DIR = path.join(__dirname, '../../../fixtures/keras-real');
const corpus = JSON.parse(readFileSync(path.join(DIR, 'corpus.json'), 'utf8')) as { models: Record<string, { norm_layers: number }> };

const FORMATS = [
  ['.keras', (m: string) => `${m}.keras`, ''],
  ['.h5', (m: string) => `${m}.h5`, ''],
  ['TF.js float32', (m: string) => `tfjs/${m}/model.json`, ''],
  ['TF.js uint8', (m: string) => `tfjs_uint8/${m}/model.json`, 'q_'],
] as const;

const cases = Object.keys(corpus.models).flatMap((model) => FORMATS.map(([format, file, prefix]) => [model, format, file(model), prefix] as const));

describe('the forward pass of keras.applications models matches Keras', () => {
  const io = new Map<string, Map<string, NpyArray>>();
  const reference = (model: string): Map<string, NpyArray> => {
    if (!io.has(model)) io.set(model, readNpz(`${model}_io.npz`, new Uint8Array(readFileSync(path.join(DIR, `${model}_io.npz`)))));
    return io.get(model)!;
  };

  it.each(cases)('%s (%s): output and every normalization layer within 1e-4', async (model, _format, file, prefix) => {
    const ref = reference(model);
    const x = ref.get('input')!;
    const description = await readModel(fileSource(path.join(DIR, file)));
    const result = forwardPass(description, new Map([['input', Tensor.fromArray(x.data, x.shape)]]), 'eval');
    expect(relativeError(result.output.data, ref.get(`${prefix}out`)!.data)).toBeLessThan(1e-4);
    expect(result.layers).toHaveLength(corpus.models[model].norm_layers);
    for (const layer of result.layers) {
      const name = layer.name.slice(layer.name.lastIndexOf('/') + 1);
      const input = ref.get(`${prefix}in/${name}`);
      const output = ref.get(`${prefix}out/${name}`);
      expect(input, `${name} in the reference`).toBeDefined();
      expect(relativeError(layer.input.data, input!.data), `${name} input`).toBeLessThan(1e-4);
      expect(relativeError(layer.output.data, output!.data), `${name} output`).toBeLessThan(1e-4);
    }
  });
});

// EfficientNet (Normalization) and ConvNeXt (LayerScale) use layer classes TF.js does not have.
const TFJS_LOADABLE = ['resnet50', 'mobilenetv2', 'densenet121', 'nasnetmobile'];

describe('the TF.js files are what TF.js reads: @tensorflow/tfjs computes the Keras references from them', () => {
  it.each(TFJS_LOADABLE.flatMap((m) => [[m, 'tfjs', 'out'], [m, 'tfjs_uint8', 'q_out']]))('%s (%s)', async (model, folder, key) => {
    const ref = readNpz(`${model}_io.npz`, new Uint8Array(readFileSync(path.join(DIR, `${model}_io.npz`))));
    const x = ref.get('input')!;
    const tfjs = predict(await loadTfjsLayersModel(path.join(DIR, folder, model, 'model.json')), x.data, x.shape);
    expect(relativeError(tfjs, ref.get(key)!.data)).toBeLessThan(1e-4);
  });
});
