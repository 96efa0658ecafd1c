// The recorder's numbers against direct computations: statistics, histograms with fixed edges,
// per-channel moments along the right axis, sampling, the normalization state, gradient norms, and
// the step protocol a model follows.

import { describe, expect, it } from 'vitest';
import type { Layer, Parameter } from '../../../../src/engine/layer';
import { Model } from '../../../../src/engine/model';
import { kerasBatchNormalization, pytorchBatchNorm2d } from '../../../../src/engine/norm';
import { ActivationRecorder, transferList, type StepRecord, type TensorSummary } from '../../../../src/engine/recorder';
import { planSample } from '../../../../src/engine/recorder/sampling';
import { Tensor } from '../../../../src/engine/tensor';
import { randomTensor, seededRng } from '../gradcheck';

const TRAIN = { training: true, rng: seededRng(1) };

/** A parameter-free layer that returns its input, recorded only when selected explicitly. */
function identity(name: string): Layer {
  return { name, kind: 'Identity', forward: ([x]) => x, backward: (g) => [g], parameters: () => [], buffers: () => ({}) };
}

function recordOne(recorder: ActivationRecorder, layer: Layer, x: Tensor, step = 0): StepRecord {
  recorder.beginStep(step);
  recorder.observer(layer.name, layer, [x], layer.forward([x], TRAIN));
  const record = recorder.endStep();
  if (!record) throw new Error('step not recorded');
  return record;
}

function direct(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return { mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length };
}

/** Values of channel c along the given axis. */
function channelValues(t: Tensor, axis: number, c: number): number[] {
  const inner = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = t.shape[axis];
  return Array.from(t.data).filter((_, i) => Math.floor(i / inner) % channels === c);
}

function expectSummaryOf(summary: TensorSummary, t: Tensor): void {
  const all = Array.from(t.data);
  const { mean, variance } = direct(all);
  expect(summary.sampled).toBe(all.length);
  expect(summary.min).toBe(Math.min(...all));
  expect(summary.max).toBe(Math.max(...all));
  expect(summary.mean).toBeCloseTo(mean, 12);
  expect(summary.std).toBeCloseTo(Math.sqrt(variance), 12);
  const { edges, counts, underflow, overflow } = summary.histogram;
  const bins = counts.length;
  const expected = new Array<number>(bins).fill(0);
  let under = 0;
  let over = 0;
  for (const v of all) {
    if (v < edges[0]) under++;
    else if (v > edges[bins]) over++;
    else expected[Math.min(Math.floor(((v - edges[0]) / (edges[bins] - edges[0])) * bins), bins - 1)]++;
  }
  expect(Array.from(counts)).toEqual(expected);
  expect([underflow, overflow]).toEqual([under, over]);
}

