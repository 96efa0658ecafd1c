// Resize (opsets 10–19) and Upsample (7–9), nearest, linear and cubic. Output sizes come from `sizes`, or
// from `scales` as ⌊in·scale⌋ (Resize-18's axes and keep_aspect_ratio_policy are not supported yet).

import { COORDINATE_MODES, NEAREST_MODES, resize, type CoordinateMode, type NearestMode } from '../../../engine/ops/resize';
import type { Tensor } from '../../../engine/tensor';
import { floatAttr, intAttr, intsAttr, intValues, stringAttr, type Converter, type ConverterTable, type OnnxContext } from './context';

type Mode = 'nearest' | 'linear' | 'cubic';

function modeOf(ctx: OnnxContext): Mode {
  const mode = stringAttr(ctx.node, 'mode', 'nearest');
  if (mode === 'nearest' || mode === 'cubic') return mode;
  if (mode === 'linear' || mode === 'bilinear') return 'linear';
  throw ctx.fail(`mode '${mode}'; the engine resizes with nearest, linear and cubic`);
}

interface Options { readonly coordinateMode: CoordinateMode; readonly nearestMode: NearestMode; readonly cubicCoeffA: number; readonly excludeOutside: boolean }

const UPSAMPLE: Options = { coordinateMode: 'asymmetric', nearestMode: 'simple', cubicCoeffA: -0.75, excludeOutside: false };

function run(x: Tensor, scales: readonly number[] | null, sizes: readonly number[] | null, mode: Mode, options: Options): Tensor {
  const outSizes = sizes ?? x.shape.map((d, i) => Math.floor(d * (scales as readonly number[])[i]));
  const outScales = sizes ? sizes.map((s, i) => s / x.shape[i]) : (scales as readonly number[]);
  if (outSizes.length !== x.rank) throw new RangeError(`Resize: ${outSizes.length} sizes or scales for a rank-${x.rank} input`);
  return resize(x, { mode, ...options, sizes: outSizes, scales: outScales });
}

const resizeOp: Converter = (ctx) => {
  const { node, fail } = ctx;
  const mode = modeOf(ctx);
  if (node.attributes.axes !== undefined) throw fail('the axes attribute (Resize-18) is not supported');
  const policy = stringAttr(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch') throw fail(`keep_aspect_ratio_policy '${policy}' is not supported`);
  if (ctx.opset < 11) {
    // Resize-10: inputs X, scales; asymmetric coordinates and the old nearest rounding.
    return { compute: ([x, scales]) => run(x as Tensor, Array.from((scales as Tensor).data), null, mode, UPSAMPLE) };
  }
  const coordinateMode = stringAttr(node, 'coordinate_transformation_mode', 'half_pixel') as CoordinateMode;
  if (!COORDINATE_MODES.includes(coordinateMode)) throw fail(`coordinate_transformation_mode '${coordinateMode}' is not supported`);
  const nearestMode = stringAttr(node, 'nearest_mode', 'round_prefer_floor') as NearestMode;
  if (!NEAREST_MODES.includes(nearestMode)) throw fail(`nearest_mode '${nearestMode}' is not supported`);
  const options: Options = {
    coordinateMode, nearestMode, cubicCoeffA: floatAttr(node, 'cubic_coeff_a', -0.75), excludeOutside: intAttr(node, 'exclude_outside', 0) === 1,
  };
  return { compute: ([x, , scales, sizes]) => {
    const useSizes = sizes !== undefined && sizes.size > 0;
    return run(x as Tensor, useSizes ? null : Array.from((scales as Tensor).data), useSizes ? intValues(sizes) : null, mode, options);
  } };
};

const upsampleOp: Converter = (ctx) => {
  const mode = modeOf(ctx);
  const fixed = ctx.opset < 9 ? intsAttr(ctx.node, 'scales') ?? (ctx.node.attributes.scales as number[] | undefined) ?? null : null;
  return { compute: ([x, scales]) => run(x as Tensor, fixed ?? Array.from((scales as Tensor).data), null, mode, UPSAMPLE) };
};

export const RESIZE: ConverterTable = {
  Resize: resizeOp,
  Upsample: upsampleOp,
};
