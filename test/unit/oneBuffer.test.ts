import { describe, expect, it } from 'vitest';
import { withOneBuffer } from '../../src/extension/oneBuffer';

describe('typed arrays posted to a webview go in one ArrayBuffer', () => {
  it('keeps every value, type and shape of the message, with all arrays viewing one buffer', () => {
    const shared = new Float32Array([1, 2, 3]);
    const message = {
      type: 'probe', n: 3, name: 'x', none: null,
      layers: Array.from({ length: 300 }, (_, i) => ({ mean: Float64Array.of(i, -i), counts: Uint32Array.of(i, 1, 2), h: { edges: new Float32Array(5).fill(i) } })),
      same: [shared, shared],
    };
    const packed = withOneBuffer(message);
    const arrays = [...packed.layers.flatMap((l) => [l.mean, l.counts, l.h.edges]), ...packed.same];
    expect(new Set(arrays.map((a) => a.buffer)).size).toBe(1);
    expect(packed.layers[299].mean).toBeInstanceOf(Float64Array);
    expect(Array.from(packed.layers[299].mean)).toEqual([299, -299]);
    expect(Array.from(packed.layers[7].counts)).toEqual([7, 1, 2]);
    expect(Array.from(packed.layers[42].h.edges)).toEqual([42, 42, 42, 42, 42]);
    expect(packed.same[0]).toBe(packed.same[1]);
    expect({ type: packed.type, n: packed.n, name: packed.name, none: packed.none }).toEqual({ type: 'probe', n: 3, name: 'x', none: null });
    expect(Array.from(message.layers[1].mean)).toEqual([1, -1]); // the original is left as it was
  });
});