describe('ActivationRecorder', () => {
  it('summarizes a BatchNorm input and output exactly when every element is sampled, per channel along axis 1', () => {
    const layer = pytorchBatchNorm2d({ name: 'bn1', numFeatures: 3, dtype: 'float64' });
    layer.gamma?.value.data.set([2, 0.5, 1]);
    layer.beta?.value.data.set([0.1, -1, 3]);
    const x = randomTensor([4, 3, 5, 6], 1, 2, 0.5);
    const record = recordOne(new ActivationRecorder(), layer, x);
    expect(record.layers.map((l) => [l.layerName, l.kind])).toEqual([['bn1', 'BatchNorm']]);
    const { input, output, normalization } = record.layers[0];
    expect(Array.from(normalization?.runningMean ?? [])).toEqual(Array.from(layer.buffers().running_mean.data));
    expect(Array.from(normalization?.runningVariance ?? [])).toEqual(Array.from(layer.buffers().running_var.data));
    const y = layer.forward([x], TRAIN); // the same output again (batch statistics)
    expectSummaryOf(input, x);
    expectSummaryOf(output, y);
    expect(input.channelAxis).toBe(1);
    for (let c = 0; c < 3; c++) {
      const xs = direct(channelValues(x, 1, c));
      expect(input.channelMean[c]).toBeCloseTo(xs.mean, 12);
      expect(input.channelVariance[c]).toBeCloseTo(xs.variance, 12);
      expect(normalization?.batchMean?.[c]).toBeCloseTo(xs.mean, 12);
      expect(normalization?.batchVariance?.[c]).toBeCloseTo(xs.variance, 12);
      // After BN in train mode each channel has mean β and variance γ²·σ²/(σ² + ε).
      const g = layer.gamma?.value.data[c] ?? NaN;
      expect(output.channelMean[c]).toBeCloseTo(layer.beta?.value.data[c] ?? NaN, 10);
      expect(output.channelVariance[c]).toBeCloseTo((g * g * xs.variance) / (xs.variance + 1e-5), 10);
    }
    expect(Array.from(normalization?.gamma ?? [])).toEqual([2, 0.5, 1]);
    expect(Array.from(normalization?.beta ?? [])).toEqual([0.1, -1, 3]);
  });

  it('takes the channels of a channels-last Keras BatchNorm from the last axis', () => {
    const layer = kerasBatchNormalization({ name: 'bn', numFeatures: 4, dtype: 'float64' });
    const x = randomTensor([3, 5, 5, 4], 2, 1, 0);
    for (let i = 0; i < x.size; i++) x.data[i] += i % 4; // channel c has mean ≈ c
    const { input } = recordOne(new ActivationRecorder(), layer, x).layers[0];
    expect(input.channelAxis).toBe(3);
    for (let c = 0; c < 4; c++) expect(input.channelMean[c]).toBeCloseTo(direct(channelValues(x, 3, c)).mean, 12);
  });

  it('takes a channel axis for other layers from the option, counting negative axes from the end', () => {
    const x = randomTensor([2, 3, 4], 13);
    const recorder = new ActivationRecorder({ select: () => true, channelAxis: () => -1 });
    const { input } = recordOne(recorder, identity('id'), x).layers[0];
    expect(input.channelAxis).toBe(2);
    expect(input.channelMean.length).toBe(4);
    expect(input.channelMean[3]).toBeCloseTo(direct(channelValues(x, 2, 3)).mean, 12);
    const none = recordOne(new ActivationRecorder({ select: () => true, channelAxis: () => undefined }), identity('id'), x).layers[0].input;
    expect([none.channelAxis, none.channelMean.length]).toEqual([-1, 1]);
  });

  it('keeps the histogram edges of the first recorded step, so later values fall in under/overflow', () => {
    const recorder = new ActivationRecorder({ bins: 16 });
    const layer = pytorchBatchNorm2d({ name: 'bn', numFeatures: 2, dtype: 'float64' });
    const first = recordOne(recorder, layer, randomTensor([8, 2, 4, 4], 3), 0).layers[0].input.histogram;
    const shifted = recordOne(recorder, layer, randomTensor([8, 2, 4, 4], 4, 1, 100), 1).layers[0].input.histogram;
    expect(Array.from(shifted.edges)).toEqual(Array.from(first.edges));
    expect(shifted.overflow).toBe(256);
    expect(shifted.counts.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('chooses edges from quantiles, so an outlier does not stretch the range', () => {
    const x = randomTensor([4, 2, 50], 5);
    x.data[7] = 1e6;
    const { histogram, max } = recordOne(new ActivationRecorder({ select: () => true }), identity('id'), x).layers[0].input;
    expect(max).toBe(1e6);
    expect(histogram.edges[histogram.edges.length - 1]).toBeLessThan(10);
    expect(histogram.overflow).toBe(1);
  });

  it('gives a constant tensor the range [v − 0.5, v + 0.5]', () => {
    const { histogram, std } = recordOne(new ActivationRecorder({ select: () => true, bins: 4 }), identity('id'), Tensor.filled([3, 2], 2, 'float64')).layers[0].input;
    expect(Array.from(histogram.edges)).toEqual([1.5, 1.75, 2, 2.25, 2.5]);
    expect(Array.from(histogram.counts)).toEqual([0, 0, 6, 0]);
    expect(std).toBe(0);
  });

  it('counts zeros, saturation (magnitude and bounds) and non-finite values', () => {
    const x = Tensor.fromArray([0, 0, 1, -3, 3.5, 6, NaN, Infinity, 2, 0], [2, 5], 'float64');
    const recorder = new ActivationRecorder({
      select: () => true,
      saturation: (_, __, role) => (role === 'input' ? { kind: 'magnitude', threshold: 3 } : { kind: 'bounds', low: 0, high: 6 }),
    });
    const { input, output } = recordOne(recorder, identity('id'), x).layers[0];
    expect(input.nonFinite).toBe(2);
    expect(input.sampled).toBe(8);
    expect(input.zeroFraction).toBe(3 / 8);
    expect(input.saturatedFraction).toBe(3 / 8); // −3, 3.5, 6
    expect(output.saturatedFraction).toBe(5 / 8); // 0, 0, 0 and 6 at the bounds, −3 beyond
  });

  it('samples a fixed, seeded subset of positions per channel, the same at every step', () => {
    const plan = planSample([32, 64, 56, 56], 1, 1024, 7);
    expect(plan.offsets.length).toBe(1024);
    const positions = Array.from(plan.offsets, (o) => Math.floor(o / (64 * 3136)) * 3136 + (o % 3136));
    expect(positions.every((p, i) => p >= 0 && p < 32 * 3136 && (i === 0 || p > positions[i - 1]))).toBe(true);
    expect(Array.from(planSample([32, 64, 56, 56], 1, 1024, 7).offsets)).toEqual(Array.from(plan.offsets));

    const x = randomTensor([16, 4, 32, 32], 8, 2, 1);
    const options = { samplesPerChannel: 256, select: () => true };
    const a = recordOne(new ActivationRecorder(options), identity('id'), x).layers[0].input;
    const b = recordOne(new ActivationRecorder(options), identity('id'), x).layers[0].input;
    expect(a.sampled).toBe(4 * 256);
    expect(a).toEqual(b);
    // A 1/64 sample of a normal(1, 2²) tensor estimates its moments to a few percent.
    expect(a.mean).toBeCloseTo(1, 0);
    expect(a.std).toBeGreaterThan(1.8);
    expect(a.std).toBeLessThan(2.2);
  });

  it('records every k-th step only, and only normalization layers by default', () => {
    const recorder = new ActivationRecorder({ everySteps: 3 });
    const bn = pytorchBatchNorm2d({ name: 'bn', numFeatures: 2 });
    const x = randomTensor([2, 2, 3, 3], 9);
    const xf = Tensor.fromArray(x.data, x.shape, 'float32');
    const recorded = [0, 1, 2, 3, 4].map((step) => {
      const open = recorder.beginStep(step);
      recorder.observer('bn', bn, [xf], bn.forward([xf], TRAIN));
      recorder.observer('id', identity('id'), [xf], xf);
      return [open, recorder.endStep()?.layers.map((l) => l.layerName)];
    });
    expect(recorded).toEqual([[true, ['bn']], [false, undefined], [false, undefined], [true, ['bn']], [false, undefined]]);
  });

  it('records gradient L2 norms of every trainable parameter after backward', () => {
    const bn = pytorchBatchNorm2d({ name: 'bn', numFeatures: 2, dtype: 'float64' });
    const frozen: Parameter = { name: 'frozen', value: Tensor.zeros([2], 'float64'), grad: Tensor.filled([2], 5, 'float64'), trainable: false };
    const weight: Parameter = { name: 'weight', value: Tensor.zeros([2], 'float64'), grad: Tensor.fromArray([3, 4], [2], 'float64'), trainable: true };
    const dense: Layer = { ...identity('dense'), kind: 'Dense', parameters: () => [weight, frozen] };
    const recorder = new ActivationRecorder();
    recorder.beginStep(0);
    const x = randomTensor([3, 2, 2, 2], 10);
    recorder.observer('bn', bn, [x], bn.forward([x], TRAIN));
    bn.backward(randomTensor([3, 2, 2, 2], 11));
    recorder.recordGradients([{ name: 'bn', layer: bn }, { name: 'dense', layer: dense }, { name: 'id', layer: identity('id') }]);
    const { gradients } = recorder.endStep() as StepRecord;
    const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0));
    expect(gradients.map((g) => [g.layerName, g.parameters])).toEqual([['bn', ['weight', 'bias']], ['dense', ['weight']]]);
    expect(gradients[0].l2[0]).toBeCloseTo(norm(bn.gamma?.grad.data ?? []), 12);
    expect(gradients[0].l2[1]).toBeCloseTo(norm(bn.beta?.grad.data ?? []), 12);
    expect(gradients[0].l2[0]).toBeGreaterThan(0);
    expect(gradients[1].l2[0]).toBe(5);
  });

  it('attaches to a Model as its observer, and its records survive postMessage with transfer', () => {
    const model = Model.sequential([pytorchBatchNorm2d({ name: 'bn1', numFeatures: 2 }), identity('id'), pytorchBatchNorm2d({ name: 'bn2', numFeatures: 2 })]);
    const recorder = new ActivationRecorder();
    model.observer = recorder.observer;
    recorder.beginStep(0);
    const x = Tensor.fromArray(randomTensor([4, 2, 3, 3], 12).data, [4, 2, 3, 3]);
    const out = model.forward(x);
    model.backward(out.zerosLike().reshape(out.shape));
    recorder.recordGradients(model.nodes);
    const record = recorder.endStep() as StepRecord;
    expect(record.layers.map((l) => l.layerName)).toEqual(['bn1', 'bn2']);
    expect(record.gradients.map((g) => g.layerName)).toEqual(['bn1', 'bn2']);

    const transfer = transferList(record);
    expect(transfer.length).toBe(2 * (2 * 4 + 6) + 2);
    const received = structuredClone(record, { transfer });
    expect(received.layers[1].output.histogram.counts.reduce((a, b) => a + b, 0)).toBe(72);
    expect(record.layers[1].output.histogram.counts.length).toBe(0); // transferred, so detached here
  });
});
