// A small procedurally drawn image set for CNNs: filled circles, squares and triangles on a 28×28
// single-channel canvas ([N, 1, 28, 28], values ≈ 0 background / 1 shape), with seeded position, size,
// rotation (triangles) and additive Gaussian pixel noise. A pixel is inside when its centre is.

import type { Rng } from '../layer';
import { Tensor } from '../tensor';
import { uniform, type Dataset } from './dataset';

export const SHAPE_CLASSES = ['circle', 'square', 'triangle'] as const;
export const SHAPE_SIZE = 28;

export interface ShapesOptions {
  /** Standard deviation of the pixel noise (default 0.1). */
  noise?: number;
}

export function shapes(samples: number, rng: Rng, options: ShapesOptions = {}): Dataset {
  const noise = options.noise ?? 0.1;
  const S = SHAPE_SIZE;
  const x = new Float32Array(samples * S * S);
  const y = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % SHAPE_CLASSES.length;
    const radius = uniform(rng, 5, 10);
    const cx = uniform(rng, radius + 1, S - radius - 1);
    const cy = uniform(rng, radius + 1, S - radius - 1);
    const inside = insideTest(label, cx, cy, radius, uniform(rng, 0, 2 * Math.PI));
    const offset = i * S * S;
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < S; c++) {
        x[offset + r * S + c] = (inside(c + 0.5, r + 0.5) ? 1 : 0) + noise * rng.normal();
      }
    }
    y[i] = label;
  }
  return { x: new Tensor(x, [samples, 1, S, S]), y, numClasses: SHAPE_CLASSES.length, classNames: [...SHAPE_CLASSES] };
}

function insideTest(label: number, cx: number, cy: number, radius: number, angle: number): (px: number, py: number) => boolean {
  if (label === 0) return (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= radius * radius;
  if (label === 1) {
    // Side ≈ 1.6·radius, so the areas of circle and square are of the same order.
    const half = 0.8 * radius;
    return (px, py) => Math.abs(px - cx) <= half && Math.abs(py - cy) <= half;
  }
  const vertices = [0, 1, 2].map((k) => {
    const a = angle + (k * 2 * Math.PI) / 3;
    return [cx + radius * Math.cos(a), cy + radius * Math.sin(a)];
  });
  return (px, py) => {
    // Inside when the point is on the same side of all three edges.
    let sign = 0;
    for (let k = 0; k < 3; k++) {
      const [x1, y1] = vertices[k];
      const [x2, y2] = vertices[(k + 1) % 3];
      const cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1);
      if (cross !== 0) {
        if (sign !== 0 && Math.sign(cross) !== sign) return false;
        sign = Math.sign(cross);
      }
    }
    return true;
  };
}
