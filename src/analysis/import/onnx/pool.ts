// Pooling: MaxPool and AveragePool (ceil_mode, dilations, asymmetric pads, auto_pad,
// count_include_pad), GlobalAveragePool and GlobalMaxPool. 1-D pools run as 2-D with height 1.

import { globalPool, pool2d, samePads, type PoolSpec } from '../../../engine/ops/pool';
import type { Tensor } from '../../../engine/tensor';
import { intAttr, intsAttr, stringAttr, type Converter, type ConverterTable, type OnnxContext } from './context';

function poolOp(kind: 'max' | 'avg'): Converter {
  return (ctx: OnnxContext) => {
    const { node, fail } = ctx;
    if (kind === 'max' && node.outputs[1]) throw fail('the Indices output of MaxPool is not supported');
    const kernel = intsAttr(node, 'kernel_shape') ?? [];
    if (kernel.length !== 1 && kernel.length !== 2) throw fail(`a ${kernel.length}-d pool; the engine pools in 1-d and 2-d`);
    const oneD = kernel.length === 1;
    const lift = (v: number[], fill: number): [number, number] => (oneD ? [fill, v[0]] : [v[0], v[1]]);
    const k = lift(kernel, 1);
    const strides = lift(intsAttr(node, 'strides') ?? kernel.map(() => 1), 1);
    const dilations = lift(intsAttr(node, 'dilations') ?? kernel.map(() => 1), 1);
    const p = intsAttr(node, 'pads') ?? new Array<number>(2 * kernel.length).fill(0);
    const pads: [number, number, number, number] = oneD ? [0, p[0], 0, p[1]] : [p[0], p[1], p[2], p[3]];
    const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
    const base = { kernel: k, strides, dilations, ceilMode: intAttr(node, 'ceil_mode', 0) === 1, countIncludePad: intAttr(node, 'count_include_pad', 0) === 1 };
    return { compute: ([x]) => {
      const t = x as Tensor;
      const x4 = oneD ? t.reshape([t.shape[0], t.shape[1], 1, t.shape[2]]) : t;
      let spec: PoolSpec = { ...base, pads };
      if (autoPad === 'VALID') spec = { ...base, pads: [0, 0, 0, 0] };
      else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
        const lower = autoPad === 'SAME_LOWER';
        const [top, bottom] = samePads(x4.shape[2], k[0], strides[0], dilations[0], lower);
        const [left, right] = samePads(x4.shape[3], k[1], strides[1], dilations[1], lower);
        spec = { ...base, pads: [top, left, bottom, right] };
      }
      const y = pool2d(x4, kind, spec);
      return oneD ? y.reshape([y.shape[0], y.shape[1], y.shape[3]]) : y;
    } };
  };
}

export const POOL: ConverterTable = {
  MaxPool: poolOp('max'),
  AveragePool: poolOp('avg'),
  GlobalAveragePool: () => ({ compute: ([x]) => globalPool(x as Tensor, 'avg') }),
  GlobalMaxPool: () => ({ compute: ([x]) => globalPool(x as Tensor, 'max') }),
};
