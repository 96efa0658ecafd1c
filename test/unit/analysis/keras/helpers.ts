// Reading fixture files as the extension does, and comparing tensors by the reference's scale.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ModelSource } from '../../../../src/formats/source';

export function fileSource(file: string): ModelSource {
  return {
    name: file,
    bytes: new Uint8Array(readFileSync(file)),
    readSibling: async (name) => {
      try {
        return new Uint8Array(readFileSync(path.join(path.dirname(file), name)));
      } catch {
        return null;
      }
    },
  };
}

/** The largest difference relative to the reference's largest magnitude. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / Math.max(scale, 1e-12);
}
