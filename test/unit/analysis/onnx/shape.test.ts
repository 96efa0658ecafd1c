import { describe, it } from 'vitest';
import { expectSameAsOrt, ints, values, type OpCase } from './ortHarness';

const x = values([2, 6, 4, 5], 1);

const cases: [string, OpCase][] = [
  ['Shape', { op: 'Shape', inputs: [x] }],
  ['Shape-15 with start and end', { op: 'Shape', opset: 15, inputs: [x], attributes: { start: 1, end: -1 } }],
  ['Size', { op: 'Size', inputs: [x] }],
  ['Reshape with 0 and -1', { op: 'Reshape', inputs: [x, ints([0, -1, 5])] }],
  ['Reshape moving the batch axis (channel shuffle: [N, g, C/g, H, W])', { op: 'Reshape', inputs: [x, ints([2, 2, 3, 4, 5])] }],
  ['Reshape with a runtime shape', { op: 'Reshape', inputs: [x, ints([-1, 20])], constants: [] }],
  ['Reshape-5 to a flat vector', { op: 'Reshape', opset: 5, inputs: [x, ints([-1])] }],
  ['Flatten axis 2', { op: 'Flatten', inputs: [x], attributes: { axis: 2 } }],
  ['Flatten axis 0', { op: 'Flatten', inputs: [x], attributes: { axis: 0 } }],
  ['Flatten axis -1', { op: 'Flatten', inputs: [x], attributes: { axis: -1 } }],
  ['Squeeze-13 axes input', { op: 'Squeeze', inputs: [values([2, 1, 3, 1], 2), ints([1, -1])] }],
  ['Squeeze-11 all size-1 axes', { op: 'Squeeze', opset: 11, inputs: [values([1, 3, 1], 3)] }],
  ['Unsqueeze-13 axes input', { op: 'Unsqueeze', inputs: [values([3, 4], 4), ints([0, 3])] }],
  ['Unsqueeze-11 attribute with a negative axis', { op: 'Unsqueeze', opset: 11, inputs: [values([3, 4], 5)], attributes: { axes: [-1] } }],
  ['Transpose [0,2,3,1]', { op: 'Transpose', inputs: [x], attributes: { perm: [0, 2, 3, 1] } }],
  ['Transpose, default reverses', { op: 'Transpose', inputs: [x] }],
  ['Transpose 5-d (channel shuffle)', { op: 'Transpose', inputs: [values([2, 2, 3, 2, 2], 6)], attributes: { perm: [0, 2, 1, 3, 4] } }],
  ['Concat axis 1 with a constant', { op: 'Concat', inputs: [x, values([2, 2, 4, 5], 7)], attributes: { axis: 1 } }],
  ['Concat axis -1, three inputs', { op: 'Concat', inputs: [x, values([2, 6, 4, 1], 8), values([2, 6, 4, 2], 9)], constants: [], attributes: { axis: -1 } }],
  ['Concat of int64 shapes', { op: 'Concat', inputs: [ints([2]), ints([-1, 7])], constants: [], attributes: { axis: 0 } }],
  ['Slice with steps and negative indices', { op: 'Slice', inputs: [x, ints([1, -1]), ints([5, 0]), ints([1, 3]), ints([2, -2])] }],
  ['Slice with huge ends (x[:, 3:])', { op: 'Slice', inputs: [x, ints([3]), ints([9223372036854775807]), ints([1])] }],
  ['Slice reversing an axis', { op: 'Slice', inputs: [x, ints([-1]), ints([-9223372036854775807]), ints([2]), ints([-1])] }],
  ['Slice-9 attributes', { op: 'Slice', opset: 9, inputs: [x], attributes: { starts: [0, 1], ends: [1, 3], axes: [0, 2] } }],
  ['Split-13 sizes input', { op: 'Split', inputs: [x, ints([2, 4])], attributes: { axis: 1 }, outputs: 2 }],
  ['Split-11 equal parts', { op: 'Split', opset: 11, inputs: [x], attributes: { axis: 1 }, outputs: 3 }],
  ['Split-18 num_outputs, uneven', { op: 'Split', opset: 18, inputs: [values([2, 7], 10)], attributes: { axis: 1, num_outputs: 3 }, outputs: 3 }],
  ['Gather axis 0 with a scalar index (x.size(0))', { op: 'Gather', inputs: [ints([2, 6, 4, 5]), { shape: [], data: [0], type: 'int64' }], constants: [1] }],
  ['Gather axis 1 with negative indices', { op: 'Gather', inputs: [x, ints([-1, 0, 2, 2], [2, 2])], attributes: { axis: 1 } }],
  ['Gather class token x[:, 0]', { op: 'Gather', inputs: [values([2, 5, 8], 11), { shape: [], data: [0], type: 'int64' }], attributes: { axis: 1 } }],
  ['Expand [3,1] to [2,3,4]', { op: 'Expand', inputs: [values([3, 1], 12), ints([2, 1, 4])] }],
  ['Expand with a smaller shape keeps the larger dims', { op: 'Expand', inputs: [values([2, 3, 1], 13), ints([3, 5])] }],
  ['Tile', { op: 'Tile', inputs: [values([2, 3], 14), ints([2, 3])] }],
  ['Pad constant with a value', { op: 'Pad', inputs: [x, ints([0, 0, 1, 2, 0, 0, 2, 1]), { shape: [], data: [0.5] }] }],
  ['Pad reflect', { op: 'Pad', inputs: [x, ints([0, 0, 2, 3, 0, 0, 1, 3])], attributes: { mode: 'reflect' } }],
  ['Pad edge with negative pads (crop)', { op: 'Pad', inputs: [x, ints([0, -1, 2, 0, 0, 0, -1, 3])], attributes: { mode: 'edge' } }],
  ['Pad-18 with axes', { op: 'Pad', opset: 18, inputs: [x, ints([1, 2, 3, 0]), null, ints([2, 3])], constants: [1, 3] }],
  ['Pad-2 attributes', { op: 'Pad', opset: 2, inputs: [x], attributes: { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'constant', value: { float: -1 } } }],
  ['Cast float to int64 truncates', { op: 'Cast', inputs: [values([10], 15)], attributes: { to: 7 } }],
  ['Cast int64 to float', { op: 'Cast', inputs: [ints([3, -2, 40])], attributes: { to: 1 } }],
  ['ConstantOfShape with a runtime shape', { op: 'ConstantOfShape', inputs: [ints([2, 3])], constants: [], attributes: { value: { tensor: { shape: [1], data: [0.25] } } } }],
  ['Range on int64', { op: 'Range', inputs: [{ shape: [], data: [2], type: 'int64' }, { shape: [], data: [11], type: 'int64' }, { shape: [], data: [3], type: 'int64' }], constants: [] }],
  ['Range on floats, negative delta', { op: 'Range', inputs: [{ shape: [], data: [1] }, { shape: [], data: [-2] }, { shape: [], data: [-0.75] }], constants: [] }],
  ['DepthToSpace CRD', { op: 'DepthToSpace', inputs: [values([1, 8, 2, 3], 16)], attributes: { blocksize: 2, mode: 'CRD' } }],
  ['DepthToSpace DCR', { op: 'DepthToSpace', inputs: [values([1, 8, 2, 3], 17)], attributes: { blocksize: 2 } }],
  ['Identity', { op: 'Identity', inputs: [x] }],
  ['Dropout at inference', { op: 'Dropout', inputs: [x] }],
];

describe('shape and data-movement ONNX operators match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));
});
