// Finite-difference gradient checker shared by every engine layer test. The scalar probed is
// f = sum(output · W) with a fixed random W, so backward(W) must equal ∂f/∂input and ∂f/∂param; each
// element is checked by central differences (f(x+ε) − f(x−ε)) / 2ε in float64, where the truncation
// error (~ε²) and the rounding error (~1e-16·|f|/ε) both stay far below the tolerances below.

import type { ForwardContext, Layer, Rng } from '../../../src/engine/layer';
import { Tensor } from '../../../src/engine/tensor';

export interface GradCheckOptions {
  /** Also check the gradients of the layer's trainable parameters (default false). */
  params?: boolean;
  /** Forward in train mode (default true). */
  training?: boolean;
  /** Indices of the inputs to check (default: all). Inputs not listed are still fed to the layer. */
  inputIndices?: readonly number[];
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Pass when |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|) (defaults 1e-6 and 1e-5). */
  rtol?: number;
  atol?: number;
  /** Seed of W and of the Rng handed to every forward call (the same Rng state each time, so dropout-like layers see the same mask). */
  seed?: number;
  /** Check at most this many elements per tensor, chosen by a seeded shuffle (default: every element). */
  maxElementsPerTensor?: number;
}

export interface GradCheckMismatch {
  /** "input 0" or "param weight". */
  tensor: string;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckReport {
  ok: boolean;
  /** Number of elements compared. */
  checked: number;
  maxAbsError: number;
  mismatches: GradCheckMismatch[];
  /** One line per mismatch (at most 10), for an assertion message. */
  describe(): string;
}

/** Mulberry32: small, fast, and deterministic from a 32-bit seed. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal(): number {
      // Box–Muller; 1 − u keeps the logarithm finite.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Tensor of standard normal values in float64, for test inputs. */
export function randomTensor(shape: readonly number[], seed: number, scale = 1, offset = 0): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  const rng = seededRng(seed);
  for (let i = 0; i < t.data.length; i++) t.data[i] = offset + scale * rng.normal();
  return t;
}

function requireFloat64(t: Tensor, what: string): void {
  if (t.dtype !== 'float64') throw new Error(`checkGradients needs float64 tensors; ${what} is ${t.dtype}`);
}

function elementsToCheck(length: number, limit: number | undefined, rng: Rng): number[] {
  const all = Array.from({ length }, (_, i) => i);
  if (limit === undefined || limit >= length) return all;
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
}

/**
 * Compares layer.backward() with central differences. Zeroes the parameter gradients first (they
 * accumulate), and restores the layer's buffers afterwards (train-mode forwards update running statistics).
 */
export function checkGradients(layer: Layer, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckReport {
  const { params = false, training = true, eps = 1e-6, rtol = 1e-5, atol = 1e-6, seed = 1234, maxElementsPerTensor } = options;
  const inputIndices = options.inputIndices ?? inputs.map((_, i) => i);
  inputs.forEach((t, i) => requireFloat64(t, `input ${i}`));
  const parameters = params ? layer.parameters().filter((p) => p.trainable) : [];
  for (const p of parameters) requireFloat64(p.value, `param ${p.name}`);

  const savedBuffers = Object.entries(layer.buffers()).map(([name, t]) => ({ name, tensor: t, data: t.data.slice() }));
  const context = (): ForwardContext => ({ training, rng: seededRng(seed) });

  const output = layer.forward(inputs, context());
  const weights = randomTensor(output.shape, seed + 1);
  const probe = (): number => {
    const out = layer.forward(inputs, context()).data;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * weights.data[i];
    return sum;
  };

  for (const p of parameters) p.grad.data.fill(0);
  const inputGrads = layer.backward(weights);

  const targets = [
    ...inputIndices.map((i) => ({ label: `input ${i}`, value: inputs[i], analytic: inputGrads[i] })),
    ...parameters.map((p) => ({ label: `param ${p.name}`, value: p.value, analytic: p.grad.clone() })),
  ];
  const pick = seededRng(seed + 2);
  const mismatches: GradCheckMismatch[] = [];
  let checked = 0;
  let maxAbsError = 0;
  for (const { label, value, analytic } of targets) {
    if (!analytic || analytic.size !== value.size) {
      throw new Error(`checkGradients: gradient of ${label} has ${analytic?.size ?? 'no'} values, expected ${value.size}`);
    }
    for (const index of elementsToCheck(value.size, maxElementsPerTensor, pick)) {
      const original = value.data[index];
      value.data[index] = original + eps;
      const plus = probe();
      value.data[index] = original - eps;
      const minus = probe();
      value.data[index] = original;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic.data[index];
      const error = Math.abs(a - numeric);
      maxAbsError = Math.max(maxAbsError, error);
      checked++;
      if (!(error <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
        mismatches.push({ tensor: label, index, analytic: a, numeric });
      }
    }
  }

  for (const { tensor, data } of savedBuffers) tensor.data.set(data);
  return {
    ok: mismatches.length === 0,
    checked,
    maxAbsError,
    mismatches,
    describe: () =>
      mismatches
        .slice(0, 10)
        .map((m) => `${m.tensor}[${m.index}]: analytic ${m.analytic}, numeric ${m.numeric}`)
        .join('\n') || `all ${checked} gradients match (max abs error ${maxAbsError.toExponential(2)})`,
  };
}
