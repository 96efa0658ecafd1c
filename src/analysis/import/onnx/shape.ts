// Shape arithmetic and data movement: Shape, Size, Reshape (0 copies an axis, one −1 is inferred, and
// the batch axis may move, as in ShuffleNet's channel shuffle), Flatten, Squeeze/Unsqueeze, Transpose,
// Concat, Slice, Split, Gather, Expand, Tile, Pad, Cast, ConstantOfShape, Range, DepthToSpace,
// Identity and Dropout (the identity at inference). Axes, shapes and pads come from attributes in
// older opsets and from inputs in newer ones (which may then be computed at run time).

import { broadcastTo } from '../../../engine/ops/broadcast';
import { asInteger, integerTensor, isInteger } from '../../../engine/ops/dtype';
import { cast } from '../../../engine/ops/elementwise';
import {
  concat, depthToSpace, flatten, gather, pad, reshape, reshapeTarget, slice, split, squeeze, tile, transpose, unsqueeze, type PadMode,
} from '../../../engine/ops/layout';
import { sizeOf, Tensor } from '../../../engine/tensor';
import { intAttr, intsAttr, intValues, scalar, stringAttr, tensorOfInfo, type Converter, type ConverterTable, type OnnxContext } from './context';

/** Axes from the attribute (before `inputFrom`) or from input 1 (omitted: null). */
function axesOf({ node, opset }: OnnxContext, inputFrom: number, operand: Tensor | undefined): number[] | null {
  if (opset < inputFrom) return intsAttr(node, 'axes');
  return operand ? intValues(operand) : null;
}

const shapeOp: Converter = ({ node }) => {
  const start = intAttr(node, 'start', 0);
  const end = node.attributes.end;
  return { compute: ([x]) => {
    const shape = (x as Tensor).shape;
    return integerTensor(shape.slice(start, typeof end === 'number' ? end : shape.length));
  } };
};

const reshapeOp: Converter = (ctx) => {
  const allowZero = intAttr(ctx.node, 'allowzero', 0) === 1;
  const fixed = ctx.opset < 5 ? intsAttr(ctx.node, 'shape') ?? [] : null;
  return { compute: ([x, target]) => {
    const t = x as Tensor;
    return reshape(t, reshapeTarget(t.shape, fixed ?? intValues(target as Tensor), allowZero));
  } };
};

const sliceOp: Converter = (ctx) => {
  const { node } = ctx;
  if (ctx.opset < 10) {
    const starts = intsAttr(node, 'starts') ?? [];
    const ends = intsAttr(node, 'ends') ?? [];
    const axes = intsAttr(node, 'axes') ?? undefined;
    return { compute: ([x]) => slice(x as Tensor, starts, ends, axes) };
  }
  return { compute: ([x, starts, ends, axes, steps]) => slice(
    x as Tensor, intValues(starts as Tensor), intValues(ends as Tensor), axes && intValues(axes), steps && intValues(steps),
  ) };
};

const splitOp: Converter = (ctx) => {
  const { node } = ctx;
  const axis = intAttr(node, 'axis', 0);
  const count = intAttr(node, 'num_outputs', node.outputs.length);
  const fixed = ctx.opset < 13 ? intsAttr(node, 'split') : null;
  return { compute: ([x, sizes]) => split(x as Tensor, axis, fixed ?? (sizes ? intValues(sizes) : null), count) };
};

const PAD_MODES = new Set<PadMode>(['constant', 'reflect', 'edge', 'wrap']);

const padOp: Converter = (ctx) => {
  const { node, fail } = ctx;
  const mode = stringAttr(node, 'mode', 'constant') as PadMode;
  if (!PAD_MODES.has(mode)) throw fail(`Pad mode '${mode}'; the engine pads with constant, reflect, edge or wrap`);
  if (ctx.opset < 11) {
    const pads = intsAttr(node, 'pads') ?? intsAttr(node, 'paddings') ?? [];
    const value = intAttr(node, 'value', 0);
    return { compute: ([x]) => pad(x as Tensor, pads, mode, value) };
  }
  return { compute: ([x, pads, value, axes]) => {
    const t = x as Tensor;
    let all = intValues(pads as Tensor);
    if (axes) {
      // Pad-18: pads only for the listed axes; the others get none.
      const list = intValues(axes).map((a) => (a < 0 ? a + t.rank : a));
      const full = new Array<number>(2 * t.rank).fill(0);
      list.forEach((a, k) => { full[a] = all[k]; full[a + t.rank] = all[k + list.length]; });
      all = full;
    }
    return pad(t, all, mode, scalar(value, 0));
  } };
};

/** ONNX TensorProto data types → the engine's element kinds. */
function castTarget(to: number): 'float32' | 'float64' | 'integer' | 'bool' {
  if (to === 1 || to === 10 || to === 16) return 'float32';
  if (to === 11) return 'float64';
  if (to === 9) return 'bool';
  return 'integer';
}

