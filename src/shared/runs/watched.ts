// Runs logged by BN Lens' Python companion (python/bnlens) as the analysis reads them
// (src/analysis/runs/watched.ts) and as they travel to the webview, which unpacks and draws them.

/** The tags' per-channel vectors and the field each becomes. */
export const VECTORS = { batch_mean: 'batchMean', batch_var: 'batchVar', running_mean: 'runningMean', running_var: 'runningVar', gamma: 'gamma', beta: 'beta' } as const;
export type VectorKey = (typeof VECTORS)[keyof typeof VECTORS];

/** A pre- or post-normalization distribution at one recorded step. */
export interface WatchedHistogram {
  /** bins + 1 equal-width edges, fixed for the layer from its first recorded step. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  readonly underflow: number;
  readonly overflow: number;
  /** Of the sampled finite values: how many, and their min, max, mean and std (÷ n). */
  readonly count: number;
  /** NaN/±Inf values in the whole tensor. */
  readonly nonfinite: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

/** A quantity that held NaN or ±Inf at some recorded step. */
export interface WatchedAlarm {
  /** input, output, running_mean, running_var, gamma or beta. */
  readonly source: string;
  /** The first step at which it was seen non-finite. */
  readonly firstStep: number;
  /** How many values were non-finite then. */
  readonly count: number;
  /** Every logged step at which it was non-finite. */
  readonly steps: readonly number[];
}

export type Vector = Float32Array | null;

export interface WatchedLayer {
  /** The run subfolder ("" for event files directly in the log folder). */
  readonly run: string;
  readonly rank: number;
  /** The module path ("layer1.0.bn1") or Keras layer name. */
  readonly layer: string;
  /** The framework's class name ("BatchNorm2d", "SyncBatchNorm", "BatchNormalization", …); "" if not logged. */
  readonly kind: string;
  readonly channels: number;
  /** Recorded steps, ascending; the per-step arrays below are aligned with it (null: not logged at that step). */
  readonly steps: readonly number[];
  /** Per channel: the input's mean and biased variance (÷ n) over this rank's batch. */
  readonly batchMean: readonly Vector[];
  readonly batchVar: readonly Vector[];
  /** The layer's running statistics after the step's update (the framework's own convention). */
  readonly runningMean: readonly Vector[];
  readonly runningVar: readonly Vector[];
  readonly gamma: readonly Vector[];
  readonly beta: readonly Vector[];
  readonly pre: readonly (WatchedHistogram | null)[];
  readonly post: readonly (WatchedHistogram | null)[];
  readonly alarms: readonly WatchedAlarm[];
}

/** One run and rank: its layers in the order they were first logged. */
export interface WatchedRun {
  /** "rank 0", or "run1 · rank 0" for a run subfolder. */
  readonly label: string;
  readonly run: string;
  readonly rank: number;
  readonly layers: readonly WatchedLayer[];
}

/** Where a per-step vector sits in WatchedWire.values: [offset, length], or null (not logged). */
export type VectorRef = readonly [number, number] | null;
type WireLayer = Omit<WatchedLayer, VectorKey> & Readonly<Record<VectorKey, readonly VectorRef[]>>;

/**
 * Watched runs on their way to the webview: every per-channel vector packed into one Float32Array, since
 * hundreds of small typed arrays in one postMessage did not arrive intact in the webview (the run
 * frames are packed for the same reason, see frames.ts). NaN stays NaN inside the buffer.
 */
export interface WatchedWire {
  readonly runs: readonly (Omit<WatchedRun, 'layers'> & { readonly layers: readonly WireLayer[] })[];
  readonly values: Float32Array;
}

const VECTOR_KEYS: readonly VectorKey[] = Object.values(VECTORS);

export function packWatched(runs: readonly WatchedRun[]): WatchedWire {
  let total = 0;
  for (const r of runs) for (const l of r.layers) for (const k of VECTOR_KEYS) for (const v of l[k]) total += v?.length ?? 0;
  const values = new Float32Array(total);
  let at = 0;
  const ref = (v: Vector): VectorRef => {
    if (!v) return null;
    values.set(v, at);
    at += v.length;
    return [at - v.length, v.length];
  };
  const packed = runs.map((r) => ({
    ...r,
    layers: r.layers.map((l) => ({ ...l, ...Object.fromEntries(VECTOR_KEYS.map((k) => [k, l[k].map(ref)])) }) as WireLayer),
  }));
  return { runs: packed, values };
}

/** JSON (as postMessage may use) turns a NaN moment into null: back to NaN. */
function histogramBack(h: WatchedHistogram | null): WatchedHistogram | null {
  if (!h) return null;
  const n = (v: number | null): number => v ?? NaN;
  return { ...h, min: n(h.min), max: n(h.max), mean: n(h.mean), std: n(h.std) };
}

export function unpackWatched(wire: WatchedWire): WatchedRun[] {
  const view = (ref: VectorRef): Vector => (ref ? wire.values.subarray(ref[0], ref[0] + ref[1]) : null);
  return wire.runs.map((r) => ({
    ...r,
    layers: r.layers.map((l) => ({
      ...l, ...Object.fromEntries(VECTOR_KEYS.map((k) => [k, l[k].map(view)])), pre: l.pre.map(histogramBack), post: l.post.map(histogramBack),
    }) as WatchedLayer),
  }));
}
