import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { KerasError } from '../../../src/formats/errors';
import type { ModelDescription, NormLayer } from '../../../src/formats/model';
import { OWN, FRAMEWORKS, f32, fuzz, memorySource, readNpz, sourceOf, values } from './helpers';

const KERAS_CONVBN = join(FRAMEWORKS, 'models', 'keras-convbn');
const OWN_KERAS = join(OWN, 'keras');
const manifest = JSON.parse(readFileSync(join(KERAS_CONVBN, 'manifest.json'), 'utf8')) as {
  bn_layers: Record<string, { channels: number; momentum: number; epsilon: number; center: boolean; scale: boolean; weights: string[] }>;
};
const expected = JSON.parse(readFileSync(join(OWN_KERAS, 'expected.json'), 'utf8')) as { keras2: Record<string, Record<string, number[]>> };

const read = (path: string): Promise<ModelDescription> => readModel(sourceOf(path));

function params(l: NormLayer): (number[] | null)[] {
  return [l.gamma, l.beta, l.runningMean, l.runningVar].map((t) => (t ? [...t.values()] : null));
}

describe('Keras fixtures written by Keras 3.15', () => {
  const files = ['keras_convbn.keras', 'keras_convbn_legacy.h5', 'keras_convbn.weights.h5'];

  it.each(files)('%s has bn1, bn2, bn3_nocenter as the manifest says', async (name) => {
    const model = await read(join(KERAS_CONVBN, name));
    expect(model.format).toBe('keras');
    expect(model.normLayers.map((l) => l.name)).toEqual(Object.keys(manifest.bn_layers));
    const withConfig = name !== 'keras_convbn.weights.h5';
    for (const layer of model.normLayers) {
      const want = manifest.bn_layers[layer.name];
      expect(layer).toMatchObject({ kind: 'BatchNorm', channels: want.channels, center: want.center, scale: want.scale, momentumConvention: 'keras' });
      expect(layer.beta === null).toBe(!want.center);
      if (withConfig) expect(layer).toMatchObject({ momentum: want.momentum, epsilon: want.epsilon, axis: -1 });
      else expect(layer).toMatchObject({ momentum: null, epsilon: null });
    }
  });

  it('the three files hold the same γ, β and moving statistics', async () => {
    const [zip, legacy, weights] = await Promise.all(files.map((f) => read(join(KERAS_CONVBN, f))));
    for (let i = 0; i < 3; i++) {
      expect(params(legacy.normLayers[i])).toEqual(params(zip.normLayers[i]));
      expect(params(weights.normLayers[i])).toEqual(params(zip.normLayers[i]));
    }
  });

  it('the parameters reproduce each BN layer\'s inference output recorded by Keras', async () => {
    const io = readNpz(join(KERAS_CONVBN, 'keras_convbn_io.npz'));
    const model = await read(join(KERAS_CONVBN, 'keras_convbn.keras'));
    for (const layer of model.normLayers) {
      const [gamma, beta, mean, variance] = params(layer);
      const input = io.get(`bn_in/${layer.name}`)!;
      const output = io.get(`bn_out/${layer.name}`)!;
      const c = layer.channels!;
      let worst = 0;
      input.data.forEach((x, i) => {
        const k = i % c; // channels last
        const y = (gamma?.[k] ?? 1) * (x - mean![k]) / Math.sqrt(variance![k] + layer.epsilon!) + (beta?.[k] ?? 0);
        worst = Math.max(worst, Math.abs(y - output.data[i]));
      });
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it.each(files.slice(0, 2))('%s: the config as a graph, each layer\'s weights as constant("<layer>/<variable>")', async (name) => {
    const model = await read(join(KERAS_CONVBN, name));
    const graph = model.graph!;
    expect(graph.inputs).toEqual([{ name: 'image', dtype: 'float32', shape: [-1, 12, 12, 3] }]);
    expect(graph.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: null }]);
    expect(graph.nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual([
      ['conv1', 'Conv2D', ['image'], ['conv1']], ['bn1', 'BatchNormalization', ['conv1'], ['bn1']], ['relu1', 'ReLU', ['bn1'], ['relu1']],
      ['conv2', 'Conv2D', ['relu1'], ['conv2']], ['bn2', 'BatchNormalization', ['conv2'], ['bn2']], ['relu2', 'ReLU', ['bn2'], ['relu2']],
      ['gap', 'GlobalAveragePooling2D', ['relu2'], ['gap']], ['fc', 'Dense', ['gap'], ['fc']],
      ['bn3_nocenter', 'BatchNormalization', ['fc'], ['bn3_nocenter']], ['logits', 'Dense', ['bn3_nocenter'], ['logits']],
    ]);
    // Nested objects by what they name: the dtype policy by its dtype, an initializer by its class.
    expect(graph.nodes[3].attributes).toMatchObject({
      filters: 16, kernel_size: [3, 3], strides: [2, 2], padding: 'same', activation: 'linear', use_bias: false, groups: 1,
      dtype: 'float32', kernel_initializer: 'GlorotUniform', kernel_regularizer: null,
    });
    expect(graph.nodes[8].attributes).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 0.001, center: false, scale: true });
    expect(model.constant!('conv2/kernel')!.shape).toEqual([3, 3, 8, 16]);
    expect(model.constant!('logits/bias')!.shape).toEqual([4]);
    expect(model.constant!('bn3_nocenter/beta')).toBeNull();
    expect(values(model.constant!('bn3_nocenter/moving_variance'))).toEqual(values(model.normLayers[2].runningVar));
  });

  it('Keras 3 weights are named after the config layer and Keras\'s variable names; a lone weights file keeps vars/<i>', async () => {
    const [zip, weights] = await Promise.all([read(join(KERAS_CONVBN, 'keras_convbn.keras')), read(join(KERAS_CONVBN, 'keras_convbn.weights.h5'))]);
    expect(zip.tensors.map((t) => t.name)).toEqual([
      'bn1/gamma', 'bn1/beta', 'bn1/moving_mean', 'bn1/moving_variance', 'bn2/gamma', 'bn2/beta', 'bn2/moving_mean', 'bn2/moving_variance',
      'bn3_nocenter/gamma', 'bn3_nocenter/moving_mean', 'bn3_nocenter/moving_variance', 'conv1/kernel', 'conv2/kernel',
      'fc/kernel', 'fc/bias', 'logits/kernel', 'logits/bias',
    ]);
    expect(weights.tensors[0].name).toBe('bn1/vars/0');
    expect([weights.graph, weights.constant]).toEqual([null, undefined]);
  });

  it('neighbours come from the functional config', async () => {
    const model = await read(join(KERAS_CONVBN, 'keras_convbn.keras'));
    expect(model.normLayers.map((l) => [l.after, l.before])).toEqual([['Conv2D', 'ReLU'], ['Conv2D', 'ReLU'], ['Dense', 'Dense']]);
    expect(model).toMatchObject({ variant: 'keras-v3', producer: 'Keras', producerVersion: '3.15.1' });
  });
});

