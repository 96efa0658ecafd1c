// Forward values against independent references: convolution against a direct loop, pooling and
// activations against hand-computed or known values.
import { describe, expect, it } from 'vitest';
import type { ForwardContext } from '../../../../src/engine/layer';
import {
  Add, AvgPool2d, Clip, Concat, Conv1d, Conv2d, Dense, Dropout, Flatten, GELU, GlobalAvgPool, LeakyReLU, MaxPool2d,
  ReLU, ReLU6, Reshape, Sigmoid, SiLU, Softmax, Transpose,
} from '../../../../src/engine/layers';
import { erf } from '../../../../src/engine/layers/erf';
import { applyBinary, clip, clipTensor, map } from '../../../../src/engine/ops/elementwise';
import { createRng } from '../../../../src/engine/rng';
import { Tensor } from '../../../../src/engine/tensor';
import { randomTensor } from '../gradcheck';

const evalCtx: ForwardContext = { training: false, rng: createRng(0) };
const trainCtx = (seed: number): ForwardContext => ({ training: true, rng: createRng(seed) });

interface DirectConv {
  stride: [number, number];
  pads: [number, number];
  dilation: [number, number];
  groups: number;
}

/** y[n,co,oh,ow] = b[co] + Σ_{ci in group, i, j} w[co,ci,i,j]·x[n, g·cinG+ci, oh·s−p+i·d, ow·s−p+j·d]. */
function directConv(x: Tensor, w: Tensor, b: Tensor | undefined, o: DirectConv): Float64Array {
  const [N, C, H, W] = x.shape;
  const [CO, CIG, KH, KW] = w.shape;
  const OH = Math.floor((H + 2 * o.pads[0] - o.dilation[0] * (KH - 1) - 1) / o.stride[0]) + 1;
  const OW = Math.floor((W + 2 * o.pads[1] - o.dilation[1] * (KW - 1) - 1) / o.stride[1]) + 1;
  const coutG = CO / o.groups;
  const y = new Float64Array(N * CO * OH * OW);
  for (let n = 0; n < N; n++) for (let co = 0; co < CO; co++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = b ? b.data[co] : 0;
    const grp = Math.floor(co / coutG);
    for (let ci = 0; ci < CIG; ci++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
      const ih = oh * o.stride[0] - o.pads[0] + i * o.dilation[0];
      const iw = ow * o.stride[1] - o.pads[1] + j * o.dilation[1];
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      s += w.data[((co * CIG + ci) * KH + i) * KW + j] * x.data[((n * C + grp * CIG + ci) * H + ih) * W + iw];
    }
    y[((n * CO + co) * OH + oh) * OW + ow] = s;
  }
  return y;
}

describe('Conv2d against a direct loop', () => {
  const cases: [string, DirectConv, number, number, number, number[]][] = [
    ['stride 1, no padding', { stride: [1, 1], pads: [0, 0], dilation: [1, 1], groups: 1 }, 3, 4, 3, [2, 3, 6, 6]],
    ['stride 2, padding 1', { stride: [2, 2], pads: [1, 1], dilation: [1, 1], groups: 1 }, 3, 5, 3, [1, 3, 7, 8]],
    ['dilation 2', { stride: [1, 2], pads: [2, 1], dilation: [2, 2], groups: 1 }, 2, 3, 3, [2, 2, 8, 7]],
    ['groups 2', { stride: [1, 1], pads: [1, 1], dilation: [1, 1], groups: 2 }, 4, 6, 3, [2, 4, 5, 5]],
    ['depthwise', { stride: [1, 1], pads: [1, 1], dilation: [1, 1], groups: 5 }, 5, 5, 3, [1, 5, 6, 6]],
  ];
  for (const [label, o, cin, cout, k, shape] of cases) {
    it(label, () => {
      const conv = new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, stride: o.stride, padding: o.pads, dilation: o.dilation, groups: o.groups, dtype: 'float64' }, createRng(1));
      const x = randomTensor(shape, 2);
      const y = conv.forward([x], evalCtx);
      const expected = directConv(x, conv.weight.value, conv.bias?.value, o);
      expect(y.size).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) expect(y.data[i]).toBeCloseTo(expected[i], 10);
    });
  }

  it('"same" keeps the size at stride 1 and gives ⌈in/stride⌉ at stride 2, padding the extra at the end', () => {
    const same1 = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 4, padding: 'same', dtype: 'float64' }, createRng(3));
    expect(same1.forward([randomTensor([1, 1, 7, 5], 4)], evalCtx).shape).toEqual([1, 1, 7, 5]);
    const same2 = new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, stride: 2, padding: 'same', bias: false, dtype: 'float64' }, createRng(3));
    const x = randomTensor([1, 1, 6, 6], 5);
    const y = same2.forward([x], evalCtx);
    expect(y.shape).toEqual([1, 1, 3, 3]);
    // total padding 1 → 0 before, 1 after: the first output reads rows/cols 0..2.
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += same2.weight.value.data[i * 3 + j] * x.data[i * 6 + j];
    expect(y.data[0]).toBeCloseTo(s, 12);
  });

  it('float32 agrees with float64 to float32 precision', () => {
    const c64 = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, dtype: 'float64' }, createRng(9));
    const c32 = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }, createRng(9));
    const x64 = randomTensor([2, 3, 5, 5], 10);
    const x32 = Tensor.fromArray(x64.data, x64.shape);
    const y64 = c64.forward([Tensor.fromArray(x32.data, x32.shape, 'float64')], evalCtx);
    const y32 = c32.forward([x32], evalCtx);
    expect(y32.dtype).toBe('float32');
    for (let i = 0; i < y64.size; i++) expect(Math.abs(y32.data[i] - y64.data[i])).toBeLessThan(1e-5);
  });

  it('refuses a wrong channel count, mismatched dtype and groups that do not divide', () => {
    const conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1 }, createRng(0));
    expect(() => conv.forward([Tensor.zeros([1, 3, 2, 2])], evalCtx)).toThrow(/channels/);
    expect(() => conv.forward([Tensor.zeros([1, 2, 2, 2], 'float64')], evalCtx)).toThrow(/float32/);
    expect(() => new Conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1, groups: 2 }, createRng(0))).toThrow(/groups/);
  });
});

