// The WebAssembly SIMD backend of the kernel interface. Float32 calls copy their operands into the
// module's shared memory (unless they live there already: resident arrays, Model.infer's activations),
// run there (split across the thread pool when there is one and the work is large enough), and copy
// the result out; float64 calls, and the unfold helpers (im2col/col2im) that only the JavaScript
// convolution uses, go to the JavaScript kernels.
//
// Work is split so every thread writes its own part of the output: a GEMM by rows of C (by columns
// when op(B) is the larger operand), a convolution by images. Weight gradients go to one buffer per
// thread, summed at the end, so the result does not depend on timing (only on the thread count,
// through that sum).

import type { FloatArray } from '../../tensor';
import { jsKernels } from '../index';
import type { ConvEpilogue, ConvGeometry, ConvProblem, GemmArgs, Kernels } from '../types';
import { WasmThreadPool, type KernelJob } from './pool';
import { createMemory, instantiate, WasmHeap, type CompiledKernels, type KernelExports } from './runtime';

/** Below this many multiply-adds a GEMM stays in JavaScript: copying into wasm memory would cost more. */
const MIN_WASM_GEMM = 4096;
/** Below this many multiply-adds a call stays on one thread: waking a helper costs tens of microseconds. */
const MIN_PARALLEL_WORK = 1 << 20;
/**
 * Column-matrix size (floats) up to which small images are unfolded and multiplied together: 256 KiB,
 * so the columns stay in L2 while they are packed (1 << 20 was ~8 % slower on the CNN bench's convs).
 */
const CHUNK_FLOATS = 1 << 16;
/**
 * Output columns a chunk reaches even past CHUNK_FLOATS: an image of a few dozen outputs (ResNet's
 * 7×7 stage) multiplied alone makes a narrow product whose weights are packed again for every image
 * (a 512→2048 1×1 convolution packs 4 MiB of weights per 49 columns); 4 such images side by side ran
 * the late-stage convolutions 1.5× faster.
 */
const MIN_CHUNK_COLUMNS = 192;
/**
 * Input and output channels (per group) from which a 3×3, stride 1, undilated forward convolution runs
 * as Winograd F(2×2, 3×3) (16 multiplies per 2×2 outputs and channel instead of 36): below, its
 * transforms cost more than the multiplies they save.
 */
const MIN_WINOGRAD_CHANNELS = 16;
/**
 * Outputs per plane from which Winograd runs: F(2×2, 3×3) on a 7×7 output computes 8×8 (30 % waste)
 * and its transforms outweigh the saving there (20 GFLOP/s-equivalent against 30 for im2col + GEMM).
 */
const MIN_WINOGRAD_OUTPUTS = 100;
const BIAS_NONE = 0;
const BIAS_ROW = 1;
const BIAS_COL = 2;

export interface WasmKernels extends Kernels {
  readonly threads: number;
  /** Ends the helper threads (the kernels keep working on one thread afterwards). */
  close(): Promise<void>;
}

function isF32(...arrays: (FloatArray | undefined)[]): boolean {
  return arrays.every((a) => a === undefined || a instanceof Float32Array);
}

/** Where placeForward put a forward convolution's operands (byte offsets in the heap). */
interface PlacedForward {
  readonly gOff: number;
  readonly xOff: number;
  readonly wOff: number;
  readonly biasOff: number;
  readonly yOff: number;
  readonly scaleOff: number;
  readonly shiftOff: number;
  readonly residualOff: number;
  readonly buffers: readonly number[];
}

/** [begin, end) of part p when `total` is cut into `parts` near-equal pieces. */
function range(total: number, parts: number, p: number): [number, number] {
  return [Math.floor((p * total) / parts), Math.floor(((p + 1) * total) / parts)];
}

/** A forward convolution Winograd F(2×2, 3×3) serves: 3×3, stride 1, no dilation, channels and outputs enough. */
function isWinograd(g: ConvGeometry, coutG: number): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1
    && g.channels >= MIN_WINOGRAD_CHANNELS && coutG >= MIN_WINOGRAD_CHANNELS && g.outH * g.outW >= MIN_WINOGRAD_OUTPUTS;
}

const GEOMETRY_FIELDS: readonly (keyof ConvGeometry)[] = [
  'channels', 'inH', 'inW', 'kH', 'kW', 'strideH', 'strideW', 'padTop', 'padLeft', 'dilationH', 'dilationW', 'outH', 'outW',
];

/**
 * The backend over a compiled module; `threads` > 1 starts threads − 1 helpers (if they cannot start,
 * the promise rejects: the caller decides whether one thread will do).
 */
