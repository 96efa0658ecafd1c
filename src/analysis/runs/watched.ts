// Runs logged by BN Lens' Python companion (python/bnlens: `bnlens.torch.watch`, `bnlens.keras.Callback`),
// read back from the TensorBoard reader's scalars and histograms. The tag convention (python/README.md):
//   bnlens/rank<R>/<layer>/<quantity>, optionally behind a run subfolder's prefix ("run1/bnlens/…")
// quantity: kind/<Kind> (scalar = channels); pre, post (histograms over fixed edges with an underflow and
// an overflow bucket); pre_moments, post_moments, batch_mean, batch_var, running_mean, running_var, gamma,
// beta (vectors: one histogram bucket per entry, the bucket's count is the entry's value); nonfinite/<where>
// (scalar: NaN/±Inf values counted).

import type { HistogramPoint, ScalarPoint } from '../../formats/model';
import { VECTORS, type Vector, type VectorKey, type WatchedAlarm, type WatchedHistogram, type WatchedLayer, type WatchedRun } from '../../shared/runs/watched';

export type { WatchedAlarm, WatchedHistogram, WatchedLayer, WatchedRun } from '../../shared/runs/watched';

const TAG = /^(?:(.*)\/)?bnlens\/rank(\d+)\/([^/]+)\/(.+)$/;

interface Parsed { run: string; rank: number; layer: string; quantity: string }

function parseTag(tag: string): Parsed | null {
  const m = TAG.exec(tag);
  return m ? { run: m[1] ?? '', rank: Number(m[2]), layer: m[3], quantity: m[4] } : null;
}

/** Whether any tag follows the convention (the log is a watched run). */
export function hasWatchedTags(tags: Iterable<string>): boolean {
  for (const t of tags) if (parseTag(t)) return true;
  return false;
}

interface Builder {
  run: string;
  rank: number;
  layer: string;
  kind: string;
  channels: number;
  steps: Map<number, {
    vectors: Partial<Record<VectorKey, Float32Array>>;
    pre?: HistogramPoint; post?: HistogramPoint; preMoments?: readonly number[]; postMoments?: readonly number[];
  }>;
  nonfinite: Map<string, Map<number, number>>;
}

function histogramOf(h: HistogramPoint | undefined, moments: readonly number[] | undefined): WatchedHistogram | null {
  // Written as [underflow, bins…, overflow] over limits [e0 … eB, DBL_MAX]: the reader's edges are
  // [min(data min, e0), e0, …, eB, max(data max, eB)], so the fixed edges are the inner ones.
  if (!h || h.counts.length < 3 || h.edges.length !== h.counts.length + 1) return null;
  const [count, nonfinite, min, max, mean, std] = moments ?? [h.num ?? NaN, 0, h.min ?? NaN, h.max ?? NaN, NaN, NaN];
  return {
    edges: h.edges.slice(1, -1), counts: h.counts.slice(1, -1), underflow: h.counts[0], overflow: h.counts[h.counts.length - 1],
    count, nonfinite, min, max, mean, std,
  };
}

