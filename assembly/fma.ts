// Multiply-add for the inner loops, chosen when the module is compiled: the relaxed-SIMD build
// (`--enable relaxed-simd`, build/taynode-relaxed.wasm) uses relaxed_madd, which the host may fuse into
// one FMA (one rounding) or not (two); the baseline build multiplies then adds (two roundings, the same
// everywhere). Results of the two builds agree to rounding, not bit for bit.

/** acc + a·b per f64 lane */
// @ts-ignore: decorator
@inline export function maddF64(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, acc);
  return f64x2.add(acc, f64x2.mul(a, b));
}

/** acc + a·b per f32 lane */
// @ts-ignore: decorator
@inline export function maddF32(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
