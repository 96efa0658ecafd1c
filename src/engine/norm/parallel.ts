// The normalization kernels split across the calling thread and helper worker threads
// (src/engine/helperThreads.ts), for arrays in SharedArrayBuffers. Layer calls stay synchronous. Arrays
// not backed by a SharedArrayBuffer, and small ones, take the single-thread path; results agree up to
// the rounding of merging parts.
//
// A part is a contiguous range of memory: the input's [outer, channels, inner] view is cut along outer
// (whole rows of channels), or along channels when outer is 1. Moments of row parts are merged with
// Chan et al.'s pairwise formula; gradient sums add up.
//
// Helpers run the very same kernel functions: their source text is sent to the worker (they are
// self-contained loops over their arguments), so there is no separate worker file to bundle.

import { HelperThreads, type HelperProgram } from '../helperThreads';
import type { FloatArray } from '../tensor';
import { float32Kernels, float64Kernels, type ChannelLayout, type NormKernels, type NormKernelSet } from './kernels';

/** Below this many elements a call stays on the calling thread: waking a helper costs tens of microseconds. */
const MIN_PARALLEL_ELEMENTS = 1 << 17;
/** A helper that has not finished its part by then is taken for dead (a part of 100 M elements takes ~0.1 s). */
const HELPER_TIMEOUT_MS = 30_000;

type KernelName = 'channelMoments' | 'channelAffine' | 'channelGradientSums' | 'channelLinear';
type DTypeName = 'float32' | 'float64';

/** A helper's share of one call: the kernel, and its arguments with the arrays already cut to its part. */
interface Job {
  kernel: KernelName;
  dtype: DTypeName;
  args: unknown[];
}

/** Per-channel results computed by a helper into its own copies, posted back (none when it failed). */
interface Reply {
  readonly results: Float64Array[];
  readonly error?: string;
}

const KERNEL_NAMES: readonly KernelName[] = ['channelMoments', 'channelAffine', 'channelGradientSums', 'channelLinear'];

function program(): HelperProgram {
  const table = (kernels: NormKernels<FloatArray>): string => `{ ${KERNEL_NAMES.map((name) => `${name}: (${String(kernels[name])})`).join(',\n')} }`;
  return {
    setup: `const kernels = { float32: ${table(float32Kernels as NormKernels<FloatArray>)}, float64: ${table(float64Kernels as NormKernels<FloatArray>)} };
// Which of a kernel's arguments are per-channel results (written by the kernel, posted back).
const RESULTS = { channelMoments: [2, 3], channelAffine: [], channelGradientSums: [4, 5], channelLinear: [] };`,
    handle: '(job) => { kernels[job.dtype][job.kernel](...job.args); return { results: RESULTS[job.kernel].map((i) => job.args[i]) }; }',
  };
}

function isShared(a: FloatArray): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** A part of a layout: the element offset where it starts, its layout, and the channels it covers. */
interface Part {
  offset: number;
  layout: ChannelLayout;
  channelBegin: number;
  channelEnd: number;
}

function split(layout: ChannelLayout, parts: number): Part[] {
  const { outer, channels, inner } = layout;
  const result: Part[] = [];
  if (outer >= parts) {
    for (let p = 0; p < parts; p++) {
      const begin = Math.floor((p * outer) / parts);
      const end = Math.floor(((p + 1) * outer) / parts);
      result.push({ offset: begin * channels * inner, layout: { outer: end - begin, channels, inner }, channelBegin: 0, channelEnd: channels });
    }
  } else {
    for (let p = 0; p < parts; p++) {
      const begin = Math.floor((p * channels) / parts);
      const end = Math.floor(((p + 1) * channels) / parts);
      result.push({ offset: begin * inner, layout: { outer: 1, channels: end - begin, inner }, channelBegin: begin, channelEnd: end });
    }
  }
  return result;
}

/**
 * The calling thread plus `helpers` worker threads (default 1: two cores in all). close() ends the
 * helpers; until then they sleep in Atomics.wait and do not keep the process alive.
 */
export class NormThreadPool {
  readonly threads: number;

  private constructor(private readonly helpers: HelperThreads<Job, Reply>) {
    this.threads = helpers.count + 1;
  }

  /** Starts the helpers and waits until each one runs (so a broken worker fails here, not in a layer call). */
  static async create(helpers = 1): Promise<NormThreadPool> {
    return new NormThreadPool(await HelperThreads.start(helpers, program(), { name: 'normalization', timeoutMs: HELPER_TIMEOUT_MS }));
  }

  /** Kernels that use this pool for large arrays in SharedArrayBuffers, and allocate their results there. */
  kernels(): NormKernelSet {
    return { float32: this.kernelsFor('float32', float32Kernels), float64: this.kernelsFor('float64', float64Kernels) };
  }

  close(): Promise<void> {
    return this.helpers.close();
  }