describe('Conv1d', () => {
  it('equals Conv2d on a height-1 image with a 1×k kernel', () => {
    const c1 = new Conv1d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, dtype: 'float64' }, createRng(4));
    const c2 = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: [1, 3], stride: [1, 2], padding: [0, 1], dtype: 'float64' }, createRng(4));
    expect(c1.weight.value.shape).toEqual([3, 2, 3]);
    const x = randomTensor([2, 2, 9], 5);
    const y1 = c1.forward([x], evalCtx);
    const y2 = c2.forward([x.reshape([2, 2, 1, 9])], evalCtx);
    expect(y1.shape).toEqual([2, 3, 5]);
    expect(Array.from(y1.data)).toEqual(Array.from(y2.data));
  });
});

describe('Dense', () => {
  it('computes x·Wᵀ + b with W stored [out, in]', () => {
    const d = new Dense({ inFeatures: 2, outFeatures: 3, dtype: 'float64' }, createRng(0));
    d.weight.value.data.set([1, 2, 3, 4, 5, 6]);
    d.bias?.value.data.set([0.5, -1, 2]);
    const y = d.forward([Tensor.fromArray([1, -1, 2, 0.5], [2, 2], 'float64')], evalCtx);
    expect(Array.from(y.data)).toEqual([1 - 2 + 0.5, 3 - 4 - 1, 5 - 6 + 2, 2 + 1 + 0.5, 6 + 2 - 1, 10 + 3 + 2]);
  });
});

describe('pooling values', () => {
  const x = Tensor.fromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 1, 4, 4], 'float64');
  it('MaxPool2d 2×2', () => expect(Array.from(new MaxPool2d({ kernelSize: 2 }).forward([x], evalCtx).data)).toEqual([6, 8, 14, 16]));
  it('AvgPool2d 2×2', () => expect(Array.from(new AvgPool2d({ kernelSize: 2 }).forward([x], evalCtx).data)).toEqual([3.5, 5.5, 11.5, 13.5]));
  it('AvgPool2d with padding divides by the full window by default, by the valid cells otherwise', () => {
    const include = new AvgPool2d({ kernelSize: 2, stride: 2, padding: 1 }).forward([x], evalCtx);
    const exclude = new AvgPool2d({ kernelSize: 2, stride: 2, padding: 1, countIncludePad: false }).forward([x], evalCtx);
    expect(include.shape).toEqual([1, 1, 3, 3]);
    expect(include.data[0]).toBe(1 / 4);
    expect(exclude.data[0]).toBe(1);
    expect(exclude.data[1]).toBe((2 + 3) / 2);
  });
  it('MaxPool2d pads with −∞, not zero', () => {
    const neg = Tensor.filled([1, 1, 2, 2], -5, 'float64');
    expect(Array.from(new MaxPool2d({ kernelSize: 2, padding: 1 }).forward([neg], evalCtx).data)).toEqual([-5, -5, -5, -5]);
  });
  it('GlobalAvgPool', () => expect(Array.from(new GlobalAvgPool().forward([x], evalCtx).data)).toEqual([8.5]));
});

