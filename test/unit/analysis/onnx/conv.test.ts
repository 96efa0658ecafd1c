import { describe, it } from 'vitest';
import { expectSameAsOrt, values, type OpCase } from './ortHarness';

const x = values([2, 4, 7, 6], 1);

const cases: [string, OpCase][] = [
  ['Conv 3×3 pads 1 with bias', { op: 'Conv', inputs: [x, values([5, 4, 3, 3], 2), values([5], 3)], attributes: { pads: [1, 1, 1, 1] } }],
  ['Conv stride 2, asymmetric pads', { op: 'Conv', inputs: [x, values([3, 4, 3, 2], 4)], attributes: { strides: [2, 2], pads: [0, 1, 1, 0] } }],
  ['Conv groups 2, dilations 2', { op: 'Conv', inputs: [x, values([6, 2, 3, 3], 5)], attributes: { group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] } }],
  ['Conv depthwise (groups = channels)', { op: 'Conv', inputs: [x, values([4, 1, 3, 3], 6), values([4], 7)], attributes: { group: 4, pads: [1, 1, 1, 1], strides: [2, 1] } }],
  ['Conv SAME_UPPER stride 2', { op: 'Conv', inputs: [x, values([3, 4, 4, 3], 8)], attributes: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }],
  ['Conv SAME_LOWER stride 2', { op: 'Conv', inputs: [x, values([3, 4, 4, 3], 9)], attributes: { auto_pad: 'SAME_LOWER', strides: [2, 2] } }],
  ['Conv VALID', { op: 'Conv', inputs: [x, values([3, 4, 2, 2], 10)], attributes: { auto_pad: 'VALID' } }],
  ['Conv 1-d', { op: 'Conv', inputs: [values([2, 3, 10], 11), values([4, 3, 3], 12)], attributes: { pads: [2, 0], strides: [2], dilations: [2] } }],
  ['ConvTranspose 2×2 stride 2 (U-Net up)', { op: 'ConvTranspose', inputs: [x, values([4, 3, 2, 2], 13), values([3], 14)], attributes: { strides: [2, 2] } }],
  ['ConvTranspose 3×3 stride 2 pads 1 output_padding 1', { op: 'ConvTranspose', inputs: [x, values([4, 2, 3, 3], 15)], attributes: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } }],
  ['ConvTranspose groups 2, dilations 2', { op: 'ConvTranspose', inputs: [x, values([4, 3, 3, 3], 16)], attributes: { group: 2, dilations: [2, 2], strides: [1, 2] } }],
  ['ConvTranspose asymmetric pads', { op: 'ConvTranspose', inputs: [x, values([4, 2, 3, 3], 17)], attributes: { strides: [2, 2], pads: [0, 1, 2, 1] } }],
  ['ConvTranspose output_shape', { op: 'ConvTranspose', inputs: [x, values([4, 2, 3, 3], 18)], attributes: { strides: [2, 2], output_shape: [15, 13] } }],
  ['ConvTranspose SAME_UPPER', { op: 'ConvTranspose', inputs: [x, values([4, 2, 3, 3], 19)], attributes: { strides: [2, 2], auto_pad: 'SAME_UPPER' } }],
  ['ConvTranspose SAME_LOWER', { op: 'ConvTranspose', inputs: [x, values([4, 2, 3, 3], 20)], attributes: { strides: [2, 2], auto_pad: 'SAME_LOWER' } }],
  ['ConvTranspose 1-d', { op: 'ConvTranspose', inputs: [values([2, 3, 5], 21), values([3, 2, 4], 22)], attributes: { strides: [3], pads: [1, 2] } }],
  ['Gemm transB with bias (Linear)', { op: 'Gemm', inputs: [values([3, 5], 23), values([4, 5], 24), values([4], 25)], attributes: { transB: 1 } }],
  ['Gemm transA, α, β, broadcast C [1]', { op: 'Gemm', inputs: [values([5, 3], 26), values([5, 4], 27), values([1], 28)], attributes: { transA: 1, alpha: { float: 0.5 }, beta: { float: 2 } } }],
  ['Gemm with a runtime B and C [3,1]', { op: 'Gemm', inputs: [values([3, 5], 29), values([5, 4], 30), values([3, 1], 31)], constants: [] }],
  ['MatMul 3-d × constant matrix (Linear on tokens)', { op: 'MatMul', inputs: [values([2, 5, 6], 32), values([6, 3], 33)] }],
  ['MatMul batch broadcasting [2,1,4,5] × [3,5,2]', { op: 'MatMul', inputs: [values([2, 1, 4, 5], 34), values([3, 5, 2], 35)], constants: [] }],
  ['MatMul attention scores q·kᵀ', { op: 'MatMul', inputs: [values([2, 2, 5, 4], 36), values([2, 2, 4, 5], 37)], constants: [] }],
  ['MatMul vector × matrix', { op: 'MatMul', inputs: [values([5], 38), values([2, 5, 3], 39)], constants: [] }],
  ['MatMul matrix × vector', { op: 'MatMul', inputs: [values([2, 4, 5], 40), values([5], 41)], constants: [] }],
];

describe('convolutions and matrix products match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c, 2e-5));
});
