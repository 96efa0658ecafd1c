import { describe, expect, it } from 'vitest';
import { findAnomalies, type AnomalyCode } from '../../../src/analysis/anomalies';
import type { LayerSummary, ModelSummary } from '../../../src/analysis/inventory';
import type { GraphNode } from '../../../src/formats/model';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

function bn(overrides: Partial<LayerSummary> = {}): LayerSummary {
  return {
    name: 'bn1', label: 'bn1', momentumStored: true, momentumNote: null, kind: 'BatchNorm', op: 'BatchNormalization', channels: 4, epsilon: 1e-5, momentum: 0.9,
    momentumConvention: 'keras', momentumPytorch: 0.1, affine: true, center: true, scale: true, training: false,
    numBatchesTracked: null, after: 'Conv', before: 'Relu',
    gamma: f32(1, 0.9, 1.1, 1.2), beta: f32(0, 0.1, -0.1, 0.2), runningMean: f32(0.3, -0.2, 0.1, 0.5), runningVar: f32(0.8, 1.3, 2, 0.5),
    ...overrides,
  };
}

function model(layers: LayerSummary[], format = 'onnx'): ModelSummary {
  return { file: 'm.onnx', format, variant: format, producer: null, producerVersion: null, opset: 15, parameterCount: 0, layers, notes: [], notRunnable: null };
}

const codes = (layers: LayerSummary[], format?: string, nodes: GraphNode[] = []): AnomalyCode[] =>
  findAnomalies(model(layers, format), { graph: { nodes } }).map((a) => a.code);

describe('findAnomalies', () => {
  it('finds nothing in a healthy trained layer', () => {
    expect(codes([bn()])).toEqual([]);
  });

  it('names the channels whose γ is near zero, with the threshold', () => {
    const [a] = findAnomalies(model([bn({ gamma: f32(1, 1e-5, 1.1, -2e-4) })]));
    expect(a.code).toBe('gamma-near-zero');
    expect(a.channels).toEqual([1, 3]);
    expect(a.message).toContain('2 of 4 channels');
    expect(a.message).toContain('|γ| ≤ 0.01 '); // 1% of the (upper) median |γ|, 1
  });

  it('flags running variance at or below ε, and non-finite values', () => {
    expect(codes([bn({ runningVar: f32(1e-6, 1, 1, 1) })])).toContain('running-var-too-small');
    const found = findAnomalies(model([bn({ runningMean: f32(NaN, 0, 0, Infinity) })]));
    expect(found.find((a) => a.code === 'not-finite')?.channels).toEqual([0, 3]);
  });

  it('flags an extreme effective scale γ/√(var+ε)', () => {
    const found = findAnomalies(model([bn({ runningVar: f32(1e-8, 1, 1, 1), epsilon: 1e-7 })]));
    const extreme = found.find((a) => a.code === 'extreme-effective-scale');
    expect(extreme?.channels).toEqual([0]);
    expect(extreme?.message).toContain('up to 3020'); // 1/√(1.1e-7) = 3015
  });

  it('compares ε with the framework default and across layers', () => {
    expect(codes([bn({ epsilon: 1e-3 })], 'onnx')).toEqual(['epsilon-not-default']);
    expect(codes([bn({ epsilon: 1e-3 })], 'keras')).toEqual([]);
    expect(codes([bn({ epsilon: 1e-5 }), bn({ name: 'bn2', epsilon: 1e-3 })], 'pytorch')).toEqual(['epsilon-not-default', 'epsilon-inconsistent']);
  });

  it('notices a momentum that looks like the other framework\'s convention', () => {
    expect(codes([bn({ momentum: 0.1, momentumConvention: 'keras', momentumPytorch: 0.9 })])).toEqual(['momentum-convention']);
    expect(codes([bn({ momentum: 0.9, momentumConvention: 'pytorch', momentumPytorch: 0.9 })], 'pytorch')).toEqual(['momentum-convention']);
    expect(codes([bn({ momentum: 0.1, momentumConvention: 'pytorch', momentumPytorch: 0.1 })], 'pytorch')).toEqual([]);
  });

  it('reports training mode, BN after an activation, untracked and untrained statistics', () => {
    expect(codes([bn({ training: true })])).toEqual(['training-mode']);
    expect(codes([bn({ after: 'Relu' })])).toEqual(['after-activation']);
    expect(codes([bn({ numBatchesTracked: 0 })], 'pytorch')).toEqual(['no-batches-tracked']);
    expect(codes([bn({ runningMean: f32(0, 0, 0, 0), runningVar: f32(1, 1, 1, 1) })])).toEqual(['statistics-at-init']);
  });

  it('says BN was folded away when an ONNX graph has biased convolutions and no BN', () => {
    const conv: GraphNode = { name: 'c', opType: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attributes: {} };
    expect(codes([], 'onnx', [conv])).toEqual(['bn-folded']);
    expect(codes([], 'onnx', [{ ...conv, inputs: ['x', 'w'] }])).toEqual([]);
  });
});
