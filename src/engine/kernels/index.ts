// The active kernel backend. Layers call kernels() rather than importing an implementation, so a
// faster backend can be installed once (setKernels) for the whole engine.

import { applyEpilogue, convBackwardWith, convForwardWith } from './conv';
import { gemmJs } from './gemm';
import { col2imJs, im2colJs } from './im2col';
import { maxPool2dJs } from './pool';
import type { Kernels } from './types';

export type { ConvEpilogue, ConvGeometry, ConvProblem, GemmArgs, Kernels, ResidentMemory } from './types';

const jsParts = { gemm: gemmJs, im2col: im2colJs, col2im: col2imJs };

/** The plain-JavaScript kernels: the reference every other backend is tested against, and the fallback. */
export const jsKernels: Kernels = {
  name: 'js',
  ...jsParts,
  conv2dForward: (p, x, w, bias, y, epilogue) => {
    convForwardWith(jsParts, p, x, w, bias, y);
    if (epilogue) applyEpilogue(y, p.batch, p.outChannels, p.geometry.outH * p.geometry.outW, epilogue);
  },
  conv2dBackward: (p, x, w, dy, dx, dw) => convBackwardWith(jsParts, p, x, w, dy, dx, dw),
  maxPool2d: maxPool2dJs,
};

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