describe('Keras layouts made with h5py', () => {
  it('a Keras 2 JSON architecture reads its weights .h5 next to it (float64 kept)', async () => {
    const model = await read(join(OWN_KERAS, 'keras2_model.json'));
    expect(model).toMatchObject({ variant: 'keras2-json', producerVersion: '2.4.0', notes: ['Weights read from keras2_model.h5, next to the architecture JSON.'] });
    const [a, b] = model.normLayers;
    expect(a).toMatchObject({ name: 'bn_a', channels: 4, momentum: 0.95, epsilon: 0.002, center: true, scale: true, after: 'Conv2D', before: 'Activation' });
    expect(a.gamma!.values()).toBeInstanceOf(Float64Array);
    expect(values(a.gamma)).toEqual(expected.keras2.bn_a.gamma);
    expect(values(a.runningVar)).toEqual(expected.keras2.bn_a.moving_variance);
    expect(b).toMatchObject({ name: 'bn_b', channels: 3, affine: false, center: false, scale: false, gamma: null, beta: null, after: 'Dense', before: null });
    expect(values(b.runningMean)).toEqual(expected.keras2.bn_b.moving_mean);
    // A Sequential model without an InputLayer takes the input Keras names after its first layer.
    expect(model.graph!.inputs).toEqual([{ name: 'conv_input', dtype: 'float32', shape: [-1, 8, 8, 2] }]);
    expect(model.graph!.nodes.map((n) => [n.name, n.inputs[0]])).toEqual([['conv', 'conv_input'], ['bn_a', 'conv'], ['act', 'bn_a'], ['flat', 'act'], ['fc', 'flat'], ['bn_b', 'fc']]);
    expect(model.graph!.nodes[2].attributes.activation).toBe('relu');
    expect(values(model.constant!('bn_a/gamma'))).toEqual(expected.keras2.bn_a.gamma);
  });

  it('a Keras 2 weights-only file groups layers by weight names and says what it lacks', async () => {
    const model = await read(join(OWN_KERAS, 'keras2_weights_only.h5'));
    expect(model.variant).toBe('keras2-weights-h5');
    expect(model.normLayers.map((l) => [l.name, l.epsilon, l.momentum, l.center])).toEqual([['bn_a', null, null, true], ['bn_b', null, null, false]]);
    expect(model.notes).toEqual(['A weights-only file without the model config: epsilon and momentum are unknown.']);
  });

  it('a Keras 3 .keras zip without vars names maps class-based groups to config names', async () => {
    const unnamed = await read(join(OWN_KERAS, 'keras3_unnamed.keras'));
    const shared = await read(join(KERAS_CONVBN, 'keras_convbn.keras'));
    expect(unnamed.normLayers.map((l) => l.name)).toEqual(['bn1', 'bn2', 'bn3_nocenter']);
    unnamed.normLayers.forEach((l, i) => expect(params(l)).toEqual(params(shared.normLayers[i])));
    expect(unnamed.tensors.map((t) => t.name)).toEqual(shared.tensors.map((t) => t.name));
    expect(values(unnamed.constant!('conv2/kernel'))).toEqual(values(shared.constant!('conv2/kernel')));
  });

  it('a lone Keras 3 weights file without names infers them and says so', async () => {
    const model = await read(join(OWN_KERAS, 'keras3_unnamed.weights.h5'));
    expect(model.normLayers.map((l) => [l.name, l.center, l.scale])).toEqual([
      ['batch_normalization', true, true], ['batch_normalization_1', true, true], ['batch_normalization_2', false, true],
    ]);
    expect(model.notes).toEqual([
      'batch_normalization_2: has one of γ/β only; taken to be γ (center=False) from its values.',
      'A weights-only file without the model config: layer names are inferred from the class-based group names (batch_normalization_1, …), epsilon and momentum are unknown.',
    ]);
    expect(values(model.normLayers[2].gamma)).toEqual(f32(values((await read(join(KERAS_CONVBN, 'keras_convbn.weights.h5'))).normLayers[2].gamma)));
  });

  const table: [string, string][] = [
    ['not_keras.h5', 'not_keras.h5: an HDF5 file, but not a Keras model or weights file: it has no model_config, layer_names or layers group (/)'],
    ['truncated.h5', 'truncated.h5: the HDF5 data is damaged or uses a feature jsfive cannot read (Offset is outside the bounds of the DataView) (HDF5 superblock)'],
    ['lonely_model.json', 'lonely_model.json: a Keras model architecture without weights: none of lonely_model.h5, lonely_model.weights.h5, lonely_model_weights.h5, lonely_model.hdf5, model.h5, weights.h5, model.weights.h5 is next to it (JSON)'],
    ['config_not_json.keras', 'config_not_json.keras: the model config is not JSON (Unexpected end of JSON input) (config.json)'],
    ['attribute_count.h5', "attribute_count.h5: the HDF5 data is damaged or uses a feature jsfive cannot read (an attribute claims 268435455 elements, more than the file's 26520 bytes hold) (/flat attributes)"],
  ];
  it.each(table)('bad file %s', async (name, message) => {
    const error = await readModel(memorySource(name, new Uint8Array(readFileSync(join(OWN_KERAS, 'bad', name))))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KerasError);
    expect((error as Error).message).toBe(message);
  });

  it.each([
    [KERAS_CONVBN, 'keras_convbn.weights.h5'], [KERAS_CONVBN, 'keras_convbn_legacy.h5'], [KERAS_CONVBN, 'keras_convbn.keras'], [OWN_KERAS, 'keras2_weights_only.h5'],
  ])('fuzzing %s/%s gives only KerasErrors', async (dir, name) => {
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    const { failed } = await fuzz((b) => readModel(memorySource(`fuzz/${name}`, b)), bytes, 17, 120);
    expect(failed).toBeGreaterThan(0);
  });
});
