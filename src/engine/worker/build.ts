// Turns a validated TrainingJobConfig into the objects a run needs: the dataset split, a sequential
// model whose input sizes are inferred layer by layer, and the optimizer. All randomness comes from
// generators forked off one seeded generator in a fixed order, so a config and seed fix the run.

import { parseCsv } from '../data/csv';
import { fitStandardizer, sampleCount, splitDataset, standardize, type Dataset } from '../data/dataset';
import { shapes } from '../data/shapes';
import { blobs, examScores, spirals, twoMoons } from '../data/toy';
import type { Layer, Rng } from '../layer';
import {
  AvgPool1d, AvgPool2d, Clip, Conv1d, Conv2d, Dense, Dropout, Flatten, GELU, GlobalAvgPool, Identity, LeakyReLU,
  MaxPool1d, MaxPool2d, ReLU, ReLU6, Reshape, Sigmoid, SiLU, Softmax, Tanh, Transpose,
} from '../layers';
import { Model } from '../model/model';
import { GroupNorm, LayerNorm, pytorchBatchNorm1d, pytorchBatchNorm2d } from '../norm';
import { createRng, type SeededRng } from '../rng';
import { Tensor } from '../tensor';
import { Adam, AdamW, SGD, type Optimizer } from '../train/optimizers';
import { ConfigError, type DatasetConfig, type LayerConfig, type OptimizerConfig, type TrainingJobConfig } from './config';

export interface JobRngs {
  data: SeededRng;
  split: SeededRng;
  init: SeededRng;
  shuffle: SeededRng;
  /** Dropout masks. */
  forward: SeededRng;
}

export function jobRngs(seed: number): JobRngs {
  const root = createRng(seed);
  return { data: root.fork(), split: root.fork(), init: root.fork(), shuffle: root.fork(), forward: root.fork() };
}

export function buildDataset(config: DatasetConfig, rngs: JobRngs): { train: Dataset; validation: Dataset } {
  const full = generate(config, rngs.data);
  const split = splitDataset(full, config.validationFraction ?? 0.2, rngs.split);
  if (sampleCount(split.train) === 0) throw new ConfigError('config.dataset: the training split is empty');
  if (!config.standardize) return split;
  const s = fitStandardizer(split.train);
  return { train: standardize(split.train, s), validation: standardize(split.validation, s) };
}

function generate(config: DatasetConfig, rng: Rng): Dataset {
  switch (config.kind) {
    case 'exam-scores':
      return examScores(config.samples ?? 400, rng);
    case 'moons':
      return twoMoons(config.samples ?? 400, config.noise ?? 0.1, rng);
    case 'spirals':
      return spirals(config.samples ?? 600, config.classes ?? 3, config.noise ?? 0.2, rng);
    case 'blobs':
      return blobs(config.samples ?? 400, config.centers ?? 3, config.std ?? 1, rng);
    case 'shapes':
      return shapes(config.samples ?? 600, rng, { noise: config.noise ?? 0.1 });
    case 'csv':
      return parseCsv(config.text, { labelColumn: config.labelColumn, delimiter: config.delimiter });
  }
}