describe('activation values', () => {
  it('erf matches known values to 1e-14', () => {
    const known: [number, number][] = [[0, 0], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.5, 0.9995930479825550], [3, 0.9999779095030014], [-1.5, -0.9661051464753108]];
    for (const [x, v] of known) expect(Math.abs(erf(x) - v)).toBeLessThan(1e-14);
  });
  it('GELU exact form is x·Φ(x) (tabulated normal CDF), the tanh form stays within 1e-3 of it', () => {
    const x = Tensor.fromArray([-2, -0.5, 0, 1, 3], [5], 'float64');
    const exact = new GELU().forward([x], evalCtx).data;
    const approx = new GELU({ approximate: 'tanh' }).forward([x], evalCtx).data;
    const phi = [0.022750131948179195, 0.3085375387259869, 0.5, 0.8413447460685429, 0.9986501019683699];
    for (let i = 0; i < 5; i++) {
      expect(exact[i]).toBeCloseTo(x.data[i] * phi[i], 14);
      expect(Math.abs(approx[i] - exact[i])).toBeLessThan(1e-3);
    }
    expect(approx[3]).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 15);
    expect(approx[3]).not.toBe(exact[3]);
  });
  it('Sigmoid and SiLU stay finite for large |x|', () => {
    const x = Tensor.fromArray([-1000, 1000], [2], 'float64');
    expect(Array.from(new Sigmoid().forward([x], evalCtx).data)).toEqual([0, 1]);
    expect(Array.from(new SiLU().forward([x], evalCtx).data)).toEqual([-0, 1000]);
  });
  it('LeakyReLU and ReLU6', () => {
    const x = Tensor.fromArray([-2, 3, 8], [3], 'float64');
    expect(Array.from(new LeakyReLU().forward([x], evalCtx).data)).toEqual([-0.02, 3, 8]);
    expect(Array.from(new ReLU6().forward([x], evalCtx).data)).toEqual([0, 3, 6]);
  });
  it('ReLU on float32 (bitwise, branch-free) gives the float64 loop\'s values and gradient, special values too', () => {
    const special = [0, -0, NaN, -NaN, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38, -3.4e38, 1.5, -1.5];
    const values = [...special, ...Array.from(randomTensor([257], 4).data)];
    const f32 = Tensor.fromArray(values, [values.length], 'float32');
    const f64 = Tensor.fromArray(f32.data, [values.length], 'float64');
    const dy = Tensor.fromArray(values.map((_, i) => i + 1), [values.length], 'float32');
    const r32 = new ReLU(), r64 = new ReLU();
    const y32 = Array.from(r32.forward([f32], evalCtx).data), y64 = Array.from(r64.forward([f64], evalCtx).data);
    // +0 for every non-positive value and NaN (no −0), x itself otherwise.
    expect(y32).toEqual(y64.map((v) => (v === 0 ? 0 : v)));
    expect(y32.every((v) => !Object.is(v, -0) && !Number.isNaN(v))).toBe(true);
    const dx32 = Array.from(r32.backward(dy)[0].data);
    const dx64 = Array.from(r64.backward(Tensor.fromArray(dy.data, dy.shape, 'float64'))[0].data);
    expect(dx32).toEqual(dx64);
  });
  it('Clip and ReLU6 on float32 (branch-free) give the float64 loop\'s values and gradient, special values too', () => {
    const special = [0, -0, NaN, Infinity, -Infinity, 6, 6.000001, -1.1, -1.2, 2.3, 2.31, 1e-45];
    const values = [...special, ...Array.from(randomTensor([257], 5, 4).data)];
    for (const make of [() => new ReLU6(), () => new Clip({ min: -1.1, max: 2.3 }), () => new Clip({ min: -Infinity, max: 0.5 })]) {
      const f32 = Tensor.fromArray(values, [values.length], 'float32');
      const f64 = Tensor.fromArray(f32.data, [values.length], 'float64');
      const a = make(), b = make();
      const y32 = Array.from(a.forward([f32], evalCtx).data);
      const y64 = Array.from(b.forward([f64], evalCtx).data).map((v) => Math.fround(v));
      expect(y32).toEqual(y64);
      const dy = values.map((_, i) => i + 1);
      expect(Array.from(a.backward(Tensor.fromArray(dy, [values.length], 'float32'))[0].data))
        .toEqual(Array.from(b.backward(Tensor.fromArray(dy, [values.length], 'float64'))[0].data));
    }
  });
  it('ONNX Clip (clipTensor) and same-shape float32 Add/Sub/Mul/Div agree with the per-element functions', () => {
    const values = [0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, 7, ...Array.from(randomTensor([100], 6, 3).data)];
    const x = Tensor.fromArray(values, [4, values.length / 4], 'float32');
    for (const [min, max] of [[0, 6], [-1, 1], [-Infinity, 0.25], [2, 1]]) {
      const got = clipTensor(x, min, max);
      expect(got.shape).toEqual(x.shape);
      expect(Array.from(got.data)).toEqual(Array.from(map(x, clip(min, max)).data));
    }
    const y = Tensor.fromArray(values.map((v, i) => (i % 3) - v), x.shape, 'float32');
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      const got = applyBinary(op, x, y);
      const expected = Array.from(x.data, (v, i) => Math.fround(op === 'Add' ? v + y.data[i] : op === 'Sub' ? v - y.data[i] : op === 'Mul' ? v * y.data[i] : v / y.data[i]));
      expect(got.dtype).toBe('float32');
      expect(Array.from(got.data)).toEqual(expected.map((v, i) => (Number.isNaN(v) ? got.data[i] : v)));
      expect(Array.from(got.data).map(Number.isNaN)).toEqual(expected.map(Number.isNaN));
    }
  });
  it('Softmax is stable for large logits and sums to one along its axis', () => {
    const x = Tensor.fromArray([1000, 1001, 1002, -5, 0, 5], [2, 3], 'float64');
    const y = new Softmax().forward([x], evalCtx).data;
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e[0] + e[1] + e[2];
    expect(y[0]).toBeCloseTo(e[0] / z, 15);
    expect(y[2]).toBeCloseTo(1 / z, 15);
    expect(y[3] + y[4] + y[5]).toBeCloseTo(1, 15);
  });
});

