// The WebAssembly kernels' runtime: picks the module variant the JavaScript engine can run (relaxed
// SIMD when it validates, plain SIMD otherwise), instantiates it over one shared memory, and lays out
// each call's operands in that memory. Helper threads (pool.ts) instantiate the same module over the
// same memory, so a call's operands are copied in once and every thread works on them in place.

import type { ResidentMemory } from '../types';

/** The two builds of src/engine/kernels/wasm/assembly (scripts/build-wasm.mjs): dist/kernels-*.wasm. */
export interface KernelBinaries {
  readonly simd: Uint8Array<ArrayBuffer>;
  readonly relaxed?: Uint8Array<ArrayBuffer>;
}

export type WasmFlavor = 'wasm-relaxed-simd' | 'wasm-simd';

/** The module's exports (src/engine/kernels/wasm/assembly/index.ts); pointers are byte offsets. */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number, bias: number, biasMode: number, scratch: number): void;
  convForward(g: number, n0: number, n1: number, groups: number, coutG: number, x: number, w: number, bias: number, y: number, col: number, scratch: number, chunk: number): void;
  convBackwardData(g: number, n0: number, n1: number, groups: number, coutG: number, dy: number, w: number, dx: number, col: number, scratch: number): void;
  convBackwardFilter(g: number, n0: number, n1: number, groups: number, coutG: number, x: number, dy: number, dw: number, col: number, scratch: number): void;
  winogradBufferBytes(cin: number, coutG: number): number;
  winogradForward(g: number, n0: number, n1: number, groups: number, coutG: number, x: number, w: number, bias: number, y: number, buffer: number, scratch: number): void;
  convEpilogue(y: number, n0: number, n1: number, channels: number, plane: number, scale: number, shift: number, residual: number, relu: number,
    clip: number, low: number, high: number): void;
  maxPool2d(g: number, p0: number, p1: number, x: number, y: number): void;
  depthwiseForward(g: number, n0: number, n1: number, channels: number, x: number, w: number, bias: number, y: number): void;
  depthwiseBackward(g: number, n0: number, n1: number, channels: number, x: number, w: number, dy: number, dx: number, dw: number): void;
}

export type KernelFunction = Exclude<keyof KernelExports, 'heapBase' | 'gemmScratchBytes' | 'winogradBufferBytes'>;

export interface CompiledKernels {
  readonly module: WebAssembly.Module;
  readonly flavor: WasmFlavor;
}

/**
 * The best variant this runtime accepts, or why there is none. Validation is the feature test: a
 * runtime without relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd) rejects that module.
 */
export function compileKernels(binaries: KernelBinaries): CompiledKernels | { reason: string } {
  if (typeof WebAssembly !== 'object' || typeof SharedArrayBuffer !== 'function') {
    return { reason: 'this runtime has no WebAssembly or no SharedArrayBuffer' };
  }
  if (binaries.relaxed && WebAssembly.validate(binaries.relaxed)) {
    return { module: new WebAssembly.Module(binaries.relaxed), flavor: 'wasm-relaxed-simd' };
  }
  if (WebAssembly.validate(binaries.simd)) return { module: new WebAssembly.Module(binaries.simd), flavor: 'wasm-simd' };
  return { reason: 'this runtime does not validate the WebAssembly SIMD kernels (no SIMD or no threads support)' };
}

const PAGE = 65536;
/** 4 GiB: all a 32-bit memory can address (the module declares the same maximum). */
const MAX_PAGES = 65536;
const ALIGN = 64;

export function createMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
}

export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/**
 * The shared memory seen from JavaScript: resident arrays (an inference pass's intermediate values,
 * which kernels read and write in place) from the bottom, then each call's bump layout above them;
 * views refreshed after growth. Growing a shared memory never detaches it, so a resident array stays
 * valid however the memory grows.
 */
