// Shared by every benchmark: warm-up, then the median of several timed repetitions, and one
// reporting format. Each bench/*.bench.ts runs as its own Node process (so one benchmark's JIT state
// does not leak into another's), with our code and its peers in that same process.

export interface BenchResult {
  name: string;
  oursMs: number;
  peer: string;
  peerMs: number;
  /** peerMs / oursMs: above 1 means we are faster. */
  ratio: number;
  /** Anything else worth keeping (GFLOP/s, GB/s, sizes). */
  extra?: Record<string, number | string>;
}

export interface TimeOptions {
  warmup?: number;
  repeats?: number;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Median wall time of fn in milliseconds, after warm-up runs (V8 must see the real shapes first). */
export async function medianMs(fn: () => unknown | Promise<unknown>, { warmup = 3, repeats = 7 }: TimeOptions = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const RESULT_PREFIX = 'BENCH_RESULT ';

/** Prints the human line and a machine line that scripts/bench.mjs collects into bench-results.json. */
export function report(result: Omit<BenchResult, 'ratio'>): BenchResult {
  const full: BenchResult = { ...result, ratio: result.peerMs / result.oursMs };
  const extra = full.extra ? ` (${Object.entries(full.extra).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  console.log(`bench ${full.name}: ours ${full.oursMs.toFixed(2)} ms, ${full.peer} ${full.peerMs.toFixed(2)} ms, ratio ${full.ratio.toFixed(2)}${extra}`);
  console.log(RESULT_PREFIX + JSON.stringify(full));
  return full;
}

export { RESULT_PREFIX };
