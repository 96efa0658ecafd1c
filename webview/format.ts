// Number formatting for the views: short, and never more digits than the setting allows.

export function formatNumber(x: number | null | undefined, significantDigits: number): string {
  if (x === null || x === undefined) return '—';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  // Number(toPrecision) drops trailing zeros; toString then picks plain or exponent notation (1e-7).
  return Number(x.toPrecision(significantDigits)).toString();
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatFlag(b: boolean | null): string {
  return b === null ? '—' : b ? 'yes' : 'no';
}

/** Smallest and largest finite value, or null when there is none (NaN and ±∞ are left out). */
export function finiteExtent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