export class WasmHeap implements ResidentMemory {
  readonly base: number;
  private f32 = new Float32Array(0);
  private i32 = new Int32Array(0);
  /** End of the resident regions: where each call's layout starts. */
  private top: number;
  /** Live resident arrays and their byte offsets. */
  private readonly residents = new Map<Float32Array, number>();
  /** Byte offsets of released regions, by size in bytes, for the next arrays of that size. */
  private readonly spare = new Map<number, number[]>();

  constructor(readonly memory: WebAssembly.Memory, exports: KernelExports) {
    this.base = align(exports.heapBase());
    this.top = this.base;
  }

  /** Byte offsets of consecutive blocks of the given byte sizes (64-byte aligned); grows memory to fit. */
  layout(sizes: readonly number[]): number[] {
    let at = this.top;
    const offsets = sizes.map((s) => {
      const o = at;
      at = align(at + s);
      return o;
    });
    this.reach(at);
    return offsets;
  }

  allocate(length: number): Float32Array {
    const bytes = align(length * 4);
    let offset = this.spare.get(bytes)?.pop();
    if (offset === undefined) {
      offset = this.top;
      this.reach(offset + bytes);
      this.top = offset + bytes;
    }
    const array = new Float32Array(this.memory.buffer, offset, length);
    this.residents.set(array, offset);
    return array;
  }

  release(array: Float32Array): void {
    const offset = this.residents.get(array);
    if (offset === undefined) return;
    this.residents.delete(array);
    if (this.residents.size === 0) {
      this.top = this.base;
      this.spare.clear();
      return;
    }
    const bytes = align(array.length * 4);
    this.spare.set(bytes, [...(this.spare.get(bytes) ?? []), offset]);
  }

  owner(view: Float32Array | Float64Array): Float32Array | undefined {
    if (!(view.buffer instanceof SharedArrayBuffer) || this.residents.size === 0) return undefined;
    const start = view.byteOffset;
    const end = start + view.byteLength;
    for (const [array, offset] of this.residents) {
      if (start >= offset && end <= offset + array.byteLength) return array;
    }
    return undefined;
  }

  /** The byte offset of a live resident array (the array itself, not a view into it). */
  offsetOf(array: Float32Array | Float64Array): number | undefined {
    return array instanceof Float32Array ? this.residents.get(array) : undefined;
  }

  /** Bytes a call's layout needs for `array`: none when it is absent or resident (used where it is). */
  room(array: Float32Array | Float64Array | undefined): number {
    return array && this.offsetOf(array) === undefined ? array.length * 4 : 0;
  }

  /** Where a kernel finds `array`: its own offset if resident, else `offset` in the layout, copied in (0 when absent). */
  place(array: Float32Array | Float64Array | undefined, offset: number): number {
    if (!array) return 0;
    const own = this.offsetOf(array);
    if (own !== undefined) return own;
    this.put(offset, array);
    return offset;
  }

  floats(): Float32Array {
    if (this.f32.buffer !== this.memory.buffer || this.f32.length * 4 !== this.memory.buffer.byteLength) this.f32 = new Float32Array(this.memory.buffer);
    return this.f32;
  }

  ints(): Int32Array {
    if (this.i32.buffer !== this.memory.buffer || this.i32.length * 4 !== this.memory.buffer.byteLength) this.i32 = new Int32Array(this.memory.buffer);
    return this.i32;
  }

  put(offset: number, data: ArrayLike<number>): void {
    this.floats().set(data, offset >> 2);
  }

  /** A view (not a copy) of `length` floats at `offset`: valid until the next layout(). */
  view(offset: number, length: number): Float32Array {
    return this.floats().subarray(offset >> 2, (offset >> 2) + length);
  }

  /** Grows the memory to hold `end` bytes. */
  private reach(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`kernel operands need ${(end / 2 ** 30).toFixed(2)} GiB, over the 4 GiB a WebAssembly memory can hold`);
    this.memory.grow(pages);
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
