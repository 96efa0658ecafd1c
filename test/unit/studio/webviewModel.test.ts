// What the studio page does with the host's messages: runs decoded from the wire, live updates appended
// (a schema that grows widens the earlier frames), smoothing and thinning; and the side panel's snapshot.
import { describe, expect, it } from 'vitest';
import { encodeFrames } from '../../../src/shared/runs/frames';
import type { RunData, StatsFrame, StatsSchema, TensorFrame } from '../../../src/shared/runs/types';
import { snapshotOf } from '../../../src/analysis/runs/snapshot';
import type { RunUpdate } from '../../../src/protocol/studio';
import { autoLog, thin } from '../../../webview/studio/charts';
import { applyUpdate, fromWire, smoothed } from '../../../webview/studio/runModel';

const tensor = (mean: number, channels: number, zero = false): TensorFrame => ({
  counts: Uint32Array.of(1, 2, 3, 4), underflow: 0, overflow: 1, sampled: 11, nonFinite: 0, min: -1, max: 1, mean, std: 1, zeroFraction: zero ? 1 : 0, saturatedFraction: 0,
  channelMean: new Float32Array(channels).fill(zero ? 0 : mean), channelVariance: new Float32Array(channels).fill(zero ? 0 : 1),
});
const bnSchema: StatsSchema = {
  layers: [{ name: 'bn', kind: 'BatchNorm', input: { edges: [0, 1, 2, 3, 4], channels: 2 }, output: { edges: [0, 1, 2, 3, 4], channels: 2 }, normChannels: 2 }],
  gradients: [{ layer: 'bn', parameter: 'weight' }],
};
const grown: StatsSchema = {
  layers: [...bnSchema.layers, { name: 'act', kind: 'ReLU', input: { edges: [0, 1, 2, 3, 4], channels: 2 }, output: { edges: [0, 1, 2, 3, 4], channels: 2 }, normChannels: 0 }],
  gradients: [...bnSchema.gradients, { layer: 'bn', parameter: 'bias' }],
};
const bnFrame = (step: number): StatsFrame => ({
  step, gradients: Float32Array.of(0.5),
  layers: [{ input: tensor(step, 2), output: tensor(0, 2), batchMean: Float32Array.of(1, 3), batchVariance: Float32Array.of(1, 1), runningMean: Float32Array.of(0, 1), runningVariance: Float32Array.of(4, 4), gamma: Float32Array.of(1, 1), beta: Float32Array.of(0, 0) }],
});
const info = { version: 1 as const, name: 'r', createdAt: '2026-01-01T00:00:00Z', status: 'running' as const, steps: 2, totalSteps: 10, wallMs: 1, layers: [], parameterCount: 4, label: '' };
const base: RunData = { info, spec: { layers: [] }, steps: { step: Float64Array.of(1, 2), loss: Float64Array.of(1, 0.9), accuracy: Float64Array.of(0.5, 0.6) }, epochs: [], schema: bnSchema, frames: [bnFrame(2)] };

describe('the studio page model', () => {
  it('decodes a run from the wire as it was', () => {
    expect(fromWire({ ...base, frames: encodeFrames(base.frames, base.schema) })).toEqual(base);
  });

  it('appends an update, widening the earlier frames when the schema grew', () => {
    const frame4: StatsFrame = { step: 4, gradients: Float32Array.of(0.25, 0.1), layers: [bnFrame(4).layers[0], { input: tensor(0, 2), output: tensor(0, 2, true) }] };
    const update: RunUpdate = {
      name: 'r', info: { ...info, steps: 4 }, schema: grown,
      steps: { step: Float64Array.of(3, 4), loss: Float64Array.of(0.8, 0.7), accuracy: Float64Array.of(0.7, 0.8) },
      epochs: [{ epoch: 0, step: 4, train: { loss: 0.85, accuracy: 0.65 } }],
      frames: encodeFrames([frame4], grown),
    };
    const next = applyUpdate(base, update);
    expect(Array.from(next.steps.step)).toEqual([1, 2, 3, 4]);
    expect(next.info.steps).toBe(4);
    expect(next.epochs).toHaveLength(1);
    expect(next.frames.map((f) => f.layers.length)).toEqual([2, 2]);
    expect(next.frames[0].layers[1]).toBeNull();
    expect(Array.from(next.frames[0].gradients)).toEqual([0.5, NaN]);
    expect(next.frames[1]).toEqual(frame4);

    const snap = snapshotOf(next);
    expect(snap).toMatchObject({ run: 'r', step: 4, totalSteps: 10, recordedStep: 4, loss: 0.7, accuracy: 0.8 });
    expect(snap.layers).toHaveLength(1);
    expect(snap.layers[0]).toMatchObject({ name: 'bn', kind: 'BatchNorm', channels: 2, pre: { mean: 4, std: 1 }, deadFraction: 1 });
    // |1 − 0|/√4 and |3 − 1|/√4, averaged.
    expect(snap.layers[0].batchRunningGap).toBeCloseTo(0.75, 4);
  });

  it('smooths like TensorBoard (debiased EMA) and carries over non-finite values', () => {
    const s = smoothed([1, 1, NaN, 1], 0.9);
    expect(Array.from(s)).toEqual([1, 1, 1, 1]);
    expect(smoothed([0, 10], 0.5)[1]).toBeCloseTo(10 * 0.5 / 0.75, 10);
  });

  it('thins long series to evenly spread points, first and last kept', () => {
    expect(thin(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const t = thin(10_000, 400);
    expect(t.length).toBe(400);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBe(9999);
  });
});

describe('chart scales', () => {
  const s = (y: number[]): { label: string; x: number[]; y: number[]; className: string } => ({ label: '', x: y.map((_, i) => i), y, className: '' });
  it('switches to a log scale when positive values span more than a factor of 100', () => {
    expect(autoLog([s([1, 0.5, 0.2])])).toBe(false);
    expect(autoLog([s([0.3, 0.2]), s([5_000_000, 0.25])])).toBe(true);
    expect(autoLog([s([1000, 0])])).toBe(false);
    expect(autoLog([s([NaN, 1, 1000])])).toBe(true);
  });
});