/** Every watched layer of every run and rank in the points (points of other tags are ignored). */
export function watchedLayers(scalars: readonly ScalarPoint[], histograms: readonly HistogramPoint[]): WatchedLayer[] {
  const builders = new Map<string, Builder>();
  const builder = (p: Parsed): Builder => {
    const key = `${p.run}\u0000${p.rank}\u0000${p.layer}`;
    let b = builders.get(key);
    if (!b) {
      b = { run: p.run, rank: p.rank, layer: p.layer, kind: '', channels: 0, steps: new Map(), nonfinite: new Map() };
      builders.set(key, b);
    }
    return b;
  };
  const at = (b: Builder, step: number): NonNullable<ReturnType<Builder['steps']['get']>> => {
    let s = b.steps.get(step);
    if (!s) {
      s = { vectors: {} };
      b.steps.set(step, s);
    }
    return s;
  };
  for (const p of scalars) {
    const t = parseTag(p.tag);
    if (!t) continue;
    const b = builder(t);
    if (t.quantity.startsWith('kind/')) {
      b.kind = t.quantity.slice(5);
      b.channels = p.value;
    } else if (t.quantity.startsWith('nonfinite/')) {
      const source = t.quantity.slice(10);
      const byStep = b.nonfinite.get(source) ?? new Map<number, number>();
      // A step logged twice (the cheap check, then the full record) keeps the larger count.
      byStep.set(p.step, Math.max(byStep.get(p.step) ?? 0, p.value));
      b.nonfinite.set(source, byStep);
    }
  }
  for (const p of histograms) {
    const t = parseTag(p.tag);
    if (!t) continue;
    const b = builder(t);
    const q = t.quantity;
    if (q === 'pre' || q === 'post') at(b, p.step)[q] = p;
    else if (q === 'pre_moments') at(b, p.step).preMoments = p.counts;
    else if (q === 'post_moments') at(b, p.step).postMoments = p.counts;
    else if (q in VECTORS) at(b, p.step).vectors[VECTORS[q as keyof typeof VECTORS]] = Float32Array.from(p.counts);
  }
  return [...builders.values()].filter((b) => b.steps.size > 0 || b.kind).map((b) => {
    const steps = [...b.steps.keys()].sort((x, y) => x - y);
    const frames = steps.map((s) => b.steps.get(s) as NonNullable<ReturnType<Builder['steps']['get']>>);
    const vector = (k: VectorKey): Vector[] => frames.map((f) => f.vectors[k] ?? null);
    const alarms: WatchedAlarm[] = [];
    for (const [source, byStep] of b.nonfinite) {
      const bad = [...byStep].filter(([, n]) => n > 0).sort((x, y) => x[0] - y[0]);
      if (bad.length) alarms.push({ source, firstStep: bad[0][0], count: bad[0][1], steps: bad.map(([s]) => s) });
    }
    alarms.sort((x, y) => x.firstStep - y.firstStep || x.source.localeCompare(y.source));
    return {
      run: b.run, rank: b.rank, layer: b.layer, kind: b.kind, channels: b.channels || (frames.find((f) => f.vectors.batchMean)?.vectors.batchMean?.length ?? 0),
      steps, batchMean: vector('batchMean'), batchVar: vector('batchVar'), runningMean: vector('runningMean'), runningVar: vector('runningVar'),
      gamma: vector('gamma'), beta: vector('beta'),
      pre: frames.map((f) => histogramOf(f.pre, f.preMoments)), post: frames.map((f) => histogramOf(f.post, f.postMoments)),
      alarms,
    };
  });
}

export function watchedRuns(layers: readonly WatchedLayer[]): WatchedRun[] {
  const runs = new Map<string, WatchedLayer[]>();
  for (const l of layers) {
    const key = `${l.run}\u0000${l.rank}`;
    runs.set(key, [...(runs.get(key) ?? []), l]);
  }
  return [...runs.values()].map((ls) => ({ label: `${ls[0].run ? `${ls[0].run} · ` : ''}rank ${ls[0].rank}`, run: ls[0].run, rank: ls[0].rank, layers: ls }))
    .sort((a, b) => a.run.localeCompare(b.run) || a.rank - b.rank);
}

const plain = (v: Vector): number[] | null => (v ? Array.from(v) : null);

/** `bnlens inspect --json`'s "watched" entries (JSON has no NaN or Infinity: such values print as null). */
export function watchedJson(layers: readonly WatchedLayer[]): Record<string, unknown>[] {
  return layers.map((l) => ({
    layer: l.layer, kind: l.kind, channels: l.channels, rank: l.rank, run: l.run, steps: l.steps,
    batchMean: l.batchMean.map(plain), runningMean: l.runningMean.map(plain), batchVar: l.batchVar.map(plain), runningVar: l.runningVar.map(plain),
    gamma: l.gamma.map(plain), beta: l.beta.map(plain),
    pre: l.pre, post: l.post, alarms: l.alarms,
  }));
}
