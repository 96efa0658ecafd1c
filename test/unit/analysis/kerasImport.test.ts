import { readFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readModel } from '../../../src/formats/read';
import { readNpz } from '../../../src/formats/npy';
import type { AttributeValue, GraphNode, ModelDescription, TensorInfo } from '../../../src/formats/model';
import type { ModelSource } from '../../../src/formats/source';
import { importModel, importProblem } from '../../../src/analysis/import';
import { ImportError } from '../../../src/analysis/import/common';
import { forwardPass } from '../../../src/analysis/forward';
import type { BatchNorm } from '../../../src/engine/norm';
import { Tensor } from '../../../src/engine/tensor';
import { SamePool2d } from '../../../src/analysis/import/samePool';
import { frameworkFixture } from '../fixtures';
import { checkGradients, randomTensor } from '../engine/gradcheck';

const KERAS = frameworkFixture('models', 'keras-convbn');
const TFJS = frameworkFixture('models', 'tfjs-convbn');
const manifest = JSON.parse(readFileSync(path.join(KERAS, 'manifest.json'), 'utf8')) as {
  bn_layers: Record<string, { momentum: number; epsilon: number; center: boolean; scale: boolean }>;
};

function fileSource(file: string): ModelSource {
  return {
    name: file,
    bytes: new Uint8Array(readFileSync(file)),
    readSibling: async (name) => new Uint8Array(readFileSync(path.join(path.dirname(file), name))),
  };
}

function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

/** The Keras 3 weights-only file with the architecture from the .keras zip's config.json next to it. */
function weightsWithConfig(): ModelSource {
  const config = unzipSync(new Uint8Array(readFileSync(path.join(KERAS, 'keras_convbn.keras'))))['config.json'];
  const weights = new Uint8Array(readFileSync(path.join(KERAS, 'keras_convbn.weights.h5')));
  return { name: 'keras_convbn.json', bytes: config, readSibling: async (name) => (name === 'keras_convbn.weights.h5' ? weights : null) };
}

describe('the Keras fixtures run in the engine as Keras ran them', () => {
  const io = readNpz('keras_convbn_io.npz', new Uint8Array(readFileSync(path.join(KERAS, 'keras_convbn_io.npz'))));
  const x = io.get('input')!;
  const cases: [string, () => ModelSource][] = [
    ['keras_convbn.keras', () => fileSource(path.join(KERAS, 'keras_convbn.keras'))],
    ['keras_convbn_legacy.h5', () => fileSource(path.join(KERAS, 'keras_convbn_legacy.h5'))],
    ['keras_convbn.weights.h5 + its config.json', weightsWithConfig],
  ];

  it.each(cases)('%s: the output and every BN output within 1e-4, NHWC in and out', async (_name, source) => {
    const description = await readModel(source());
    expect(importProblem(description)).toBeNull();
    const result = forwardPass(description, new Map([['image', Tensor.fromArray(x.data, x.shape)]]), 'eval');
    expect(result.outputName).toBe('logits');
    expect(result.output.shape).toEqual([5, 4]);
    expect(maxAbsDifference(result.output.data, io.get('output')!.data)).toBeLessThan(1e-4);
    expect(result.layers.map((l) => l.name)).toEqual(['bn1', 'bn2', 'bn3_nocenter']);
    for (const layer of result.layers) {
      expect(layer.output.shape).toEqual(io.get(`bn_out/${layer.name}`)!.shape);
      expect(maxAbsDifference(layer.input.data, io.get(`bn_in/${layer.name}`)!.data)).toBeLessThan(1e-4);
      expect(maxAbsDifference(layer.output.data, io.get(`bn_out/${layer.name}`)!.data)).toBeLessThan(1e-4);
    }
  });

  it.each(cases)('%s: the engine BN layers hold the file\'s values exactly', async (_name, source) => {
    const description = await readModel(source());
    const { model, normNodes } = importModel(description);
    expect(normNodes).toEqual(['bn1', 'bn2', 'bn3_nocenter']);
    for (const l of description.normLayers) {
      const bn = model.layer(l.name) as BatchNorm;
      const want = manifest.bn_layers[l.name];
      expect([bn.eps, bn.runningStats]).toEqual([want.epsilon, { framework: 'keras', momentum: want.momentum }]);
      expect([...bn.gamma!.value.data]).toEqual([...l.gamma!.values()]);
      expect(bn.beta === undefined).toBe(!want.center);
      if (want.center) expect([...bn.beta!.value.data]).toEqual([...l.beta!.values()]);
      expect([...bn.runningMean!.data]).toEqual([...l.runningMean!.values()]);
      expect([...bn.runningVariance!.data]).toEqual([...l.runningVar!.values()]);
    }
  });

  it('the weights file alone has no architecture, and says so', async () => {
    const description = await readModel(fileSource(path.join(KERAS, 'keras_convbn.weights.h5')));
    const problem = 'a Keras weights file (keras3-weights-h5) holds no model config to run; the .keras or full-model .h5 file has one';
    expect(importProblem(description)).toBe(problem);
    expect(() => importModel(description)).toThrow(`${problem}; its normalization layers can still be listed`);
  });
});