/** The layer for `spec` given the shape of one sample arriving at it (no batch dimension). */
function createLayer(spec: LayerConfig, sample: readonly number[], name: string, rng: Rng): Layer {
  const channels = sample[0];
  switch (spec.type) {
    case 'dense':
      return new Dense({ name, inFeatures: sample[sample.length - 1], outFeatures: spec.units, bias: spec.bias, init: spec.init }, rng);
    case 'conv2d':
      requireRank(spec.type, sample, 3, '[C, H, W]');
      return new Conv2d({ name, inChannels: channels, outChannels: spec.filters, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding, dilation: spec.dilation, groups: spec.groups, bias: spec.bias, init: spec.init }, rng);
    case 'conv1d':
      requireRank(spec.type, sample, 2, '[C, L]');
      return new Conv1d({ name, inChannels: channels, outChannels: spec.filters, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding, dilation: spec.dilation, groups: spec.groups, bias: spec.bias, init: spec.init }, rng);
    case 'maxpool2d':
      return new MaxPool2d({ name, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding });
    case 'avgpool2d':
      return new AvgPool2d({ name, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding });
    case 'maxpool1d':
      return new MaxPool1d({ name, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding });
    case 'avgpool1d':
      return new AvgPool1d({ name, kernelSize: spec.kernelSize, stride: spec.stride, padding: spec.padding });
    case 'globalavgpool':
      return new GlobalAvgPool({ name });
    case 'flatten':
      return new Flatten({ name });
    case 'identity':
      return new Identity({ name });
    case 'reshape':
      return new Reshape({ name, shape: spec.shape });
    case 'transpose':
      return new Transpose({ name, perm: spec.perm });
    case 'dropout':
      return new Dropout({ name, p: spec.p });
    case 'relu':
      return new ReLU({ name });
    case 'relu6':
      return new ReLU6({ name });
    case 'leakyrelu':
      return new LeakyReLU({ name, negativeSlope: spec.negativeSlope });
    case 'clip':
      return new Clip({ name, min: spec.min, max: spec.max });
    case 'sigmoid':
      return new Sigmoid({ name });
    case 'tanh':
      return new Tanh({ name });
    case 'gelu':
      return new GELU({ name, approximate: spec.approximate });
    case 'silu':
      return new SiLU({ name });
    case 'softmax':
      return new Softmax({ name, axis: spec.axis });
    case 'batchnorm': {
      const options = { name, numFeatures: channels, momentum: spec.momentum, eps: spec.eps, affine: spec.affine };
      if (sample.length === 3) return pytorchBatchNorm2d(options);
      if (sample.length === 1 || sample.length === 2) return pytorchBatchNorm1d(options);
      throw new ConfigError(`batchnorm "${name}" needs [C], [C, L] or [C, H, W] samples, got [${sample.join(',')}]`);
    }
    case 'layernorm':
      return new LayerNorm({ name, normalizedShape: [sample[sample.length - 1]], eps: spec.eps });
    case 'groupnorm':
      return new GroupNorm({ name, numGroups: spec.groups, numChannels: channels, eps: spec.eps });
  }
}

function requireRank(type: string, sample: readonly number[], rank: number, layout: string): void {
  if (sample.length !== rank) throw new ConfigError(`${type} needs samples shaped ${layout}, the previous layer gives [${sample.join(',')}]`);
}

export interface LayerSummary {
  name: string;
  kind: string;
  /** Per sample (no batch dimension). */
  outputShape: number[];
  parameters: number;
}

/**
 * The sequential model for `layers` on samples of `sampleShape`. Each layer's output shape is found
 * by running it once in eval mode on a zero batch of 2, which keeps shape rules in one place (the layers).
 */
export function buildModel(layers: readonly LayerConfig[], sampleShape: readonly number[], rngs: JobRngs): { model: Model; summary: LayerSummary[] } {
  const built: Layer[] = [];
  const summary: LayerSummary[] = [];
  const used = new Set<string>(['input']);
  let shape = [...sampleShape];
  const probeCtx = { training: false, rng: createRng(0) };
  layers.forEach((spec, i) => {
    const base = spec.name ?? spec.type;
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    let layer: Layer;
    let out: Tensor;
    try {
      layer = createLayer(spec, shape, name, rngs.init);
      out = layer.forward([Tensor.zeros([2, ...shape])], probeCtx);
    } catch (e) {
      throw new ConfigError(`config.layers[${i}] (${spec.type}) on input [${shape.join(',')}]: ${e instanceof Error ? e.message : String(e)}`);
    }
    shape = out.shape.slice(1);
    built.push(layer);
    summary.push({ name, kind: layer.kind, outputShape: [...shape], parameters: layer.parameters().reduce((s, p) => s + p.value.size, 0) });
  });
  return { model: Model.sequential(built, { rng: rngs.forward }), summary };
}

export function buildOptimizer(config: OptimizerConfig, lr: number, model: Model): Optimizer {
  const params = model.parameters().map((p) => p.parameter);
  switch (config.type) {
    case 'sgd':
      return new SGD(params, { lr, momentum: config.momentum, dampening: config.dampening, nesterov: config.nesterov, weightDecay: config.weightDecay });
    case 'adam':
      return new Adam(params, { lr, beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr, beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay });
  }
}

/** The model's output per sample must fit the loss and the number of classes. */
export function checkOutput(config: TrainingJobConfig, outputShape: readonly number[], numClasses: number): void {
  const loss = config.loss ?? 'cross-entropy';
  const size = outputShape.reduce((a, b) => a * b, 1);
  const ok = loss === 'cross-entropy' ? outputShape.length === 1 && size === numClasses : loss === 'bce' ? size === 1 && numClasses === 2 : size === 1 || size === numClasses;
  if (!ok) {
    const expected = loss === 'cross-entropy' ? `[${numClasses}]` : loss === 'bce' ? '[1] (two classes)' : `[1] or [${numClasses}]`;
    throw new ConfigError(`the last layer gives [${outputShape.join(',')}] per sample; loss "${loss}" on ${numClasses} classes needs ${expected}`);
  }
}
