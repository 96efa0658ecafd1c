// The active kernel backend. Layers call kernels() rather than importing an implementation, so a
// faster backend can be installed once (setKernels) for the whole engine.

import { gemmJs } from './gemm';
import { col2imJs, im2colJs } from './im2col';
import type { Kernels } from './types';

export type { ConvGeometry, GemmArgs, Kernels } from './types';

export const jsKernels: Kernels = { name: 'js', gemm: gemmJs, im2col: im2colJs, col2im: col2imJs };

let active: Kernels = jsKernels;

export function kernels(): Kernels {
  return active;
}

/** Installs a backend for every later layer call (returns the previous one, e.g. to restore it in tests). */
export function setKernels(next: Kernels): Kernels {
  const previous = active;
  active = next;
  return previous;
}
