// The engine layers Keras models need beyond the basic ones: forward values against their
// definitions on small hand-checked cases, and backward passes by finite differences (float64).
import { describe, expect, it } from 'vitest';
import type { Layer } from '../../../../src/engine/layer';
import {
  Broadcast, ChannelAffine, ELU, HardSigmoid, HardSwish, Pad, Reduce, Repeat, SELU, Softplus,
} from '../../../../src/engine/layers';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { checkGradients, randomTensor } from '../gradcheck';

const ctx = { training: false, rng: createRng(0) };
const f64 = (values: number[], shape: number[]): Tensor => Tensor.fromArray(values, shape, 'float64');

function expectGradientsMatch(layer: Layer, inputs: Tensor[]): void {
  const report = checkGradients(layer, inputs);
  expect(report.ok, report.describe()).toBe(true);
  expect(report.checked).toBeGreaterThan(0);
}

describe('Broadcast', () => {
  const a = f64([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  const b = f64([10, 20, 30], [3]);
  it.each([
    ['add', [11, 22, 33, 14, 25, 36]],
    ['subtract', [-9, -18, -27, -6, -15, -24]],
    ['multiply', [10, 40, 90, 40, 100, 180]],
    ['average', [5.5, 11, 16.5, 7, 12.5, 18]],
    ['maximum', [10, 20, 30, 10, 20, 30]],
    ['minimum', [1, 2, 3, 4, 5, 6]],
  ] as const)('%s of [1,2,3] and [3] broadcasts the second over the rows', (op, want) => {
    const y = new Broadcast({ op }).forward([a, b], ctx);
    expect([y.shape, [...y.data]]).toEqual([[1, 2, 3], want]);
  });

  it('squeeze-and-excitation shapes: [N,H,W,C]·[N,1,1,C] → [N,H,W,C]', () => {
    const y = new Broadcast({ op: 'multiply' }).forward([Tensor.filled([2, 3, 3, 4], 2), Tensor.filled([2, 1, 1, 4], 3)], ctx);
    expect([y.shape, y.data.every((v) => v === 6)]).toEqual([[2, 3, 3, 4], true]);
  });

  it('refuses shapes that do not broadcast, and Subtract of three inputs', () => {
    expect(() => new Broadcast({ op: 'add' }).forward([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])], ctx)).toThrow('shapes [2,3] and [2,4] do not broadcast');
    expect(() => new Broadcast({ op: 'subtract' }).forward([a, a, a], ctx)).toThrow('Subtract takes exactly 2 input(s), got 3');
  });

  it.each(['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'] as const)('%s: gradients sum over broadcast axes', (op) => {
    expectGradientsMatch(new Broadcast({ op }), [randomTensor([2, 3, 4], 1), randomTensor([2, 1, 4], 2)]);
  });

  it('three-input multiply: gradients', () => {
    expectGradientsMatch(new Broadcast({ op: 'multiply' }), [randomTensor([2, 3], 3), randomTensor([3], 4), randomTensor([2, 1], 5)]);
  });
});

describe('Pad', () => {
  it('pads with zeros and crops with negative amounts', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const padded = new Pad({ pads: [[1, 0], [0, 1]] }).forward([x], ctx);
    expect([padded.shape, [...padded.data]]).toEqual([[1, 3, 4], [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0]]);
    const cropped = new Pad({ pads: [[0, -1], [-1, 0]] }).forward([x], ctx);
    expect([cropped.shape, [...cropped.data]]).toEqual([[1, 1, 2], [2, 3]]);
    expect(() => new Pad({ pads: [[0, -2], [0, 0]] }).forward([x], ctx)).toThrow('leaves nothing');
  });

  it('gradients of a padding and a crop', () => {
    expectGradientsMatch(new Pad({ pads: [[1, 2], [0, 1], [0, 0]] }), [randomTensor([2, 3, 2, 2], 6)]);
    expectGradientsMatch(new Pad({ pads: [[-1, 0], [1, -2], [0, 0]] }), [randomTensor([2, 3, 4, 2], 7)]);
  });
});