describe('the TF.js fixture runs in the engine as TF.js ran it', () => {
  const io = JSON.parse(readFileSync(path.join(TFJS, 'reference_io.json'), 'utf8')).model_io as {
    input: { shape: number[]; data: unknown[] };
    output: { data: unknown[] };
    bn_outputs: Record<string, { data: unknown[] }>;
  };
  const flat = (v: unknown[]): number[] => v.flat(8) as number[];

  it('reproduces the output and both BN outputs within 1e-4', async () => {
    const description = await readModel(fileSource(path.join(TFJS, 'model.json')));
    expect(importProblem(description)).toBeNull();
    const result = forwardPass(description, new Map([['x', Tensor.fromArray(flat(io.input.data), io.input.shape)]]), 'eval');
    expect(result.output.shape).toEqual([4, 3]);
    expect(maxAbsDifference(result.output.data, flat(io.output.data))).toBeLessThan(1e-4);
    expect(result.layers.map((l) => [l.name, l.output.shape])).toEqual([['bn1', [4, 10, 10, 6]], ['bn2', [4, 12]]]);
    for (const layer of result.layers) expect(maxAbsDifference(layer.output.data, flat(io.bn_outputs[layer.name].data))).toBeLessThan(1e-4);
  });
});

/**
 * A functional TF.js model with every layer class the importer takes, random weights (positive
 * variances), saved by TF.js's own serializer; returned with what TF.js predicts for `x`: the output,
 * and the BatchNormalization's and LayerNormalization's outputs.
 */
async function tfjsModel(x: Tensor): Promise<{ source: ModelSource; output: Float32Array; bn: Float32Array; ln: Float32Array }> {
  const L = tf.layers;
  type T = tf.SymbolicTensor;
  const input = tf.input({ shape: x.shape.slice(1), name: 'img' });
  const c1 = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as T;
  const bn = L.batchNormalization({ momentum: 0.9, epsilon: 1e-3, name: 'bn' }).apply(c1) as T;
  const dw = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }).apply(bn) as T;
  const mp = L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'mp' }).apply(dw) as T;
  const ap = L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'ap' }).apply(dw) as T;
  const ln = L.layerNormalization({ name: 'ln' }).apply(L.add({ name: 'sum' }).apply([mp, ap]) as T) as T;
  const cat = L.concatenate({ axis: -1, name: 'cat' }).apply([ln, mp]) as T;
  const leaky = L.leakyReLU({ alpha: 0.2, name: 'leaky' }).apply(L.reLU({ maxValue: 1.5, name: 'capped' }).apply(cat) as T) as T;
  const flat = L.dense({ units: 10, activation: 'tanh', name: 'fc' }).apply(L.flatten({ name: 'flat' }).apply(leaky) as T) as T;
  const pooled = L.dense({ units: 10, name: 'fc_gap' }).apply(L.globalAveragePooling2d({ name: 'gap' }).apply(leaky) as T) as T;
  const mixed = L.activation({ activation: 'sigmoid', name: 'sig' }).apply(L.add({ name: 'sum2' }).apply([flat, pooled]) as T) as T;
  const dropped = L.dropout({ rate: 0.3, name: 'drop' }).apply(mixed) as T;
  const out = L.softmax({ axis: -1, name: 'probs' }).apply(L.reshape({ targetShape: [2, 5], name: 'rows' }).apply(dropped) as T) as T;
  const model = tf.model({ inputs: input, outputs: out });
  model.setWeights(model.getWeights().map((w, i) => (model.weights[i].name.includes('moving_variance') ? tf.randomUniform(w.shape, 0.5, 1.5, 'float32', i) : tf.randomNormal(w.shape, 0, 0.7, 'float32', i))));

  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const json = { format: 'layers-model', modelTopology: artifacts!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts!.weightSpecs }] };
  const weights = new Uint8Array(artifacts!.weightData as ArrayBuffer);
  const source: ModelSource = { name: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(json)), readSibling: async (name) => (name === 'weights.bin' ? weights : null) };
  const [output, bnOut, lnOut] = tf.model({ inputs: input, outputs: [out, bn, ln] }).predict(tf.tensor(Array.from(x.data), [...x.shape])) as tf.Tensor[];
  return { source, output: output.dataSync() as Float32Array, bn: bnOut.dataSync() as Float32Array, ln: lnOut.dataSync() as Float32Array };
}

