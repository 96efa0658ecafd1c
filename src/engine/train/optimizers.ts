// Optimizers with PyTorch's exact update rules (torch.optim, default arguments the same):
//   SGD:   g = ∇ + wd·p; b = g (first step) or μ·b + (1−dampening)·g; g = g + μ·b (Nesterov) or b;
//          p −= lr·g
//   Adam:  g = ∇ + wd·p (L2 added to the gradient); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
//          p −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
//   AdamW: p *= 1 − lr·wd (decoupled decay, Loshchilov & Hutter), then Adam's step without L2.
// Only trainable parameters are updated; state is kept in float64.

import type { Parameter } from '../layer';

export interface Optimizer {
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  step(): void;
  zeroGrad(): void;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

abstract class BaseOptimizer implements Optimizer {
  protected readonly params: Parameter[];
  abstract lr: number;

  constructor(params: readonly Parameter[]) {
    this.params = params.filter((p) => p.trainable);
  }

  abstract step(): void;

  zeroGrad(): void {
    for (const p of this.params) p.grad.data.fill(0);
  }
}

export class SGD extends BaseOptimizer {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly buffers = new Map<Parameter, Float64Array>();

  constructor(params: readonly Parameter[], options: SgdOptions) {
    super(params);
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RangeError('Nesterov momentum requires a momentum and zero dampening');
    this.lr = lr;
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    for (const p of this.params) {
      const w = p.value.data;
      const grad = p.grad.data;
      let buf = this.buffers.get(p);
      const first = buf === undefined;
      if (momentum !== 0 && !buf) {
        buf = new Float64Array(w.length);
        this.buffers.set(p, buf);
      }
      for (let i = 0; i < w.length; i++) {
        let g = grad[i] + weightDecay * w[i];
        if (buf) {
          buf[i] = first ? g : momentum * buf[i] + (1 - dampening) * g;
          g = nesterov ? g + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * g;
      }
    }
  }
}

interface AdamState {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

class AdamBase extends BaseOptimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<Parameter, AdamState>();

  constructor(
    params: readonly Parameter[],
    options: AdamOptions,
    defaultWeightDecay: number,
    private readonly decoupled: boolean,
  ) {
    super(params);
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
  }

  step(): void {
    const { lr, beta1, beta2, eps, weightDecay, decoupled } = this;
    for (const p of this.params) {
      let s = this.state.get(p);
      if (!s) {
        s = { step: 0, m: new Float64Array(p.value.size), v: new Float64Array(p.value.size) };
        this.state.set(p, s);
      }
      s.step++;
      const stepSize = lr / (1 - beta1 ** s.step);
      const sqrtBias2 = Math.sqrt(1 - beta2 ** s.step);
      const w = p.value.data;
      const grad = p.grad.data;
      const { m, v } = s;
      for (let i = 0; i < w.length; i++) {
        let g = grad[i];
        if (decoupled) w[i] *= 1 - lr * weightDecay;
        else g += weightDecay * w[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBias2 + eps);
      }
    }
  }
}

/** torch.optim.Adam (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 as L2 on the gradient). */
export class Adam extends AdamBase {
  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    super(params, options, 0, false);
  }
}

/** torch.optim.AdamW (as Adam, but weight_decay defaults to 0.01 and is decoupled from the gradient). */
export class AdamW extends AdamBase {
  constructor(params: readonly Parameter[], options: AdamOptions = {}) {
    super(params, options, 0.01, true);
  }
}
