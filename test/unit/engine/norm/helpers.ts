// Shared by the normalization tests: fixture loading, tolerance comparison, contexts.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ForwardContext } from '../../../../src/engine/layer';
import { Tensor, type DType } from '../../../../src/engine/tensor';
import { seededRng } from '../gradcheck';

/** The repository root: the nearest folder above this file with the project's package.json. */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) || !readFileSync(path.join(dir, 'package.json'), 'utf8').includes('"name": "bn-lens"')) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no bn-lens package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** Files written by the frameworks themselves (test/fixtures/frameworks/README.md says where each came from). */
export const FIXTURES = path.resolve(repoRoot(), 'test', 'fixtures', 'frameworks');

export function readFixture(relative: string): Buffer {
  const file = path.join(FIXTURES, relative);
  if (!existsSync(file)) throw new Error(`fixture ${file} is missing`);
  return readFileSync(file);
}

export function readJsonFixture<T>(relative: string): T {
  return JSON.parse(readFixture(relative).toString('utf8')) as T;
}

export interface ArrayRef {
  shape: number[];
  data: number[];
}

export function tensorOf(ref: ArrayRef, dtype: DType): Tensor {
  return Tensor.fromArray(ref.data, ref.shape, dtype);
}

export const TRAIN: ForwardContext = { training: true, rng: seededRng(1) };
export const EVAL: ForwardContext = { training: false, rng: seededRng(1) };

interface TorchStepResults {
  eval_output_initial_stats: ArrayRef;
  step0: { y_train: ArrayRef; batch_mean: ArrayRef; batch_var_biased: ArrayRef; batch_var_unbiased: ArrayRef; dx: ArrayRef; dgamma: ArrayRef; dbeta: ArrayRef };
  after_step1: { running_mean: ArrayRef; running_var: ArrayRef; num_batches_tracked: number };
  after_step5: { running_mean: ArrayRef; running_var: ArrayRef; num_batches_tracked: number };
  eval_output_after_5_steps: ArrayRef;
}

/** One case of bn_reference.json (PyTorch). */
export interface TorchCase {
  name: string;
  kind: '2d' | '4d';
  shape: number[];
  num_features: number;
  inputs: { xs: ArrayRef[]; gamma: ArrayRef; beta: ArrayRef; dy: ArrayRef };
  results: Record<DType, TorchStepResults>;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the worst element on failure. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, { rtol, atol }: Tolerance, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Moves axis 1 to the end: [N, C, …] → [N, …, C] (row-major data). */
export function toChannelsLast(data: ArrayLike<number>, shape: readonly number[]): { data: number[]; shape: number[] } {
  const [n, c] = shape;
  const spatial = shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Array<number>(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let s = 0; s < spatial; s++) out[(b * spatial + s) * c + ch] = data[(b * c + ch) * spatial + s];
    }
  }
  return { data: out, shape: [n, ...shape.slice(2), c] };
}