describe('a TF.js model with every supported layer class', () => {
  it('runs in the engine as TF.js runs it', async () => {
    const x = Tensor.fromArray(values(2 * 9 * 8 * 3, 3).map((v) => v * 2), [2, 9, 8, 3]);
    const reference = await tfjsModel(x);
    const description = await readModel(reference.source);
    expect(importProblem(description)).toBeNull();
    const result = forwardPass(description, new Map([['img', x]]), 'eval');
    expect(result.output.shape).toEqual([2, 2, 5]);
    expect(maxAbsDifference(result.output.data, reference.output)).toBeLessThan(1e-5);
    expect(result.layers.map((l) => l.name)).toEqual(['bn', 'ln']);
    expect(maxAbsDifference(result.layers[0].output.data, reference.bn)).toBeLessThan(1e-5);
    expect(maxAbsDifference(result.layers[1].output.data, reference.ln)).toBeLessThan(1e-5);
  });
});

// Synthetic models for what TF.js does not write (groups, keepdims, Keras 2's positive axes), checked
// against plain loops over NHWC data that follow Keras's definitions.

/** Deterministic values in [−1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function tensor(name: string, shape: number[], seed: number): TensorInfo {
  const data = values(shape.reduce((a, b) => a * b, 1), seed);
  return { name, dtype: 'float32', shape, values: () => data };
}

interface LayerSpec {
  name: string;
  className: string;
  inputs: string[];
  attributes?: Record<string, AttributeValue>;
  weights?: TensorInfo[];
}

function kerasModel(inputShape: number[], layers: LayerSpec[]): ModelDescription {
  const weights = new Map(layers.flatMap((l) => (l.weights ?? []).map((t): [string, TensorInfo] => [`${l.name}/${t.name}`, t])));
  const nodes: GraphNode[] = layers.map((l) => ({ name: l.name, opType: l.className, inputs: l.inputs, outputs: [l.name], attributes: l.attributes ?? {} }));
  return {
    file: 'synthetic.keras', format: 'keras', variant: 'keras-v3', producer: 'Keras', producerVersion: null, opset: null,
    graph: { nodes, inputs: [{ name: 'x', dtype: 'float32', shape: [-1, ...inputShape.slice(1)] }], outputs: [{ name: layers[layers.length - 1].name, dtype: 'float32', shape: null }] },
    tensors: [...weights.values()], normLayers: [], notes: [], constant: (name) => weights.get(name) ?? null,
  };
}

function run(description: ModelDescription, x: Tensor): Tensor {
  return importModel(description).model.eval().forward({ x });
}

interface Geometry { kernel: [number, number]; stride: [number, number]; dilation: [number, number]; padding: 'same' | 'valid' }

/** Output size and leading padding of one axis, as TensorFlow computes them. */
function axis(size: number, k: number, s: number, d: number, padding: 'same' | 'valid'): { out: number; before: number } {
  const span = d * (k - 1) + 1;
  if (padding === 'valid') return { out: Math.floor((size - span) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + span - size, 0) / 2) };
}

