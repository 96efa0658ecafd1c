import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NpyError, readNpy, readNpz, writeNpy } from '../../../src/formats/npy';
import { frameworkFixture } from '../fixtures';

describe('.npy and .npz', () => {
  it('round-trips float32 and float64 arrays', () => {
    const a = readNpy('a.npy', writeNpy(Float32Array.of(1, 2.5, -3, 4, 5, 6), [2, 3]));
    expect(a).toEqual({ dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2.5, -3, 4, 5, 6) });
    const b = readNpy('b.npy', writeNpy(Float64Array.of(Math.PI), [1]));
    expect(b.dtype).toBe('float64');
    expect(b.data[0]).toBe(Math.PI);
  });

  it('reads the arrays numpy wrote into the Keras fixture', () => {
    const arrays = readNpz('io.npz', readFileSync(frameworkFixture('models/keras-convbn/keras_convbn_io.npz')));
    const input = arrays.get('input');
    expect(input?.dtype).toBe('float32');
    expect(input?.shape.slice(1)).toEqual([12, 12, 3]);
    expect(arrays.get('output')?.shape[1]).toBe(4);
    expect(arrays.has('bn_out/bn1')).toBe(true);
  });

  it('says what is wrong with a truncated or foreign file', () => {
    const good = writeNpy(Float32Array.of(1, 2, 3, 4), [4]);
    expect(() => readNpy('t.npy', good.subarray(0, good.length - 2))).toThrow(/needs 16 bytes of data, the file has 14/);
    expect(() => readNpy('x.npy', new TextEncoder().encode('hello world'))).toThrow(NpyError);
    expect(() => readNpy('x.npy', new TextEncoder().encode('hello world'))).toThrow(/x\.npy: not a NumPy \.npy array/);
  });
});
