import { describe, it } from 'vitest';
import { expectSameAsOrt, values, type OpCase } from './ortHarness';

const x = values([2, 3, 7, 8], 1);

const cases: [string, OpCase][] = [
  ['MaxPool 3×3 stride 2 ceil_mode (SqueezeNet, GoogLeNet)', { op: 'MaxPool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } }],
  ['MaxPool ceil_mode with padding (the last window must start inside)', { op: 'MaxPool', inputs: [values([1, 2, 6, 6], 2)], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } }],
  ['MaxPool asymmetric pads', { op: 'MaxPool', inputs: [x], attributes: { kernel_shape: [2, 3], strides: [1, 2], pads: [0, 1, 1, 2] } }],
  ['MaxPool dilations', { op: 'MaxPool', opset: 12, inputs: [x], attributes: { kernel_shape: [2, 2], dilations: [2, 3] } }],
  ['MaxPool SAME_UPPER', { op: 'MaxPool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } }],
  ['MaxPool SAME_LOWER', { op: 'MaxPool', inputs: [x], attributes: { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_LOWER' } }],
  ['MaxPool 1-d', { op: 'MaxPool', inputs: [values([2, 3, 9], 3)], attributes: { kernel_shape: [3], strides: [2], pads: [1, 1] } }],
  ['AveragePool count_include_pad=0 with pads', { op: 'AveragePool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
  ['AveragePool count_include_pad=1 with pads', { op: 'AveragePool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } }],
  ['AveragePool ceil_mode, count_include_pad=1', { op: 'AveragePool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 } }],
  ['AveragePool ceil_mode, count_include_pad=0', { op: 'AveragePool', inputs: [x], attributes: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }],
  ['AveragePool-19 dilations', { op: 'AveragePool', opset: 19, inputs: [x], attributes: { kernel_shape: [2, 2], dilations: [2, 2], strides: [1, 2] } }],
  ['AveragePool SAME_UPPER', { op: 'AveragePool', inputs: [x], attributes: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } }],
  ['GlobalAveragePool', { op: 'GlobalAveragePool', inputs: [x] }],
  ['GlobalMaxPool', { op: 'GlobalMaxPool', inputs: [x] }],
];

describe('pooling matches ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));
});
