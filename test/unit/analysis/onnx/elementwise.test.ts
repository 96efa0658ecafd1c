import { describe, it } from 'vitest';
import { expectSameAsOrt, ints, values, type OpCase } from './ortHarness';

const x = values([2, 3, 4, 5], 1);
const positive: typeof x = { shape: x.shape, data: Array.from(x.data, (v) => Math.abs(v) + 0.1) };

const cases: [string, OpCase][] = [
  ['Add, same shape', { op: 'Add', inputs: [x, values([2, 3, 4, 5], 2)], constants: [] }],
  ['Add, per-channel constant [1,3,1,1]', { op: 'Add', inputs: [x, values([1, 3, 1, 1], 3)] }],
  ['Sub, broadcast both ways [2,1,4,1] − [3,1,5]', { op: 'Sub', inputs: [values([2, 1, 4, 1], 4), values([3, 1, 5], 5)], constants: [] }],
  ['Mul by a scalar', { op: 'Mul', inputs: [x, { shape: [], data: [0.75] }] }],
  ['Mul, runtime × runtime with broadcasting (squeeze-excitation)', { op: 'Mul', inputs: [x, values([2, 3, 1, 1], 6)], constants: [] }],
  ['Div, float', { op: 'Div', inputs: [x, positive], constants: [] }],
  ['Div, int64 truncates', { op: 'Div', inputs: [ints([7, -7, 9, 32]), ints([2, 2, -4, 4])], constants: [] }],
  ['Pow with exponent 2', { op: 'Pow', inputs: [x, { shape: [], data: [2] }] }],
  ['Pow, fractional exponent', { op: 'Pow', inputs: [positive, { shape: [1], data: [0.5] }] }],
  ['Sqrt', { op: 'Sqrt', inputs: [positive] }],
  ['Reciprocal', { op: 'Reciprocal', inputs: [positive] }],
  ['Neg', { op: 'Neg', inputs: [x] }],
  ['Abs', { op: 'Abs', inputs: [x] }],
  ['Exp', { op: 'Exp', inputs: [x] }],
  ['Log', { op: 'Log', inputs: [positive] }],
  ['Erf', { op: 'Erf', inputs: [x] }],
  ['Min of three with broadcasting', { op: 'Min', inputs: [x, values([5], 7), values([4, 1], 8)], constants: [] }],
  ['Max of two', { op: 'Max', inputs: [x, values([2, 3, 4, 5], 9)], constants: [] }],
  ['Sum of three', { op: 'Sum', inputs: [x, values([2, 3, 4, 5], 10), values([1, 5], 11)], constants: [] }],
  ['Mean of two', { op: 'Mean', inputs: [x, values([3, 1, 1], 12)], constants: [] }],
  ['Clip-13 with min and max inputs', { op: 'Clip', opset: 13, inputs: [x, { shape: [], data: [-0.5] }, { shape: [], data: [1.25] }] }],
  ['Clip-13 with max only', { op: 'Clip', opset: 13, inputs: [x, null, { shape: [], data: [0.3] }] }],
  ['Clip-13 with bounds known only at run time (a tensor function, not the Clip layer)', { op: 'Clip', opset: 13, inputs: [x, { shape: [], data: [-0.5] }, { shape: [], data: [1.25] }], constants: [] }],
  ['Clip-6 attributes (ReLU6 of old exports)', { op: 'Clip', opset: 6, inputs: [x], attributes: { min: { float: 0 }, max: { float: 1.5 } } }],
  ['HardSigmoid, PyTorch α=1/6', { op: 'HardSigmoid', inputs: [x], attributes: { alpha: { float: 1 / 6 }, beta: { float: 0.5 } } }],
  ['HardSigmoid, defaults', { op: 'HardSigmoid', inputs: [x] }],
  ['HardSwish, across its kinks at ±3', { op: 'HardSwish', opset: 14, inputs: [{ shape: [2, 60], data: Array.from(x.data, (v) => v * 4) }] }],
  ['Sigmoid', { op: 'Sigmoid', inputs: [x] }],
  ['Tanh', { op: 'Tanh', inputs: [x] }],
  ['Softplus', { op: 'Softplus', inputs: [{ shape: [6], data: [-30, -2, 0, 0.5, 3, 40] }] }],
  ['Elu α=0.5', { op: 'Elu', inputs: [x], attributes: { alpha: { float: 0.5 } } }],
  ['Selu, defaults', { op: 'Selu', inputs: [x] }],
  ['Selu α=2, γ=0.5', { op: 'Selu', inputs: [x], attributes: { alpha: { float: 2 }, gamma: { float: 0.5 } } }],
  ['Celu α=0.7', { op: 'Celu', opset: 12, inputs: [x], attributes: { alpha: { float: 0.7 } } }],
  ['ThresholdedRelu α=0.4', { op: 'ThresholdedRelu', inputs: [x], attributes: { alpha: { float: 0.4 } } }],
  ['Softsign', { op: 'Softsign', inputs: [x] }],
  ['Round half to even', { op: 'Round', inputs: [{ shape: [6], data: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.6] }] }],
  ['Mod-10 on int64 (Python sign)', { op: 'Mod', inputs: [ints([7, -7, 7, -7]), ints([3, 3, -3, -3])], constants: [] }],
  ['Mod-10 fmod=1 on int64 (C sign)', { op: 'Mod', inputs: [ints([7, -7, 7, -7]), ints([3, 3, -3, -3])], constants: [], attributes: { fmod: 1 } }],
  ['Mod-10 fmod=1 on floats', { op: 'Mod', inputs: [{ shape: [4], data: [5.5, -5.5, 5.5, -5.5] }, { shape: [4], data: [2, 2, -2, -2] }], constants: [], attributes: { fmod: 1 } }],
  ['PRelu, per-channel slope [3,1,1]', { op: 'PRelu', inputs: [x, values([3, 1, 1], 14)] }],
  ['Gelu (exact)', { op: 'Gelu', opset: 20, inputs: [x] }],
  ['Gelu (tanh)', { op: 'Gelu', opset: 20, inputs: [x], attributes: { approximate: 'tanh' } }],
  ['Mish', { op: 'Mish', opset: 18, inputs: [x] }],
  ['LeakyRelu α=0.2', { op: 'LeakyRelu', inputs: [x], attributes: { alpha: { float: 0.2 } } }],
  ['Relu', { op: 'Relu', inputs: [x] }],
  ['Equal on int64', { op: 'Equal', inputs: [ints([1, 2, 3, -1]), ints([1, 5, 3, -1])], constants: [] }],
  ['Where, broadcast condition', { op: 'Where', inputs: [{ shape: [1, 5], data: [1, 0, 1, 0, 0], type: 'bool' }, x, values([4, 1], 15)], constants: [0, 2] }],
];

describe('element-wise ONNX operators match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));
});