/** y[n,i,j,o] = Σ x[n, i·s − pad + a·d, j·s − pad + b·d, c] · K[a, b, c, o] over the input channels c of o's group. */
function convNhwc(x: Tensor, kernel: TensorInfo, g: Geometry, groups: number): Tensor {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, cPerGroup, cout] = kernel.shape;
  const k = kernel.values();
  const rows = axis(h, kh, g.stride[0], g.dilation[0], g.padding);
  const cols = axis(w, kw, g.stride[1], g.dilation[1], g.padding);
  const y = Tensor.zeros([n, rows.out, cols.out, cout]);
  const outPerGroup = cout / groups;
  for (let b = 0; b < n; b++) for (let i = 0; i < rows.out; i++) for (let j = 0; j < cols.out; j++) for (let o = 0; o < cout; o++) {
    let sum = 0;
    for (let a = 0; a < kh; a++) for (let bb = 0; bb < kw; bb++) for (let c = 0; c < cPerGroup; c++) {
      const r = i * g.stride[0] - rows.before + a * g.dilation[0];
      const q = j * g.stride[1] - cols.before + bb * g.dilation[1];
      if (r < 0 || r >= h || q < 0 || q >= w) continue;
      const channel = Math.floor(o / outPerGroup) * cPerGroup + c;
      sum += x.data[((b * h + r) * w + q) * cin + channel] * k[((a * kw + bb) * cPerGroup + c) * cout + o];
    }
    y.data[((b * rows.out + i) * cols.out + j) * cout + o] = sum;
  }
  return y;
}

function input(shape: number[], seed = 7): Tensor {
  return Tensor.fromArray(values(shape.reduce((a, b) => a * b, 1), seed).map((v) => v * 3), shape);
}

describe('Keras layers against their definitions (NHWC)', () => {
  it('Conv2D: HWIO kernels, groups, dilation, strides, same padding, bias and fused relu', () => {
    const x = input([2, 7, 6, 4]);
    const kernel = tensor('kernel', [3, 2, 2, 6], 1);
    const bias = tensor('bias', [6], 2);
    const g: Geometry = { kernel: [3, 2], stride: [2, 1], dilation: [1, 2], padding: 'same' };
    const y = run(kerasModel(x.shape as number[], [{
      name: 'conv', className: 'Conv2D', inputs: ['x'], weights: [kernel, bias],
      attributes: { strides: [2, 1], dilation_rate: [1, 2], padding: 'same', groups: 2, activation: 'relu', use_bias: true },
    }]), x);
    const want = convNhwc(x, kernel, g, 2);
    const b = bias.values();
    want.data.forEach((v, i) => { want.data[i] = Math.max(0, v + b[i % 6]); });
    expect(y.shape).toEqual([2, 4, 6, 6]);
    expect(maxAbsDifference(y.data, want.data)).toBeLessThan(1e-5);
  });

  it.each(['max', 'avg'] as const)('same %s pooling passes its gradient back through the padding it adds', (mode) => {
    // 5 rows pool 2 stride 2: padded 0 before, 1 after; 7 columns pool 3 stride 2: 1 and 1.
    const report = checkGradients(new SamePool2d({ name: 'p', mode, kernelSize: [2, 3], stride: [2, 2] }), [randomTensor([2, 3, 5, 7], 11)]);
    expect(report.ok, report.describe()).toBe(true);
  });

  it('GlobalAveragePooling2D (keepdims), LayerNormalization over Keras 2\'s positive axis [3], Add, Concatenate and Reshape', () => {
    const x = input([2, 3, 3, 4]);
    const gamma = tensor('gamma', [4], 5);
    const beta = tensor('beta', [4], 6);
    const y = run(kerasModel(x.shape as number[], [
      { name: 'ln', className: 'LayerNormalization', inputs: ['x'], weights: [gamma, beta], attributes: { axis: [3], epsilon: 0.01 } },
      { name: 'sum', className: 'Add', inputs: ['ln', 'x'] },
      { name: 'gap', className: 'GlobalAveragePooling2D', inputs: ['sum'], attributes: { keepdims: true } },
      { name: 'gap2', className: 'GlobalAveragePooling2D', inputs: ['x'], attributes: { keepdims: true } },
      { name: 'cat', className: 'Concatenate', inputs: ['gap', 'gap2'], attributes: { axis: -1 } },
      { name: 'flat', className: 'Reshape', inputs: ['cat'], attributes: { target_shape: [2, 4] } },
    ]), x);
    expect(y.shape).toEqual([2, 2, 4]);
    const [gv, bv] = [gamma.values(), beta.values()];
    for (let n = 0; n < 2; n++) {
      const sums = new Float64Array(4);
      const plain = new Float64Array(4);
      for (let p = 0; p < 9; p++) {
        const row = Array.from({ length: 4 }, (_, c) => x.data[(n * 9 + p) * 4 + c]);
        const mean = row.reduce((a, v) => a + v, 0) / 4;
        const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / 4;
        row.forEach((v, c) => {
          sums[c] += gv[c] * (v - mean) / Math.sqrt(variance + 0.01) + bv[c] + v;
          plain[c] += v;
        });
      }
      const want = [...sums, ...plain].map((v) => v / 9);
      expect(maxAbsDifference(y.data.subarray(n * 8, n * 8 + 8), want)).toBeLessThan(1e-5);
    }
  });
});

