// Nested Keras models (a Sequential in a Sequential in a Functional model) from the .keras zip, Keras
// 3's legacy .h5, tf.keras 2's HDF5 layout and the TF.js converter's layout, whose weights carry only the innermost layer's
// name; and a Teachable Machine-style TF.js export (a Sequential holding a Sequential holding a
// MobileNet Model, weights named "bn_Conv1/gamma" without the nested models' names). Made by
// test/fixtures/keras-real/make_keras_real.py.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importModel, importProblem } from '../../../../src/analysis/import';
import { forwardPass } from '../../../../src/analysis/forward';
import { Tensor } from '../../../../src/engine/tensor';
import { readNpz } from '../../../../src/formats/npy';
import { readModel } from '../../../../src/formats/read';
import { fileSource, relativeError } from './helpers';
import { loadTfjsLayersModel, predict } from './tfjsLoad';

const DIR = path.join(__dirname, '../../../fixtures/keras-real/nested');
const npz = (name: string): ReturnType<typeof readNpz> => readNpz(name, new Uint8Array(readFileSync(path.join(DIR, name))));

async function runAndCompare(file: string, io: ReturnType<typeof readNpz>, layerCount: number): Promise<string[]> {
  const description = await readModel(fileSource(path.join(DIR, file)));
  expect(importProblem(description)).toBeNull();
  const x = io.get('input')!;
  const result = forwardPass(description, new Map([['x', Tensor.fromArray(x.data, x.shape)]]), 'eval');
  expect(relativeError(result.output.data, io.get('out')!.data)).toBeLessThan(1e-4);
  expect(result.layers).toHaveLength(layerCount);
  for (const layer of result.layers) {
    const own = layer.name.slice(layer.name.lastIndexOf('/') + 1);
    expect(relativeError(layer.input.data, io.get(`in/${own}`)!.data), `${layer.name} input`).toBeLessThan(1e-4);
    expect(relativeError(layer.output.data, io.get(`out/${own}`)!.data), `${layer.name} output`).toBeLessThan(1e-4);
  }
  return result.layers.map((l) => l.name);
}

describe('a Sequential in a Sequential in a Functional model', () => {
  const io = npz('nested_io.npz');
  it.each(['nested.keras', 'nested.h5', 'nested_keras2.h5', 'tfjs/model.json'])('%s: every BN has its weights, and the model runs as Keras ran it', async (file) => {
    const description = await readModel(fileSource(path.join(DIR, file)));
    expect(description.normLayers.map((l) => [l.name, Boolean(l.gamma && l.beta && l.runningMean && l.runningVar)])).toEqual([
      ['block/inner/bn_a', true], ['block/bn_b', true], ['bn_top', true],
    ]);
    expect(await runAndCompare(file, io, 3)).toEqual(['block/inner/bn_a', 'block/bn_b', 'bn_top']);
  });
});

describe('a Teachable Machine-style TF.js export', () => {
  const io = npz('teachable_io.npz');
  const file = path.join(DIR, 'teachable/model.json');

  it('lists its 52 BatchNorm layers, each with γ, β and moving statistics', async () => {
    const description = await readModel(fileSource(file));
    const bns = description.normLayers.filter((l) => l.kind === 'BatchNorm');
    expect(bns).toHaveLength(52);
    expect(bns[0].name).toBe('sequential_1/model1/bn_Conv1');
    expect(bns[0].gamma?.name).toBe('bn_Conv1/gamma');
    for (const bn of bns) {
      expect([bn.name, bn.gamma?.shape, bn.beta?.shape, bn.runningMean?.shape, bn.runningVar?.shape]).toEqual([bn.name, [bn.channels], [bn.channels], [bn.channels], [bn.channels]]);
    }
    expect(description.notes).toEqual([]);
  });

  it('runs as Keras ran it, and as TF.js runs the same files', async () => {
    await runAndCompare('teachable/model.json', io, 52);
    const x = io.get('input')!;
    const tfjs = predict(await loadTfjsLayersModel(file), x.data, x.shape);
    expect(relativeError(tfjs, io.get('out')!.data)).toBeLessThan(1e-4);
  });
});

describe('nested models the importer refuses, by name', () => {
  it('a nested model called twice (shared)', async () => {
    const description = await readModel(fileSource(path.join(DIR, 'nested.keras')));
    const graph = description.graph!;
    const nodes = graph.nodes.map((n) => (n.name === 'block' ? { ...n, inputs: ['image', 'image_2'] } : n));
    const shared = { ...description, graph: { ...graph, nodes, inputs: [...graph.inputs!, { ...graph.inputs![0], name: 'image_2' }] } };
    expect(() => importModel(shared)).toThrow("nested.keras: nested model fed by 'image', 'image_2'; a model called more than once (shared) is not supported (layer 'block' (Sequential))");
  });
});
