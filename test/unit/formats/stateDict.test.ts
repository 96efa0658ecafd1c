import { describe, expect, it } from 'vitest';
import { groupNormParams, normLayerOf, splitName } from '../../../src/formats/stateDict';
import { lazyTensor } from '../../../src/formats/tensor';
import type { TensorInfo } from '../../../src/formats/model';

const t = (name: string, shape: number[] = [4], value = 0): TensorInfo => lazyTensor(name, 'float32', shape, () => new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value));

describe('state-dict grouping', () => {
  it('splits PyTorch and Keras names', () => {
    expect(splitName('layer1.0.bn1.running_mean')).toEqual({ module: 'layer1.0.bn1', suffix: 'running_mean' });
    expect(splitName('bn1/gamma:0')).toEqual({ module: 'bn1', suffix: 'gamma' });
    expect(splitName('model/block/bn/moving_variance')).toEqual({ module: 'model/block/bn', suffix: 'moving_variance' });
  });

  it('finds BN by running statistics whatever the module is called, and skips convolutions and linears', () => {
    const groups = groupNormParams([
      t('features.0.weight', [8, 3, 3, 3]), t('features.1.weight'), t('features.1.bias'), t('features.1.running_mean'),
      t('features.1.running_var'), lazyTensor('features.1.num_batches_tracked', 'int64', [], () => Float64Array.of(17)),
      t('fc.weight', [4, 4]), t('fc.bias'),
    ]);
    expect(groups.map((g) => [g.module, g.kind, g.kindFromName])).toEqual([['features.1', 'BatchNorm', false]]);
    expect(normLayerOf(groups[0], 'op')).toMatchObject({ channels: 4, numBatchesTracked: 17, momentumConvention: 'pytorch', affine: true, momentum: null });
  });

  it('uses the name for modules with only weight and bias', () => {
    const groups = groupNormParams([t('encoder.ln_1.weight'), t('encoder.ln_1.bias'), t('gn.weight'), t('gn.bias'), t('proj.weight'), t('proj.bias'), t('bn_plain.weight'), t('bn_plain.bias')]);
    expect(groups.map((g) => [g.module, g.kind])).toEqual([['encoder.ln_1', 'LayerNorm'], ['gn', 'GroupNorm'], ['bn_plain', 'BatchNorm']]);
    expect(groups.every((g) => g.kindFromName)).toBe(true);
  });

  it('groups Keras names, center=False leaving no beta', () => {
    const groups = groupNormParams([t('bn3/gamma:0'), t('bn3/moving_mean:0'), t('bn3/moving_variance:0')]);
    expect(normLayerOf(groups[0], 'op')).toMatchObject({ name: 'bn3', kind: 'BatchNorm', momentumConvention: 'keras', center: false, scale: true, affine: true, beta: null });
  });
});