describe('Repeat', () => {
  it('repeats each element along each axis (nearest upsampling)', () => {
    const y = new Repeat({ factors: [2, 3] }).forward([f64([1, 2], [1, 1, 2])], ctx);
    expect([y.shape, [...y.data]]).toEqual([[1, 2, 6], [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]]);
  });
  it('gradients', () => expectGradientsMatch(new Repeat({ factors: [2, 2, 1] }), [randomTensor([2, 2, 3, 2], 8)]));
});

describe('Reduce', () => {
  const x = f64([1, 5, 2, 4, 3, 0, -1, 7], [1, 2, 2, 2]);
  it('mean and max over the spatial axes of NHWC data, with and without keepdims', () => {
    const mean = new Reduce({ mode: 'mean', axes: [1, 2] }).forward([x], ctx);
    expect([mean.shape, [...mean.data]]).toEqual([[1, 2], [1.25, 4]]);
    const max = new Reduce({ mode: 'max', axes: [1, 2], keepDims: true }).forward([x], ctx);
    expect([max.shape, [...max.data]]).toEqual([[1, 1, 1, 2], [3, 7]]);
  });
  it('gradients', () => {
    expectGradientsMatch(new Reduce({ mode: 'mean', axes: [1, -2] }), [randomTensor([2, 3, 2, 2], 9)]);
    expectGradientsMatch(new Reduce({ mode: 'max', axes: [2], keepDims: true }), [randomTensor([2, 3, 4], 10)]);
  });
});

describe('ChannelAffine', () => {
  it('scales and shifts the last axis, by scalars or per channel', () => {
    const x = f64([1, 2, 3, 4], [2, 2]);
    expect([...new ChannelAffine({ scale: [2, 3], offset: [1] }).forward([x], ctx).data]).toEqual([3, 7, 7, 13]);
    expect(() => new ChannelAffine({ scale: [1, 2, 3], offset: [0] }).forward([x], ctx)).toThrow('3 scale values for a last axis of 2');
  });
  it('gradients', () => expectGradientsMatch(new ChannelAffine({ scale: [0.5, -2, 3], offset: [1, 2, 3] }), [randomTensor([2, 2, 3], 11)]));
});

describe('activations', () => {
  const x = f64([-4, -1, 0, 0.5, 2, 4], [6]);
  const values = (layer: Layer): number[] => [...layer.forward([x], ctx).data].map((v) => Number(v.toFixed(6)));
  it('ELU, SELU, Softplus, HardSigmoid (both slopes) and HardSwish against their formulas', () => {
    expect(values(new ELU({ alpha: 0.5 }))).toEqual([-4, -1, 0, 0.5, 2, 4].map((v) => Number((v > 0 ? v : 0.5 * Math.expm1(v)).toFixed(6))));
    expect(values(new SELU())).toEqual([-4, -1, 0, 0.5, 2, 4].map((v) => Number((1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v))).toFixed(6))));
    expect(values(new Softplus())).toEqual([-4, -1, 0, 0.5, 2, 4].map((v) => Number(Math.log(1 + Math.exp(v)).toFixed(6))));
    expect(values(new HardSigmoid())).toEqual([0, 0.333333, 0.5, 0.583333, 0.833333, 1]);
    expect(values(new HardSigmoid({ slope: 0.2, offset: 0.5 }))).toEqual([0, 0.3, 0.5, 0.6, 0.9, 1]);
    expect(values(new HardSwish())).toEqual([0, -0.333333, 0, 0.291667, 1.666667, 4]);
  });
  it.each([new ELU({ alpha: 0.7 }), new SELU(), new Softplus(), new HardSigmoid(), new HardSwish()])('%s: gradients', (layer) => {
    expectGradientsMatch(layer, [randomTensor([3, 5], 12, 2)]);
  });
});
