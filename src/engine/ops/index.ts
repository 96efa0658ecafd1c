// General tensor ops (NumPy/ONNX semantics) for layers and importers: broadcasting element-wise math,
// data movement, reductions, pooling, resampling, matrix products. Pure functions of tensors, no state.

export { binary, broadcastShapes, broadcastTo } from './broadcast';
export { asInteger, integerTensor, isInteger } from './dtype';
export { applyBinary, cast, clip, elu, gelu, hardSigmoid, map, prelu, selu, UNARY, variadic, where } from './elementwise';
export { FunctionLayer, type TensorFunction } from './functionLayer';
export { concat, depthToSpace, flatten, gather, pad, reshape, slice, split, squeeze, tile, transpose, unsqueeze, type PadMode } from './layout';
export { convTranspose2d } from './convTranspose';
export { gemm, matmul } from './matmul';
export { globalPool, pool2d, samePads, type PoolSpec } from './pool';
export { argExtreme, reduce, type ReduceKind } from './reduce';
export { resize, type ResizeSpec } from './resize';
export { lrn, softmax } from './softmax';
