import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readModel } from '../../../src/formats/read';
import { TfjsError } from '../../../src/formats/errors';
import type { ModelDescription } from '../../../src/formats/model';
import { OWN, FRAMEWORKS, fuzz, memorySource, sourceOf, values } from './helpers';

const TFJS_CONVBN = join(FRAMEWORKS, 'models', 'tfjs-convbn');
const OWN_TFJS = join(OWN, 'tfjs');
const expected = JSON.parse(readFileSync(join(OWN_TFJS, 'expected.json'), 'utf8')) as Record<string, Record<string, number[]>>;
const read = (path: string): Promise<ModelDescription> => readModel(sourceOf(path));

/** The BN weights as TF.js itself loads them: gamma, beta, moving_mean, moving_variance per layer. */
async function tfjsWeights(): Promise<Record<string, number[][]>> {
  const json = JSON.parse(readFileSync(join(TFJS_CONVBN, 'model.json'), 'utf8'));
  const bin = readFileSync(join(TFJS_CONVBN, 'tfjs_convbn.weights.bin'));
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
  }));
  const out: Record<string, number[][]> = {};
  for (const name of ['bn1', 'bn2']) out[name] = model.getLayer(name).getWeights().map((w) => [...w.dataSync()]);
  return out;
}

describe('TF.js layers model (tfjs-convbn, written by tfjs-layers 4.22)', () => {
  it('gives bn1 and bn2 with their config and the weights TF.js itself loads', async () => {
    const model = await read(join(TFJS_CONVBN, 'model.json'));
    expect(model).toMatchObject({ format: 'tfjs', variant: 'tfjs-layers-model', producer: 'TensorFlow.js tfjs-layers v4.22.0' });
    const [bn1, bn2] = model.normLayers;
    expect(bn1).toMatchObject({ name: 'bn1', channels: 6, momentum: 0.99, epsilon: 0.001, momentumConvention: 'keras', center: true, scale: true, after: 'Conv2D', before: 'ReLU', axis: -1 });
    expect(bn2).toMatchObject({ name: 'bn2', channels: 12, momentum: 0.9, epsilon: 1e-5, after: 'Dense', before: 'Dense' });
    const reference = await tfjsWeights();
    for (const layer of [bn1, bn2]) {
      expect([values(layer.gamma), values(layer.beta), values(layer.runningMean), values(layer.runningVar)]).toEqual(reference[layer.name]);
    }
  });

  it('the Sequential config as a graph, with the input Keras gives it and each layer\'s weights as constant("<layer>/<variable>")', async () => {
    const model = await read(join(TFJS_CONVBN, 'model.json'));
    expect(model.graph!.inputs).toEqual([{ name: 'conv1_input', dtype: 'float32', shape: [-1, 10, 10, 3] }]);
    expect(model.graph!.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: null }]);
    expect(model.graph!.nodes.map((n) => [n.opType, n.inputs])).toEqual([
      ['Conv2D', ['conv1_input']], ['BatchNormalization', ['conv1']], ['ReLU', ['bn1']], ['Flatten', ['relu1']],
      ['Dense', ['flat']], ['BatchNormalization', ['fc1']], ['Dense', ['bn2']],
    ]);
    expect(model.graph!.nodes[0].attributes).toMatchObject({ filters: 6, kernel_size: [3, 3], batch_input_shape: [-1, 10, 10, 3], kernel_initializer: 'VarianceScaling' });
    expect(model.constant!('fc1/kernel')!.shape).toEqual([600, 12]);
    expect(values(model.constant!('bn2/moving_mean'))).toEqual(values(model.normLayers[1].runningMean));
    expect([model.constant!('fc1/gamma'), model.constant!('fc1')]).toEqual([null, null]);
  });

  it('weights split over two shards mid-weight are concatenated in manifest order', async () => {
    const sharded = await read(join(OWN_TFJS, 'sharded', 'model.json'));
    const whole = await read(join(TFJS_CONVBN, 'model.json'));
    expect(sharded.tensors.map((t) => [...t.values()])).toEqual(whole.tensors.map((t) => [...t.values()]));
  });

  it.each(['uint8', 'uint16', 'float16'])('%s-quantized weights decode to q·scale + min', async (kind) => {
    const model = await read(join(OWN_TFJS, 'quantized', `model_${kind}.json`));
    // JSON has no -0: float16's negative zero is compared as 0.
    const plain = (list: number[]): number[] => list.map((x) => x + 0);
    for (const t of model.tensors) expect(plain([...t.values()])).toEqual(expected[kind][t.name]);
    expect(model.normLayers.map((l) => l.name)).toEqual(['bn1', 'bn2']);
    expect(plain(values(model.normLayers[1].runningVar))).toEqual(expected[kind]['bn2/moving_variance']);
  });

  it('a layer whose weights are missing from the manifest is kept, with a note', async () => {
    const json = JSON.parse(readFileSync(join(TFJS_CONVBN, 'model.json'), 'utf8'));
    for (const w of json.weightsManifest[0].weights) w.name = w.name.replace(/^bn2\//, 'renamed/');
    const bin = new Uint8Array(readFileSync(join(TFJS_CONVBN, 'tfjs_convbn.weights.bin')));
    const model = await readModel(memorySource('model.json', new TextEncoder().encode(JSON.stringify(json)), { 'tfjs_convbn.weights.bin': bin }));
    expect(model.normLayers[1]).toMatchObject({ name: 'bn2', gamma: null, runningVar: null, momentum: 0.9 });
    expect(model.notes).toEqual(['bn2: in modelTopology but its weights are not in the manifest.']);
  });

  it('a bare weights manifest groups BN weights by name', async () => {
    const model = await read(join(OWN_TFJS, 'manifest', 'weights_manifest.json'));
    expect(model.variant).toBe('tfjs-weights-manifest');
    expect(model.normLayers.map((l) => [l.name, l.channels, l.epsilon, l.momentumConvention])).toEqual([['bn1', 6, null, 'keras'], ['bn2', 12, null, 'keras']]);
  });
});

