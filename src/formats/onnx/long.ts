// protobufjs hands int64 fields over as Long objects (or numbers, or strings, depending on the build).

export type LongLike = number | string | { toNumber(): number } | null | undefined;

export function toNumber(v: LongLike): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}
