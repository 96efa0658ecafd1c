import { describe, expect, it } from 'vitest';
import { formatFlag, formatNumber } from '../../../webview/format';
import { visibleLayers } from '../../../webview/layerTable';
import type { LayerSummary } from '../../../src/protocol';

describe('formatNumber', () => {
  it('keeps the requested significant digits and drops trailing zeros', () => {
    expect(formatNumber(1e-5, 4)).toBe('0.00001');
    expect(formatNumber(0.0010000000474974513, 4)).toBe('0.001');
    expect(formatNumber(3.14159265, 3)).toBe('3.14');
    expect(formatNumber(1e-7, 4)).toBe('1e-7');
  });
  it('names the values that are not numbers', () => {
    expect(formatNumber(null, 4)).toBe('—');
    expect(formatNumber(NaN, 4)).toBe('NaN');
    expect(formatNumber(-Infinity, 4)).toBe('−∞');
    expect(formatFlag(null)).toBe('—');
    expect(formatFlag(false)).toBe('no');
  });
});

function layer(name: string, channels: number, kind: LayerSummary['kind'] = 'BatchNorm'): LayerSummary {
  return {
    name, label: name, momentumStored: true, momentumNote: null, kind, op: 'BatchNormalization', channels, epsilon: 1e-5, momentum: 0.9, momentumConvention: 'keras',
    momentumPytorch: 0.1, affine: true, center: true, scale: true, training: false, numBatchesTracked: null,
    after: null, before: null, gamma: null, beta: null, runningMean: null, runningVar: null,
  };
}

describe('visibleLayers', () => {
  const layers = [layer('conv1.bn', 64), layer('ln_final', 512, 'LayerNorm'), layer('conv2.bn', 128)];
  it('filters by name or kind, case-insensitively', () => {
    expect(visibleLayers({ layers, filter: 'LAYERNORM', sortKey: 'index', sortDescending: false }).map((l) => l.name)).toEqual(['ln_final']);
    expect(visibleLayers({ layers, filter: '.bn', sortKey: 'index', sortDescending: false }).map((l) => l.name)).toEqual(['conv1.bn', 'conv2.bn']);
  });
  it('sorts by a column in either direction, keeping file order among equals', () => {
    expect(visibleLayers({ layers, filter: '', sortKey: 'channels', sortDescending: true }).map((l) => l.channels)).toEqual([512, 128, 64]);
    expect(visibleLayers({ layers, filter: '', sortKey: 'epsilon', sortDescending: false }).map((l) => l.name)).toEqual(['conv1.bn', 'ln_final', 'conv2.bn']);
  });
});

describe('finiteExtent', () => {
  it('ignores NaN and infinities, and says when nothing is finite', async () => {
    const { finiteExtent } = await import('../../../webview/format');
    expect(finiteExtent([3, NaN, -1, Infinity, 2])).toEqual([-1, 3]);
    expect(finiteExtent([NaN, -Infinity])).toBeNull();
  });
});