describe('TF.js graph model', () => {
  it('lists FusedBatchNormV3 with its Const parameters', async () => {
    const model = await read(join(OWN_TFJS, 'graph', 'model.json'));
    expect(model.variant).toBe('tfjs-graph-model');
    const [bn] = model.normLayers;
    expect(bn).toMatchObject({ name: 'bn', op: 'FusedBatchNormV3', channels: 4, epsilon: 0.001, training: false, after: 'Conv2D', before: 'Relu', momentum: null });
    expect(values(bn.gamma)).toEqual(expected.graph['bn/gamma']);
    expect(values(bn.runningVar)).toEqual(expected.graph['bn/variance']);
    expect(model.graph?.nodes.find((n) => n.name === 'bn')?.attributes.data_format).toBe('NHWC');
  });
});

describe('damaged TF.js files', () => {
  const table: [string, string][] = [
    ['missing_shard.json', "the weight file 'nowhere.bin' is not next to the model (weightsManifest[0].paths)"],
    ['short_shard.json', "weight 'extra' needs bytes 29940..29956 of the group's weight files, which hold 29940 (weightsManifest[0].weights[13])"],
    ['outside.json', "weight file path '../../../secret.bin' is not inside the model's folder (weightsManifest[0].paths)"],
    ['bad_quantization.json', 'weight \'conv1/kernel\' has quantization {"dtype":"int4"}; expected dtype uint8, uint16 or float16 (weightsManifest[0].weights[0])'],
  ];
  it.each(table)('%s', async (name, problem) => {
    const path = join(OWN_TFJS, 'bad', name);
    const error = await read(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TfjsError);
    expect((error as Error).message).toBe(`${path}: ${problem}`);
  });

  it('fuzzing model.json and its shard gives only TF.js errors (or the JSON error)', async () => {
    const json = new Uint8Array(readFileSync(join(TFJS_CONVBN, 'model.json')));
    const bin = new Uint8Array(readFileSync(join(TFJS_CONVBN, 'tfjs_convbn.weights.bin')));
    const a = await fuzz((b) => readModel(memorySource('model.json', b, { 'tfjs_convbn.weights.bin': bin })), json, 19, 90);
    const b = await fuzz((b) => readModel(memorySource('model.json', json, { 'tfjs_convbn.weights.bin': b })), bin, 23, 30);
    expect(a.failed).toBeGreaterThan(0);
    expect(b.failed).toBeGreaterThan(0);
  });
});
