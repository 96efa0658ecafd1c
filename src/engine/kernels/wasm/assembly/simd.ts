// The one place that picks plain or relaxed SIMD: the build compiles every kernel twice, once with
// --enable relaxed-simd (fused multiply-add, where the runtime validates it) and once without.

/** acc + a·b, fused (one rounding) when the module is built for relaxed SIMD. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