export async function createWasmKernels(compiled: CompiledKernels, threads = 1): Promise<WasmKernels> {
  const memory = createMemory();
  const exports = instantiate(compiled.module, memory);
  const pool = threads > 1 ? await WasmThreadPool.create(compiled.module, memory, threads - 1) : undefined;
  return new Backend(compiled.flavor, exports, new WasmHeap(memory, exports), pool);
}

class Backend implements WasmKernels {
  readonly name: string;
  private readonly scratchBytes: number;
  private pool: WasmThreadPool | undefined;

  constructor(flavor: string, private readonly wasm: KernelExports, private readonly heap: WasmHeap, pool: WasmThreadPool | undefined) {
    this.pool = pool;
    this.name = flavor;
    this.scratchBytes = wasm.gemmScratchBytes();
  }

  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  get resident(): WasmHeap {
    return this.heap;
  }

  readonly im2col = jsKernels.im2col;
  readonly col2im = jsKernels.col2im;

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  /** Threads to use for `parts` independent pieces of `work` multiply-adds. */
  private partsFor(work: number, parts: number): number {
    return work >= MIN_PARALLEL_WORK ? Math.max(1, Math.min(this.threads, parts)) : 1;
  }

  /** Runs part 0 here and parts 1… on helpers. */
  private run(jobs: KernelJob[]): void {
    const call = (job: KernelJob): void => (this.wasm[job.fn] as (...args: number[]) => void)(...job.args);
    if (jobs.length === 1 || !this.pool) {
      for (const job of jobs) call(job);
      return;
    }
    this.pool.run(() => call(jobs[0]), jobs.slice(1));
  }

  gemm = (args: GemmArgs): void => {
    const { m, n, k, a, b, c, bias, accumulate } = args;
    if (!isF32(a, b, c, bias) || m * n * k < MIN_WASM_GEMM) {
      jsKernels.gemm(args);
      return;
    }
    if (a.length < m * k || b.length < k * n || c.length < m * n) jsKernels.gemm(args); // throws the reference's message
    const useBias = bias && !accumulate;
    const biasMode = !useBias ? BIAS_NONE : args.biasAxis === 'row' ? BIAS_ROW : BIAS_COL;
    // Each thread packs all of the operand the split does not cut: cut the larger one's way (rows of C
    // when op(A) is the larger, columns when op(B) is), unless C is too narrow for columns to go round.
    // The 256×1024·1024×1024 bench GEMM split by columns packs 6 MB instead of 9 (7.6–7.9 against
    // 7.7–8.2 ms on two threads).
    const byRows = m >= n || n < 256;
    const parts = this.partsFor(m * n * k, Math.floor((byRows ? m : n) / 8));
    const [aOff, bOff, cOff, biasOff, ...scratch] = this.heap.layout([
      m * k * 4, k * n * 4, m * n * 4, useBias ? bias.length * 4 : 0, ...Array<number>(parts).fill(this.scratchBytes),
    ]);
    this.heap.put(aOff, a.subarray(0, m * k));
    this.heap.put(bOff, b.subarray(0, k * n));
    if (accumulate) this.heap.put(cOff, c.subarray(0, m * n));
    if (useBias) this.heap.put(biasOff, bias);
    const lda = args.transA ? m : k;
    const ldb = args.transB ? k : n;
    const jobs: KernelJob[] = [];
    for (let p = 0; p < parts; p++) {
      const [lo, hi] = range(byRows ? m : n, parts, p);
      // Rows of C start at row lo of op(A); columns at column lo of op(B), bias and C.
      const aPart = byRows ? aOff + (args.transA ? lo : lo * lda) * 4 : aOff;
      const bPart = byRows ? bOff : bOff + (args.transB ? lo * ldb : lo) * 4;
      const cPart = cOff + (byRows ? lo * n : lo) * 4;
      const biasPart = biasMode === BIAS_ROW && byRows ? biasOff + lo * 4 : biasMode === BIAS_COL && !byRows ? biasOff + lo * 4 : biasOff;
      jobs.push({
        fn: 'gemm',
        args: [byRows ? hi - lo : m, byRows ? n : hi - lo, k, aPart, lda, +args.transA, bPart, ldb, +args.transB,
          cPart, n, +accumulate, biasPart, biasMode, scratch[p]],
      });
    }
    this.run(jobs);
    c.set(this.heap.view(cOff, m * n));
  };

  private putGeometry(offset: number, g: ConvGeometry): void {
    const ints = this.heap.ints();
    GEOMETRY_FIELDS.forEach((f, i) => (ints[(offset >> 2) + i] = g[f]));
  }

