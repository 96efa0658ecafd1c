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

/**
 * Medians of several functions timed in alternating rounds, so that load from other processes, which
 * drifts over seconds on a shared machine, weighs on all of them alike: per function, the median of
 * its per-round medians.
 */
export async function interleaved<K extends string>(fns: Record<K, () => unknown>, rounds: number, perRound: TimeOptions): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  const samples = new Map<K, number[]>(names.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const k of names) samples.get(k)?.push(await medianMs(fns[k], perRound));
  }
  return Object.fromEntries(names.map((k) => [k, median(samples.get(k) ?? [])])) as Record<K, number>;
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
