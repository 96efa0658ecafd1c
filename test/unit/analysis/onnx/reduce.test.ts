import { describe, it } from 'vitest';
import { expectSameAsOrt, ints, values, type OpCase } from './ortHarness';

const x = values([2, 3, 4, 5], 1);

const cases: [string, OpCase][] = [
  ['ReduceMean-13 axes [2,3] keepdims (adaptive average pooling)', { op: 'ReduceMean', opset: 13, inputs: [x], attributes: { axes: [2, 3] } }],
  ['ReduceMean-13 axis -1 without keepdims (x.mean(-1))', { op: 'ReduceMean', opset: 13, inputs: [x], attributes: { axes: [-1], keepdims: 0 } }],
  ['ReduceMean-13 every axis', { op: 'ReduceMean', opset: 13, inputs: [x] }],
  ['ReduceMean-18 axes input', { op: 'ReduceMean', opset: 18, inputs: [x, ints([1])] }],
  ['ReduceMean-18 without axes reduces all', { op: 'ReduceMean', opset: 18, inputs: [x], attributes: { keepdims: 0 } }],
  ['ReduceMean-18 noop_with_empty_axes', { op: 'ReduceMean', opset: 18, inputs: [x], attributes: { noop_with_empty_axes: 1 } }],
  ['ReduceSum-13 axes input', { op: 'ReduceSum', opset: 13, inputs: [x, ints([0, 2])] }],
  ['ReduceSum-11 attribute', { op: 'ReduceSum', opset: 11, inputs: [x], attributes: { axes: [1], keepdims: 0 } }],
  ['ReduceMax-13', { op: 'ReduceMax', opset: 13, inputs: [x], attributes: { axes: [1, 3] } }],
  ['ReduceMin-18', { op: 'ReduceMin', opset: 18, inputs: [x, ints([-2])] }],
  ['ReduceL2-13', { op: 'ReduceL2', opset: 13, inputs: [x], attributes: { axes: [1] } }],
  ['ReduceL1-13', { op: 'ReduceL1', opset: 13, inputs: [x], attributes: { axes: [3] } }],
  ['ReduceProd-13', { op: 'ReduceProd', opset: 13, inputs: [values([2, 3], 2)], attributes: { axes: [1] } }],
  ['ReduceSumSquare-13', { op: 'ReduceSumSquare', opset: 13, inputs: [x], attributes: { axes: [0] } }],
  ['ReduceLogSumExp-13', { op: 'ReduceLogSumExp', opset: 13, inputs: [x], attributes: { axes: [2] } }],
  ['ArgMax axis 1 keepdims 0', { op: 'ArgMax', inputs: [x], attributes: { axis: 1, keepdims: 0 } }],
  ['ArgMin select_last_index', { op: 'ArgMin', inputs: [{ shape: [2, 3], data: [1, 0, 0, 2, 2, 5] }], attributes: { axis: 1, select_last_index: 1 } }],
  ['Softmax-13 default axis -1', { op: 'Softmax', opset: 13, inputs: [x] }],
  ['Softmax-13 axis 1', { op: 'Softmax', opset: 13, inputs: [x], attributes: { axis: 1 } }],
  ['Softmax-11 axis 1 flattens to 2-d', { op: 'Softmax', opset: 11, inputs: [x] }],
  ['Softmax-11 axis 2', { op: 'Softmax', opset: 11, inputs: [x], attributes: { axis: 2 } }],
  ['LogSoftmax-13 axis 0', { op: 'LogSoftmax', opset: 13, inputs: [x], attributes: { axis: 0 } }],
  ['LogSoftmax-11 default', { op: 'LogSoftmax', opset: 11, inputs: [x] }],
  ['LRN size 5 (AlexNet/GoogLeNet)', { op: 'LRN', inputs: [values([2, 7, 3, 3], 3)], attributes: { size: 5, alpha: { float: 1e-2 }, beta: { float: 0.75 }, bias: { float: 2 } } }],
  ['LRN size 3, default α, β, bias (ONNX Runtime accepts odd sizes only)', { op: 'LRN', inputs: [values([1, 6, 2, 2], 4)], attributes: { size: 3 } }],
];

describe('reductions, softmax and LRN match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));
});
