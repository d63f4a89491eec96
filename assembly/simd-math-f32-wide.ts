// f32x4 lanes through simd-math.ts's two-lane f64 functions: promote each half to f64, evaluate, round
// back to f32 once. For the f32 activations that are rare in models (sin, cos, log): results
// within about half an ulp of the correctly rounded f32 value (the f64 functions are a few f64 ulp),
// with Math.*'s NaN/±Inf/±0 behaviour, at roughly the cost of the f64 kernels per value.
import { log2x, sincos2x } from "./simd-math";

// @ts-ignore: decorator
@inline function lowHalf(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function highHalf(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
/** the f32x4 (lo₀, lo₁, hi₀, hi₁) from two f64x2 */
// @ts-ignore: decorator
@inline function join(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
// @ts-ignore: decorator
// @ts-ignore: decorator
@inline export function log4fWide(x: v128): v128 { return join(log2x(lowHalf(x)), log2x(highHalf(x))); }
// @ts-ignore: decorator
@inline export function sincos4fWide(x: v128, cosine: bool): v128 {
  return join(sincos2x(lowHalf(x), cosine), sincos2x(highHalf(x), cosine));
}