describe('shape and merge layers', () => {
  it('Transpose [0, 3, 1, 2] turns NHWC into NCHW', () => {
    const nhwc = Tensor.fromArray(Array.from({ length: 12 }, (_, i) => i), [1, 2, 3, 2], 'float64'); // h, w, c
    const nchw = new Transpose({ perm: [0, 3, 1, 2] }).forward([nhwc], evalCtx);
    expect(nchw.shape).toEqual([1, 2, 2, 3]);
    for (let c = 0; c < 2; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 3; w++) {
      expect(nchw.data[(c * 2 + h) * 3 + w]).toBe(nhwc.data[(h * 3 + w) * 2 + c]);
    }
  });
  it('Flatten and Reshape keep the batch dimension', () => {
    const x = Tensor.zeros([2, 3, 4]);
    expect(new Flatten().forward([x], evalCtx).shape).toEqual([2, 12]);
    expect(new Reshape({ shape: [-1, 2] }).forward([x], evalCtx).shape).toEqual([2, 6, 2]);
    expect(() => new Reshape({ shape: [5] }).forward([x], evalCtx)).toThrow(/reshape/);
  });
  it('Add and Concat', () => {
    const a = Tensor.fromArray([1, 2, 3, 4], [2, 2]);
    const b = Tensor.fromArray([10, 20, 30, 40], [2, 2]);
    expect(Array.from(new Add().forward([a, b], evalCtx).data)).toEqual([11, 22, 33, 44]);
    expect(Array.from(new Concat({ axis: 1 }).forward([a, b], evalCtx).data)).toEqual([1, 2, 10, 20, 3, 4, 30, 40]);
    expect(Array.from(new Concat({ axis: 0 }).forward([a, b], evalCtx).data)).toEqual([1, 2, 3, 4, 10, 20, 30, 40]);
    expect(() => new Add().forward([a, Tensor.zeros([4])], evalCtx)).toThrow(/differ/);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the values and scales survivors by 1/(1−p) in train mode, passes through in eval', () => {
    const x = Tensor.filled([10000], 1);
    const d = new Dropout({ p: 0.25 });
    const y = d.forward([x], trainCtx(1)).data;
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / 10000).toBeGreaterThan(0.23);
    expect(zeros / 10000).toBeLessThan(0.27);
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    expect(d.forward([x], evalCtx)).toBe(x);
  });
  it('is reproducible from the seed', () => {
    const x = Tensor.filled([100], 1);
    const a = new Dropout().forward([x], trainCtx(5)).data;
    const b = new Dropout().forward([x], trainCtx(5)).data;
    const c = new Dropout().forward([x], trainCtx(6)).data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
