// One scalar parameter, gradients set by hand, expected values worked out from PyTorch's update rules
// (see the comments); the literals were computed independently, not by this code.
import { describe, expect, it } from 'vitest';
import type { Parameter } from '../../../../src/engine/layer';
import { Adam, AdamW, SGD, type Optimizer } from '../../../../src/engine/train/optimizers';
import { Tensor } from '../../../../src/engine/tensor';

function scalarParameter(value: number, trainable = true): Parameter {
  return { name: 'w', value: Tensor.filled([1], value, 'float64'), grad: Tensor.zeros([1], 'float64'), trainable };
}

function run(optimizer: Optimizer, p: Parameter, grads: number[]): number[] {
  return grads.map((g) => {
    optimizer.zeroGrad();
    p.grad.data[0] = g;
    optimizer.step();
    return p.value.data[0];
  });
}

describe('SGD (torch.optim.SGD)', () => {
  it('plain: p −= lr·g', () => {
    const p = scalarParameter(1);
    expect(run(new SGD([p], { lr: 0.1 }), p, [0.5, -1])).toEqual([0.95, 1.05]);
  });

  it('momentum 0.9 with weight decay 0.01: the buffer starts at the first gradient', () => {
    // step 1: g = 0.5 + 0.01·1 = 0.51, b = 0.51, p = 1 − 0.051 = 0.949
    // step 2: g = 0.5 + 0.01·0.949 = 0.50949, b = 0.9·0.51 + 0.50949 = 0.96849, p = 0.949 − 0.096849 = 0.852151
    const p = scalarParameter(1);
    const values = run(new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), p, [0.5, 0.5]);
    expect(values[0]).toBeCloseTo(0.949, 14);
    expect(values[1]).toBeCloseTo(0.852151, 14);
  });

  it('Nesterov: g + μ·b', () => {
    // step 1: g = 0.51, b = 0.51, g' = 0.51 + 0.459 = 0.969, p = 0.9031
    // step 2: g = 0.509031, b = 0.459 + 0.509031 = 0.968031, g' = 0.509031 + 0.8712279 = 1.3802589, p = 0.76507411
    const p = scalarParameter(1);
    const values = run(new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true }), p, [0.5, 0.5]);
    expect(values[0]).toBeCloseTo(0.9031, 14);
    expect(values[1]).toBeCloseTo(0.76507411, 14);
  });

  it('dampening applies from the second step on', () => {
    // step 2: b = 0.9·0.51 + 0.5·0.50949 = 0.713745, p = 0.949 − 0.0713745 = 0.8776255
    const p = scalarParameter(1);
    const values = run(new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01 }), p, [0.5, 0.5]);
    expect(values[1]).toBeCloseTo(0.8776255, 14);
  });

  it('rejects Nesterov without momentum, and skips frozen parameters', () => {
    expect(() => new SGD([], { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    const frozen = scalarParameter(1, false);
    frozen.grad.data[0] = 1;
    new SGD([frozen], { lr: 0.1 }).step();
    expect(frozen.value.data[0]).toBe(1);
  });
});

describe('Adam and AdamW (torch.optim)', () => {
  // lr 0.1, betas (0.9, 0.999), eps 1e-8, p₀ = 1, gradients 0.5 then −0.2.
  // Adam step 1: m = 0.05, v = 2.5e-4, p = 1 − (0.1/0.1)·0.05/(√2.5e-4/√1e-3 + 1e-8) = 0.900000002
  it('Adam with bias correction', () => {
    const p = scalarParameter(1);
    const values = run(new Adam([p], { lr: 0.1 }), p, [0.5, -0.2]);
    expect(values[0]).toBeCloseTo(0.900000002, 14);
    expect(values[1]).toBeCloseTo(0.8654394181165108, 14);
  });

  it('Adam weight decay is L2 added to the gradient', () => {
    const p = scalarParameter(1);
    const values = run(new Adam([p], { lr: 0.1, weightDecay: 0.1 }), p, [0.5, -0.2]);
    expect(values[0]).toBeCloseTo(0.9000000016666666, 14);
    expect(values[1]).toBeCloseTo(0.8475190629593703, 14);
  });

  it('AdamW decays the weight directly (p·(1 − lr·wd)) before the Adam step', () => {
    const p = scalarParameter(1);
    const values = run(new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), p, [0.5, -0.2]);
    expect(values[0]).toBeCloseTo(0.890000002, 14);
    expect(values[1]).toBeCloseTo(0.8465394180965108, 14);
  });

  it('defaults follow PyTorch (Adam lr 1e-3, no decay; AdamW decay 0.01)', () => {
    const adam = new Adam([]);
    const adamw = new AdamW([]);
    expect([adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weightDecay]).toEqual([1e-3, 0.9, 0.999, 1e-8, 0]);
    expect(adamw.weightDecay).toBe(0.01);
  });
});