  conv2dForward = (p: ConvProblem, x: FloatArray, w: FloatArray, bias: FloatArray | undefined, y: FloatArray, epilogue?: ConvEpilogue): void => {
    if (!isF32(x, w, bias, y, epilogue?.scale, epilogue?.shift, epilogue?.residual)) {
      jsKernels.conv2dForward(p, x, w, bias, y, epilogue);
      return;
    }
    const { geometry: g, batch, groups, outChannels } = p;
    const { coutG, outSize, kDim, depthwise, parts } = this.convShape(p);
    if (!depthwise && isWinograd(g, coutG)) {
      const placed = this.placeForward(g, x, w, bias, y, epilogue, parts, this.scratchBytes, this.wasm.winogradBufferBytes(g.channels, coutG));
      this.run(Array.from({ length: parts }, (_, t): KernelJob => {
        const [n0, n1] = range(batch, parts, t);
        return { fn: 'winogradForward', args: [placed.gOff, n0, n1, groups, coutG, placed.xOff, placed.wOff, bias ? placed.biasOff : 0, placed.yOff, placed.buffers[2 * t + 1], placed.buffers[2 * t]] };
      }));
      this.finishForward(p, y, epilogue, placed, parts);
      return;
    }
    // Small images are multiplied several at a time, their columns side by side (see CHUNK_FLOATS).
    // Equal chunks (e.g. 32 images at most 28 a chunk: 16 + 16, not 28 + 4, whose narrow product runs slower).
    const perThread = Math.ceil(batch / parts);
    const most = Math.max(1, Math.min(perThread, Math.max(Math.floor(CHUNK_FLOATS / (kDim * outSize)), Math.ceil(MIN_CHUNK_COLUMNS / outSize))));
    const chunk = depthwise ? 1 : Math.ceil(perThread / Math.ceil(perThread / most));
    const colBytes = depthwise ? 0 : chunk > 1 ? chunk * (kDim + coutG) * outSize * 4 : kDim * outSize * 4;
    const placed = this.placeForward(g, x, w, bias, y, epilogue, parts, depthwise ? 0 : this.scratchBytes, colBytes);
    const { gOff, xOff, wOff, biasOff, yOff, buffers } = placed;
    const jobs: KernelJob[] = [];
    for (let t = 0; t < parts; t++) {
      const [n0, n1] = range(batch, parts, t);
      jobs.push(depthwise
        ? { fn: 'depthwiseForward', args: [gOff, n0, n1, outChannels, xOff, wOff, bias ? biasOff : 0, yOff] }
        : { fn: 'convForward', args: [gOff, n0, n1, groups, coutG, xOff, wOff, bias ? biasOff : 0, yOff, buffers[2 * t + 1], buffers[2 * t], chunk] });
    }
    this.run(jobs);
    this.finishForward(p, y, epilogue, placed, parts);
  };

  /** Runs the epilogue where the output lies (split by images like the convolution), then copies y out. */
  private finishForward(p: ConvProblem, y: FloatArray, epilogue: ConvEpilogue | undefined, placed: PlacedForward, parts: number): void {
    if (epilogue) {
      const plane = p.geometry.outH * p.geometry.outW;
      const { yOff, scaleOff, shiftOff, residualOff } = placed;
      const [low, high] = epilogue.clip ?? [0, 0];
      this.run(Array.from({ length: parts }, (_, t): KernelJob => {
        const [n0, n1] = range(p.batch, parts, t);
        return { fn: 'convEpilogue', args: [yOff, n0, n1, p.outChannels, plane, scaleOff, shiftOff, residualOff, +epilogue.relu, +!!epilogue.clip, low, high] };
      }));
    }
    if (this.heap.offsetOf(y) === undefined) y.set(this.heap.view(placed.yOff, y.length));
  }

  /** The sizes a convolution is split by, and over how many threads. */
  private convShape(p: ConvProblem): { coutG: number; outSize: number; kDim: number; depthwise: boolean; parts: number } {
    const { geometry: g, batch, groups, outChannels } = p;
    const coutG = outChannels / groups;
    const outSize = g.outH * g.outW;
    const kDim = g.channels * g.kH * g.kW;
    return { coutG, outSize, kDim, depthwise: g.channels === 1 && coutG === 1, parts: this.partsFor(batch * outChannels * outSize * kDim, batch) };
  }

