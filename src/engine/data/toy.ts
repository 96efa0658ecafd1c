// Small generated classification sets (never downloaded), each fully determined by its Rng.

import type { Rng } from '../layer';
import { Tensor } from '../tensor';
import { uniform, type Dataset } from './dataset';

function build(points: Float32Array, labels: Int32Array, numClasses: number, featureNames: string[], classNames: string[]): Dataset {
  return { x: new Tensor(points, [labels.length, featureNames.length]), y: labels, numClasses, featureNames, classNames };
}

/**
 * The tabular toy: two exam scores in 0–100 and whether the student was placed. Placement is drawn
 * with probability σ((exam1 + exam2 − 110)/8), so the classes overlap near the line exam1 + exam2 = 110.
 * The raw 0–100 scale is kept on purpose: it is what standardization (or batch normalization) fixes.
 */
export function examScores(samples: number, rng: Rng): Dataset {
  const x = new Float32Array(samples * 2);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const e1 = clamp(55 + 18 * rng.normal(), 0, 100);
    const e2 = clamp(55 + 18 * rng.normal(), 0, 100);
    x[2 * i] = Math.round(e1);
    x[2 * i + 1] = Math.round(e2);
    const p = 1 / (1 + Math.exp(-(e1 + e2 - 110) / 8));
    y[i] = rng.next() < p ? 1 : 0;
  }
  return build(x, y, 2, ['exam1', 'exam2'], ['not placed', 'placed']);
}

/** scikit-learn's make_moons: two interleaved half circles, Gaussian noise of std `noise`. */
export function twoMoons(samples: number, noise: number, rng: Rng): Dataset {
  const x = new Float32Array(samples * 2);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    const t = Math.PI * rng.next();
    const px = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const py = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x[2 * i] = px + noise * rng.normal();
    x[2 * i + 1] = py + noise * rng.normal();
    y[i] = label;
  }
  return build(x, y, 2, ['x', 'y'], ['upper moon', 'lower moon']);
}

/** Interleaved spiral arms (as in CS231n), one per class; `noise` jitters the angle (radians). */
export function spirals(samples: number, classes: number, noise: number, rng: Rng): Dataset {
  const x = new Float32Array(samples * 2);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % classes;
    const r = rng.next();
    // The angle grows with the radius over 4 rad, arm k starting at 4k rad, so the arms interleave.
    const t = (label + r) * 4 + noise * rng.normal();
    x[2 * i] = r * Math.sin(t);
    x[2 * i + 1] = r * Math.cos(t);
    y[i] = label;
  }
  return build(x, y, classes, ['x', 'y'], Array.from({ length: classes }, (_, k) => `arm ${k}`));
}

/** Isotropic Gaussian blobs (scikit-learn make_blobs): centers uniform in [−10, 10]², std `std`. */
export function blobs(samples: number, centers: number, std: number, rng: Rng): Dataset {
  const c = Array.from({ length: centers }, () => [uniform(rng, -10, 10), uniform(rng, -10, 10)]);
  const x = new Float32Array(samples * 2);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % centers;
    x[2 * i] = c[label][0] + std * rng.normal();
    x[2 * i + 1] = c[label][1] + std * rng.normal();
    y[i] = label;
  }
  return build(x, y, centers, ['x', 'y'], Array.from({ length: centers }, (_, k) => `blob ${k}`));
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, v));
}