const constantOfShapeOp: Converter = ({ node, fail }) => {
  const info = node.tensorAttributes?.value;
  if (node.attributes.value !== undefined && !info) throw fail('its value attribute could not be read');
  const fill = info ? tensorOfInfo(info) : Tensor.zeros([1]);
  if (fill.size !== 1) throw fail(`its value has ${fill.size} elements, not 1`);
  return { compute: ([shape]) => {
    const dims = intValues(shape as Tensor);
    const out = Tensor.filled(dims, fill.data[0], fill.dtype);
    return isInteger(fill) ? asInteger(out) : out;
  } };
};

const rangeOp: Converter = () => ({ compute: ([start, limit, delta]) => {
  const [s, l, d] = [start, limit, delta].map((t) => scalar(t, 0));
  const n = Math.max(Math.ceil((l - s) / d), 0);
  if (!Number.isFinite(n) || n > 1 << 26) throw new RangeError(`Range(${s}, ${l}, ${d}) has no sensible length`);
  const values = Array.from({ length: n }, (_, i) => s + i * d);
  return isInteger(start as Tensor) ? integerTensor(values) : Tensor.fromArray(values, [n], (start as Tensor).dtype);
} });

/**
 * SequenceAt of a SplitToSequence (the importer hands it the split's operands and attributes): a
 * scalar split gives pieces of that size (the last smaller), a 1-D one the sizes, none pieces of 1
 * with the axis dropped unless keepdims.
 */
const sequenceAtOp: Converter = ({ node }) => {
  const axis = intAttr(node, 'axis', 0);
  const keepDims = intAttr(node, 'keepdims', 1) === 1;
  return { compute: ([x, sizes, position]) => {
    const t = x as Tensor;
    const dim = t.shape[axis < 0 ? axis + t.rank : axis];
    let pieces: Tensor[];
    if (sizes && sizes.rank === 0) {
      const each = sizes.data[0];
      pieces = split(t, axis, Array.from({ length: Math.ceil(dim / each) }, (_, k) => Math.min(each, dim - k * each)), 0);
    } else if (sizes) {
      pieces = split(t, axis, intValues(sizes), 0);
    } else {
      pieces = split(t, axis, new Array<number>(dim).fill(1), 0);
      if (!keepDims) pieces = pieces.map((p) => squeeze(p, [axis]));
    }
    const at = intValues(position as Tensor)[0];
    const piece = pieces[at < 0 ? at + pieces.length : at];
    if (!piece) throw new RangeError(`SequenceAt: position ${at} of a sequence of ${pieces.length}`);
    return piece;
  } };
};

const identity: Converter = () => ({ compute: ([x]) => x as Tensor });

export const SHAPE: ConverterTable = {
  Shape: shapeOp,
  Size: () => ({ compute: ([x]) => integerTensor([sizeOf((x as Tensor).shape)], []) }),
  Reshape: reshapeOp,
  Flatten: ({ node }) => ({ compute: ([x]) => flatten(x as Tensor, intAttr(node, 'axis', 1)) }),
  Squeeze: (ctx) => ({ compute: ([x, axes]) => squeeze(x as Tensor, axesOf(ctx, 13, axes) ?? undefined) }),
  Unsqueeze: (ctx) => ({ compute: ([x, axes]) => unsqueeze(x as Tensor, axesOf(ctx, 13, axes) ?? []) }),
  Transpose: ({ node }) => ({ compute: ([x]) => transpose(x as Tensor, intsAttr(node, 'perm') ?? undefined) }),
  Concat: ({ node }) => ({ compute: (operands) => concat(operands.filter((t): t is Tensor => t !== undefined), intAttr(node, 'axis', 1)) }),
  Slice: sliceOp,
  Split: splitOp,
  Gather: ({ node }) => ({ compute: ([x, indices]) => gather(x as Tensor, indices as Tensor, intAttr(node, 'axis', 0)) }),
  Expand: () => ({ compute: ([x, shape]) => { const t = x as Tensor; const out = broadcastTo(t, intValues(shape as Tensor)); return isInteger(t) ? asInteger(out) : out; } }),
  Tile: () => ({ compute: ([x, repeats]) => tile(x as Tensor, intValues(repeats as Tensor)) }),
  Pad: padOp,
  Cast: ({ node }) => ({ compute: ([x]) => cast(x as Tensor, castTarget(intAttr(node, 'to', 1))) }),
  CastLike: () => ({ compute: ([x, like]) => cast(x as Tensor, isInteger(like as Tensor) ? 'integer' : (like as Tensor).dtype), typeOnly: [1] }),
  ConstantOfShape: constantOfShapeOp,
  Range: rangeOp,
  DepthToSpace: ({ node }) => ({ compute: ([x]) => depthToSpace(x as Tensor, intAttr(node, 'blocksize', 1), stringAttr(node, 'mode', 'DCR') === 'CRD' ? 'CRD' : 'DCR') }),
  SequenceAt: sequenceAtOp,
  Identity: identity,
  Dropout: identity,
  Constant: ({ fail }) => { throw fail('a sparse or string constant, which the engine does not hold'); },
};