  /**
   * Lays out a forward convolution in the heap (geometry, x, w, bias, y, the epilogue's operands, then
   * per thread a scratch area and a buffer) and copies its inputs in. buffers[2t] is thread t's
   * scratch, buffers[2t + 1] its buffer; an absent epilogue operand's offset is 0.
   */
  private placeForward(g: ConvGeometry, x: FloatArray, w: FloatArray, bias: FloatArray | undefined, y: FloatArray,
    epilogue: ConvEpilogue | undefined, parts: number, scratchBytes: number, bufferBytes: number): PlacedForward {
    // Resident arrays (Model.infer's intermediate values) are used where they are: no room, no copy.
    const heap = this.heap;
    const [gOff, xOff, wOff, biasOff, yOff, scaleOff, shiftOff, residualOff, ...buffers] = heap.layout([
      GEOMETRY_FIELDS.length * 4, heap.room(x), heap.room(w), heap.room(bias), heap.room(y),
      heap.room(epilogue?.scale), heap.room(epilogue?.shift), heap.room(epilogue?.residual),
      ...Array<number>(parts * 2).fill(0).map((_, i) => (i % 2 === 0 ? scratchBytes : bufferBytes)),
    ]);
    this.putGeometry(gOff, g);
    return {
      gOff, xOff: heap.place(x, xOff), wOff: heap.place(w, wOff), biasOff: heap.place(bias, biasOff), yOff: heap.offsetOf(y) ?? yOff, buffers,
      scaleOff: heap.place(epilogue?.scale, scaleOff), shiftOff: heap.place(epilogue?.shift, shiftOff), residualOff: heap.place(epilogue?.residual, residualOff),
    };
  }

  maxPool2d = (g: ConvGeometry, planes: number, x: FloatArray, y: FloatArray): void => {
    if (!isF32(x, y)) {
      jsKernels.maxPool2d(g, planes, x, y);
      return;
    }
    const parts = this.partsFor(planes * g.outH * g.outW * g.kH * g.kW, planes);
    const [gOff, layoutX, yOff] = this.heap.layout([GEOMETRY_FIELDS.length * 4, this.heap.room(x), y.length * 4]);
    this.putGeometry(gOff, g);
    const xOff = this.heap.place(x, layoutX);
    this.run(Array.from({ length: parts }, (_, t): KernelJob => {
      const [p0, p1] = range(planes, parts, t);
      return { fn: 'maxPool2d', args: [gOff, p0, p1, xOff, yOff] };
    }));
    y.set(this.heap.view(yOff, y.length));
  };

  conv2dBackward = (p: ConvProblem, x: FloatArray, w: FloatArray, dy: FloatArray, dx: FloatArray, dw: FloatArray): void => {
    if (!isF32(x, w, dy, dx, dw)) {
      jsKernels.conv2dBackward(p, x, w, dy, dx, dw);
      return;
    }
    const { geometry: g, batch, groups, outChannels } = p;
    const { coutG, outSize, kDim, depthwise, parts } = this.convShape(p);
    const colBytes = depthwise ? 0 : kDim * outSize * 4;
    const [gOff, xOff, wOff, dyOff, dxOff, ...perThread] = this.heap.layout([
      GEOMETRY_FIELDS.length * 4, x.length * 4, w.length * 4, dy.length * 4, dx.length * 4,
      ...Array<number>(parts * 3).fill(0).map((_, i) => [w.length * 4, depthwise ? 0 : this.scratchBytes, colBytes][i % 3]),
    ]);
    this.putGeometry(gOff, g);
    this.heap.put(xOff, x);
    this.heap.put(wOff, w);
    this.heap.put(dyOff, dy);
    const dwPart = (t: number): number => perThread[3 * t];
    for (let t = 0; t < parts; t++) this.heap.view(dwPart(t), w.length).fill(0);
    const jobs = (phase: 'data' | 'filter'): KernelJob[] => Array.from({ length: parts }, (_, t): KernelJob => {
      const [n0, n1] = range(batch, parts, t);
      const scratch = perThread[3 * t + 1];
      const col = perThread[3 * t + 2];
      if (depthwise) return { fn: 'depthwiseBackward', args: [gOff, n0, n1, outChannels, xOff, wOff, dyOff, dxOff, dwPart(t)] };
      return phase === 'data'
        ? { fn: 'convBackwardData', args: [gOff, n0, n1, groups, coutG, dyOff, wOff, dxOff, col, scratch] }
        : { fn: 'convBackwardFilter', args: [gOff, n0, n1, groups, coutG, xOff, dyOff, dwPart(t), col, scratch] };
    });
    this.run(jobs('data'));
    if (!depthwise) this.run(jobs('filter'));
    dx.set(this.heap.view(dxOff, dx.length));
    for (let t = 0; t < parts; t++) {
      const part = this.heap.view(dwPart(t), w.length);
      for (let i = 0; i < w.length; i++) dw[i] += part[i];
    }
  };
}