  private kernelsFor<A extends Float32Array | Float64Array>(dtype: DTypeName, local: NormKernels<A>): NormKernels<A> {
    const parallel = (layout: ChannelLayout, arrays: FloatArray[]): Part[] | undefined => {
      if (this.helpers.isClosed || layout.outer * layout.channels * layout.inner < MIN_PARALLEL_ELEMENTS || !arrays.every(isShared)) return undefined;
      const parts = split(layout, this.threads);
      return parts.some((p) => p.layout.outer * p.layout.channels === 0) ? undefined : parts;
    };
    const view = (a: A, part: Part): A => a.subarray(part.offset, part.offset + part.layout.outer * part.layout.channels * part.layout.inner) as A;
    const channelsOf = (a: Float64Array, part: Part): Float64Array => a.subarray(part.channelBegin, part.channelEnd);
    return {
      // Only arrays large enough to be split go on a SharedArrayBuffer: a smaller one stays on this thread anyway.
      allocate: (length) => (length < MIN_PARALLEL_ELEMENTS ? local.allocate(length)
        : dtype === 'float64' ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float32Array(new SharedArrayBuffer(length * 4))) as A,

      channelMoments: (x, layout, mean, variance) => {
        const parts = parallel(layout, [x]);
        if (!parts) return local.channelMoments(x, layout, mean, variance);
        const partMeans = parts.map((p) => new Float64Array(p.channelEnd - p.channelBegin));
        const partVariances = parts.map((p) => new Float64Array(p.channelEnd - p.channelBegin));
        this.run(dtype, 'channelMoments', parts, (p, k) => [view(x, p), p.layout, partMeans[k], partVariances[k]],
          (p, k) => local.channelMoments(view(x, p), p.layout, partMeans[k], partVariances[k]),
          (k, [m, v]) => { partMeans[k].set(m); partVariances[k].set(v); });
        if (parts[0].channelEnd - parts[0].channelBegin < layout.channels) {
          parts.forEach((p, k) => { mean.set(partMeans[k], p.channelBegin); variance.set(partVariances[k], p.channelBegin); });
          return;
        }
        // Row parts: pooled mean, and variance = Σ n_p·(σ²_p + (μ_p − μ)²) / n.
        const total = layout.outer;
        for (let c = 0; c < layout.channels; c++) {
          let m = 0;
          for (let k = 0; k < parts.length; k++) m += (parts[k].layout.outer / total) * partMeans[k][c];
          let v = 0;
          for (let k = 0; k < parts.length; k++) v += (parts[k].layout.outer / total) * (partVariances[k][c] + (partMeans[k][c] - m) ** 2);
          mean[c] = m;
          variance[c] = v;
        }
      },

      channelAffine: (x, layout, scale, shift, y) => {
        const parts = parallel(layout, [x, y]);
        if (!parts) return local.channelAffine(x, layout, scale, shift, y);
        this.run(dtype, 'channelAffine', parts, (p) => [view(x, p), p.layout, channelsOf(scale, p), channelsOf(shift, p), view(y, p)],
          (p) => local.channelAffine(view(x, p), p.layout, channelsOf(scale, p), channelsOf(shift, p), view(y, p)));
      },

      channelGradientSums: (dy, x, layout, center, sumDy, sumDyCentered) => {
        const parts = parallel(layout, [dy, x]);
        if (!parts) return local.channelGradientSums(dy, x, layout, center, sumDy, sumDyCentered);
        const partSums = parts.map((p) => [new Float64Array(p.channelEnd - p.channelBegin), new Float64Array(p.channelEnd - p.channelBegin)]);
        this.run(dtype, 'channelGradientSums', parts, (p, k) => [view(dy, p), view(x, p), p.layout, channelsOf(center, p), partSums[k][0], partSums[k][1]],
          (p, k) => local.channelGradientSums(view(dy, p), view(x, p), p.layout, channelsOf(center, p), partSums[k][0], partSums[k][1]),
          (k, [s, sc]) => { partSums[k][0].set(s); partSums[k][1].set(sc); });
        sumDy.fill(0, parts[0].channelBegin, parts[parts.length - 1].channelEnd);
        sumDyCentered.fill(0, parts[0].channelBegin, parts[parts.length - 1].channelEnd);
        parts.forEach((p, k) => {
          for (let c = p.channelBegin; c < p.channelEnd; c++) {
            sumDy[c] += partSums[k][0][c - p.channelBegin];
            sumDyCentered[c] += partSums[k][1][c - p.channelBegin];
          }
        });
      },

      channelLinear: (dy, x, layout, a, b, d, out) => {
        const parts = parallel(layout, [dy, x, out]);
        if (!parts) return local.channelLinear(dy, x, layout, a, b, d, out);
        this.run(dtype, 'channelLinear', parts, (p) => [view(dy, p), view(x, p), p.layout, channelsOf(a, p), channelsOf(b, p), channelsOf(d, p), view(out, p)],
          (p) => local.channelLinear(view(dy, p), view(x, p), p.layout, channelsOf(a, p), channelsOf(b, p), channelsOf(d, p), view(out, p)));
      },
    };
  }

  /**
   * Parts 1… go to the helpers, part 0 runs here; then waits for every helper and hands each one's
   * posted-back results to `collect`.
   */
  private run(
    dtype: DTypeName, kernel: KernelName, parts: Part[],
    argsOf: (part: Part, k: number) => unknown[], runLocally: (part: Part, k: number) => void,
    collect?: (k: number, results: Float64Array[]) => void,
  ): void {
    for (let i = 0; i < this.helpers.count; i++) this.helpers.post(i, { kernel, dtype, args: argsOf(parts[i + 1], i + 1) });
    runLocally(parts[0], 0);
    for (let i = 0; i < this.helpers.count; i++) {
      const reply = this.helpers.wait(i, kernel);
      if (reply.error) throw new Error(`normalization helper thread failed: ${reply.error}`);
      collect?.(i + 1, reply.results);
    }
  }
}
