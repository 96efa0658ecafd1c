// Every Keras layer class the importer converts, with edge settings (cropping and asymmetric padding,
// depth multipliers, dilations, transposed convolutions with output padding, bilinear upsampling,
// broadcasting merges, adapted and configured Normalization, LayerNormalization on non-trailing axes,
// Dense on 3-D input, each activation), against the output Keras 3 computed for each layer
// (test/fixtures/keras-real/make_layer_zoo.py).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { importModel } from '../../../../src/analysis/import';
import { forwardPass } from '../../../../src/analysis/forward';
import { Tensor } from '../../../../src/engine/tensor';
import { readNpz } from '../../../../src/formats/npy';
import { readModel } from '../../../../src/formats/read';
import { fileSource, relativeError } from './helpers';

const DIR = path.join(__dirname, '../../../fixtures/keras-real');

describe('the layer zoo runs as Keras 3 ran it', async () => {
  const io = readNpz('zoo_io.npz', new Uint8Array(readFileSync(path.join(DIR, 'zoo_io.npz'))));
  const { model } = importModel(await readModel(fileSource(path.join(DIR, 'zoo.keras'))));
  const outputs = new Map<string, Tensor>();
  model.observer = (name, _layer, _inputs, output) => outputs.set(name, output);
  const x = io.get('input')!;
  const y = model.eval().forward({ x: Tensor.fromArray(x.data, x.shape) });
  const layers = [...io.keys()].filter((k) => k.startsWith('layer/')).map((k) => k.slice('layer/'.length));

  it('checks 44 layers, and the model output', () => {
    expect(layers).toHaveLength(44);
    expect(relativeError(y.data, io.get('out')!.data)).toBeLessThan(1e-4);
  });

  it.each(layers)('%s', (name) => {
    const want = io.get(`layer/${name}`)!;
    const got = outputs.get(name);
    expect(got?.shape).toEqual(want.shape);
    expect(relativeError(got!.data, want.data)).toBeLessThan(1e-4);
  });
});

describe('LayerNormalization on non-trailing axes is recorded in Keras\'s layout', () => {
  it('the run keeps each LayerNormalization\'s input and output as Keras has them', async () => {
    const io = readNpz('zoo_io.npz', new Uint8Array(readFileSync(path.join(DIR, 'zoo_io.npz'))));
    const x = io.get('input')!;
    const result = forwardPass(await readModel(fileSource(path.join(DIR, 'zoo.keras'))), new Map([['x', Tensor.fromArray(x.data, x.shape)]]), 'eval');
    const ln = result.layers.filter((l) => l.name.startsWith('ln_'));
    expect(ln.map((l) => [l.name, l.input.shape, l.output.shape])).toEqual(['ln_axis1', 'ln_axes12', 'ln_noscale'].map((n) => [n, [2, 8, 8, 4], [2, 8, 8, 4]]));
    for (const l of ln) {
      expect(relativeError(l.input.data, x.data)).toBe(0);
      expect(relativeError(l.output.data, io.get(`layer/${l.name}`)!.data)).toBeLessThan(1e-4);
    }
    // Per-channel summaries along the last normalized axis: H (8 rows) for axis 1, W for [1, 2], C for −1.
    expect(ln.map((l) => l.inputStats.channelMean.length)).toEqual([8, 8, 4]);
  });
});

describe('TF.js layers models keep TF.js semantics', () => {
  it('activations as TF.js computes them (hard_sigmoid is 0.2·x + 0.5 there, x/6 + 0.5 in Keras 3)', async () => {
    const acts = ['hardSigmoid', 'relu6', 'swish', 'elu', 'selu', 'softplus', 'gelu'] as const;
    const input = tf.input({ shape: [5], name: 'v' });
    const outs = acts.map((a) => tf.layers.activation({ activation: a, name: `act_${a}` }).apply(input) as tf.SymbolicTensor);
    const model = tf.model({ inputs: input, outputs: tf.layers.concatenate({ name: 'all' }).apply(outs) as tf.SymbolicTensor });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const json = { format: 'layers-model', modelTopology: artifacts!.modelTopology, weightsManifest: [] };
    const source = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)), readSibling: async () => null };
    const values = [-4, -1, 0, 0.7, 3];
    const want = (model.predict(tf.tensor2d([values])) as tf.Tensor).dataSync();
    const { model: engine } = importModel(await readModel(source));
    const got = engine.eval().forward({ v: Tensor.fromArray(values, [1, 5]) });
    expect(relativeError(got.data, want)).toBeLessThan(1e-5);
  });
});