describe('what the importer refuses, by name', () => {
  it('an unsupported layer class names the class and the layer', () => {
    const description = kerasModel([1, 4, 4, 2], [
      { name: 'pad', className: 'ZeroPadding3D', inputs: ['x'], attributes: { padding: [1, 1, 1, 1] } },
      { name: 'lstm', className: 'LSTM', inputs: ['pad'] },
    ]);
    expect(importProblem(description)).toBe("the engine has no 'ZeroPadding3D', 'LSTM' layers");
    const error = (() => { try { importModel(description); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toMatch(/^synthetic\.keras: the engine has no 'ZeroPadding3D' layer \(it runs InputLayer, Sequential, Functional, Model, Conv2D, .*\); the normalization layers are still listed \(layer 'pad' \(ZeroPadding3D\)\)$/);
  });

  it('a layer called on two inputs (a shared layer), and a two-input class the engine lacks', () => {
    const kernel = tensor('kernel', [2, 2], 1);
    const dense = (name: string, inputs: string[]): LayerSpec => ({ name, className: 'Dense', inputs, weights: [kernel], attributes: { use_bias: false } });
    expect(() => importModel(kerasModel([1, 2], [dense('a', ['x']), dense('b', ['x']), dense('shared', ['a', 'b'])])))
      .toThrow("synthetic.keras: fed by 'a', 'b'; a layer called more than once (shared) is not supported (layer 'shared' (Dense))");
    expect(() => importModel(kerasModel([1, 2], [dense('a', ['x']), { name: 'm', className: 'Dot', inputs: ['a', 'x'] }])))
      .toThrow(/^synthetic\.keras: the engine has no 'Dot' layer/);
  });

  it.each([
    [{ name: 'c', className: 'Conv2D', inputs: ['x'], weights: [tensor('kernel', [1, 1, 2, 2], 1)], attributes: { use_bias: false, activation: 'softsign' } },
      "activation \"softsign\" is not one the engine has (linear, relu, relu6, leaky_relu, sigmoid, tanh, softmax, gelu, silu, swish, hard_sigmoid, hard_silu, hard_swish, elu, selu, softplus) (layer 'c' (Conv2D))"],
    [{ name: 'c', className: 'Conv2D', inputs: ['x'], weights: [tensor('kernel', [1, 1, 2, 2], 1)], attributes: { data_format: 'channels_first' } },
      "data_format channels_first; the importer runs channels-last (NHWC) models (layer 'c' (Conv2D))"],
    [{ name: 'd', className: 'Dense', inputs: ['x'], attributes: { units: 3 } }, "its weight 'kernel' is not in the file (layer 'd' (Dense))"],
    [{ name: 'ln', className: 'LayerNormalization', inputs: ['x'], weights: [tensor('gamma', [4], 1), tensor('beta', [4], 2)], attributes: { axis: [1], rms_scaling: true } },
      "rms_scaling=True is not supported (layer 'ln' (LayerNormalization))"],
    [{ name: 'norm', className: 'Normalization', inputs: ['x'], attributes: { axis: -1, mean: [0, 1], variance: [1, 2], invert: true } },
      "invert=True is not supported (layer 'norm' (Normalization))"],
  ] as [LayerSpec, string][])('refuses case %#', (layer, message) => {
    expect(() => importModel(kerasModel([1, 4, 4, 2], [layer]))).toThrow(`synthetic.keras: ${message}`);
  });
});
