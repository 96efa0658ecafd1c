// Reading a tensor shape as the [outer, channels, inner] view the kernels work on.

import type { ChannelLayout } from './kernels';

/** Resolves a possibly negative axis (Keras' axis=-1) against a rank. */
export function resolveAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? rank + axis : axis;
  if (!Number.isInteger(resolved) || resolved < 0 || resolved >= rank) {
    throw new RangeError(`axis ${axis} is out of range for a rank-${rank} input`);
  }
  return resolved;
}

/** The layout with `axis` as the channel axis: outer = product of the dims before it, inner = after it. */
export function layoutAroundAxis(shape: readonly number[], axis: number): ChannelLayout {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, channels: shape[axis], inner };
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
