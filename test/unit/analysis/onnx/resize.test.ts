import { describe, it } from 'vitest';
import { expectSameAsOrt, ints, values, type OpCase } from './ortHarness';

const x = values([1, 2, 3, 4], 1);
const noRoi = { shape: [0], data: [] };
const scales = (s: number[]) => ({ shape: [4], data: s });

function resize(coordinate: string, mode: string, extra: Record<string, string> = {}, how: { scales?: number[]; sizes?: number[] } = { scales: [1, 1, 2, 2] }): OpCase {
  return {
    op: 'Resize', opset: 13,
    inputs: [x, noRoi, how.scales ? scales(how.scales) : { shape: [0], data: [] }, ...(how.sizes ? [ints(how.sizes)] : [])],
    attributes: { mode, coordinate_transformation_mode: coordinate, ...extra },
  };
}

const cases: [string, OpCase][] = [
  ['linear half_pixel ×2 (PyTorch bilinear, align_corners=False)', resize('half_pixel', 'linear')],
  ['linear pytorch_half_pixel ×2', resize('pytorch_half_pixel', 'linear')],
  ['linear align_corners ×2 (PyTorch align_corners=True)', resize('align_corners', 'linear')],
  ['linear asymmetric ×1.5', resize('asymmetric', 'linear', {}, { scales: [1, 1, 1.5, 1.5] })],
  ['linear half_pixel downscale to sizes', resize('half_pixel', 'linear', {}, { sizes: [1, 2, 2, 3] })],
  ['linear pytorch_half_pixel to size 1', resize('pytorch_half_pixel', 'linear', {}, { sizes: [1, 2, 1, 5] })],
  ['nearest asymmetric floor ×2 (PyTorch nearest)', resize('asymmetric', 'nearest', { nearest_mode: 'floor' })],
  ['nearest half_pixel round_prefer_floor ×3', resize('half_pixel', 'nearest', {}, { scales: [1, 1, 3, 3] })],
  ['nearest half_pixel round_prefer_ceil to sizes', resize('half_pixel', 'nearest', { nearest_mode: 'round_prefer_ceil' }, { sizes: [1, 2, 5, 7] })],
  ['nearest tf_half_pixel_for_nn ceil (Resize-11; deprecated from 13)', { ...resize('tf_half_pixel_for_nn', 'nearest', { nearest_mode: 'ceil' }, { scales: [1, 1, 1.7, 2.5] }), opset: 11 }],
  ['nearest align_corners downscale', resize('align_corners', 'nearest', {}, { sizes: [1, 2, 2, 3] })],
  ['cubic pytorch_half_pixel ×2 (PyTorch bicubic, a = −0.75)', resize('pytorch_half_pixel', 'cubic')],
  ['cubic align_corners to sizes', resize('align_corners', 'cubic', {}, { sizes: [1, 2, 5, 7] })],
  ['cubic half_pixel, a = −0.5, exclude_outside (TF)', { ...resize('half_pixel', 'cubic', {}, { scales: [1, 1, 1.5, 2] }), attributes: { mode: 'cubic', coordinate_transformation_mode: 'half_pixel', cubic_coeff_a: { float: -0.5 }, exclude_outside: 1 } }],
  ['cubic downscale', resize('half_pixel', 'cubic', {}, { sizes: [1, 2, 2, 3] })],
  ['Resize-10 nearest (scales input)', { op: 'Resize', opset: 10, inputs: [x, scales([1, 1, 2, 3])], attributes: { mode: 'nearest' } }],
  ['Resize-10 linear', { op: 'Resize', opset: 10, inputs: [x, scales([1, 1, 2, 1.5])], attributes: { mode: 'linear' } }],
  ['Upsample-9 nearest', { op: 'Upsample', opset: 9, inputs: [x, scales([1, 1, 2, 2])], attributes: { mode: 'nearest' } }],
  ['Upsample-7 linear with a scales attribute', { op: 'Upsample', opset: 7, inputs: [x], attributes: { mode: 'linear', scales: { floats: [1, 1, 2, 2] } } }],
  ['Resize-19 half_pixel_symmetric linear', { op: 'Resize', opset: 19, inputs: [x, noRoi, scales([1, 1, 1.5, 2.5])], attributes: { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' } }],
];

describe('Resize and Upsample match ONNX Runtime', () => {
  it.each(cases)('%s', async (_, c) => expectSameAsOrt(c));
});
