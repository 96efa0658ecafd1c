// The engine's tensor: a dense, row-major (C order) float array with a shape. float32 is the default;
// float64 exists so gradient checks and the float64 reference cases can be matched to 1e-9.

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Arrays of at least this many elements go on a SharedArrayBuffer (see shareArraysFrom). */
let sharedFrom = Infinity;

/**
 * Puts every array of at least `elements` values that allocate() makes on a SharedArrayBuffer, so that
 * kernels with helper threads (the normalization kernels' pool) can work on the activations and
 * gradients of a whole training step in place; Infinity turns it off. The kernel backend sets it with
 * its threads (src/engine/kernels/select.ts).
 */
export function shareArraysFrom(elements: number): void {
  sharedFrom = elements;
}

export function allocate(dtype: DType, length: number): FloatArray {
  if (length >= sharedFrom) {
    const bytes = dtype === 'float64' ? 8 : 4;
    const buffer = new SharedArrayBuffer(length * bytes);
    return dtype === 'float64' ? new Float64Array(buffer) : new Float32Array(buffer);
  }
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export class Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;

  constructor(data: FloatArray, shape: readonly number[]) {
    const expected = sizeOf(shape);
    if (data.length !== expected) {
      throw new RangeError(`Tensor of shape [${shape.join(',')}] needs ${expected} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  static filled(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  static fromArray(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, values.length);
    data.set(values as ArrayLike<number>);
    return new Tensor(data, shape);
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Same data, new shape (no copy). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  zerosLike(): Tensor {
    return Tensor.zeros(this.shape, this.dtype);
  }
}
