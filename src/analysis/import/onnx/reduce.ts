// Reductions (axes from the attribute, or from input 1 in ReduceSum-13 and every Reduce*-18),
// ArgMax/ArgMin, Softmax/LogSoftmax on any axis (flattened to 2-D at `axis` before opset 13), and LRN.

import { argExtreme, reduce, type ReduceKind } from '../../../engine/ops/reduce';
import { lrn, softmax } from '../../../engine/ops/softmax';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, intsAttr, intValues, type Converter, type ConverterTable } from './context';

function reduceOp(kind: ReduceKind): Converter {
  return (ctx) => {
    const { node } = ctx;
    const keepDims = intAttr(node, 'keepdims', 1) === 1;
    const noopWithEmpty = intAttr(node, 'noop_with_empty_axes', 0) === 1;
    const axesFromInput = ctx.opset >= 18 || (kind === 'Sum' && ctx.opset >= 13);
    const fixed = axesFromInput ? null : intsAttr(node, 'axes') ?? [];
    return { compute: ([x, axes]) => {
      const list = fixed ?? (axes ? intValues(axes) : []);
      if (list.length === 0 && noopWithEmpty) return x as Tensor;
      return reduce(x as Tensor, kind, list, keepDims);
    } };
  };
}

const KINDS: ReduceKind[] = ['Mean', 'Sum', 'Max', 'Min', 'Prod', 'L1', 'L2', 'SumSquare', 'LogSumExp'];

function softmaxOp(log: boolean): Converter {
  return ({ node, opset }) => {
    const axis = intAttr(node, 'axis', opset >= 13 ? -1 : 1);
    return { compute: ([x]) => softmax(x as Tensor, axis, { log, coerce2d: opset < 13 }) };
  };
}

function argOp(max: boolean): Converter {
  return ({ node }) => ({ compute: ([x]) => argExtreme(x as Tensor, intAttr(node, 'axis', 0), intAttr(node, 'keepdims', 1) === 1, max, intAttr(node, 'select_last_index', 0) === 1) });
}

export const REDUCE: ConverterTable = {
  ...Object.fromEntries(KINDS.map((k) => [`Reduce${k}`, reduceOp(k)])),
  ArgMax: argOp(true),
  ArgMin: argOp(false),
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  LRN: ({ node }) => ({ compute: ([x]) => lrn(x as Tensor, intAttr(node, 'size', 1), floatAttr(node, 'alpha', 1e-4), floatAttr(node, 'beta', 0.75), floatAttr(node, 'bias', 1)) }),
};
