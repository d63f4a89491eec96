// Four-lane f32 exp, tanh and sigmoid for the f32 activation kernels (Cephes expf coefficients).
// Accuracy: within a few f32 ulp of the correctly rounded value (tests/kernels/f32.test.ts); NaN and ±Inf
// propagate as Math.exp/Math.tanh do (rounded to f32); results that underflow become subnormals or 0.

const INV_LN2_F = <f32>1.44269504088896341;
// ln 2 = C1 + C2 with C1 of 9 bits, so n·C1 is exact for |n| < 2^15 (Cephes expf).
const C1_F = <f32>0.693359375;
const C2_F = <f32>-2.12194440e-4;
import { maddF32 } from "./fma";

const SHIFT_F = <f32>12582912.0; // 1.5·2^23: adding it rounds to an integer held in the low mantissa bits

/** e^x per lane for x already in [−104, 89] (or NaN): x = n·ln2 + r, |r| ≤ ln2/2, a degree-7 polynomial
 *  for e^r, then ·2^n as two halves (so subnormal results round once and n = 128 still reaches Inf).
 *  Multiply-adds go through maddF32: fused in the relaxed-SIMD build. */
// @ts-ignore: decorator
@inline function expCore4f(x: v128): v128 {
  const shift = f32x4.splat(SHIFT_F);
  const t = maddF32(x, f32x4.splat(INV_LN2_F), shift);
  const nf = f32x4.sub(t, shift);
  const r = maddF32(nf, f32x4.splat(-C2_F), maddF32(nf, f32x4.splat(-C1_F), x));
  const r2 = f32x4.mul(r, r);
  // p = 1 + r + r²·(c0 + c1 r + c2 r² + c3 r³ + c4 r⁴ + c5 r⁵), Estrin's pairs
  const q01 = maddF32(r, f32x4.splat(<f32>1.6666665459E-1), f32x4.splat(<f32>5.0000001201E-1));
  const q23 = maddF32(r, f32x4.splat(<f32>8.3334519073E-3), f32x4.splat(<f32>4.1665795894E-2));
  const q45 = maddF32(r, f32x4.splat(<f32>1.9875691500E-4), f32x4.splat(<f32>1.3981999507E-3));
  const q = maddF32(r2, maddF32(r2, q45, q23), q01);
  const p = maddF32(r2, q, f32x4.add(f32x4.splat(1.0), r));
  const n = i32x4.sub(t, shift);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  return f32x4.mul(f32x4.mul(p, i32x4.shl(i32x4.add(n1, bias), 23)), i32x4.shl(i32x4.add(n2, bias), 23));
}

/** e^x per lane; NaN passes pmin/pmax unchanged (x is the first operand). */
// @ts-ignore: decorator
@inline export function exp4f(x: v128): v128 {
  return expCore4f(f32x4.pmax(f32x4.pmin(x, f32x4.splat(89.0)), f32x4.splat(-104.0)));
}

/** e^x for x ≤ 0 or NaN (one clamp fewer). */
// @ts-ignore: decorator
@inline function expNonPositive4f(x: v128): v128 {
  return expCore4f(f32x4.pmax(x, f32x4.splat(-104.0)));
}

/** e^y − 1 per lane for y in [−18, 0] (or NaN), no cancellation near 0: 2^n·(r + r²·P(r)) + (2^n − 1),
 *  P as in expCore4f (n ≥ −26, so 2^n is normal). */
// @ts-ignore: decorator
@inline function expm1NonPositive4f(y: v128): v128 {
  y = f32x4.pmax(y, f32x4.splat(-18.0));
  const shift = f32x4.splat(SHIFT_F);
  const t = maddF32(y, f32x4.splat(INV_LN2_F), shift);
  const nf = f32x4.sub(t, shift);
  const r = maddF32(nf, f32x4.splat(-C2_F), maddF32(nf, f32x4.splat(-C1_F), y));
  const r2 = f32x4.mul(r, r);
  const q01 = maddF32(r, f32x4.splat(<f32>1.6666665459E-1), f32x4.splat(<f32>5.0000001201E-1));
  const q23 = maddF32(r, f32x4.splat(<f32>8.3334519073E-3), f32x4.splat(<f32>4.1665795894E-2));
  const q45 = maddF32(r, f32x4.splat(<f32>1.9875691500E-4), f32x4.splat(<f32>1.3981999507E-3));
  const pm1 = maddF32(r2, maddF32(r2, maddF32(r2, q45, q23), q01), r);
  const s = i32x4.shl(i32x4.add(i32x4.sub(t, shift), i32x4.splat(127)), 23);
  return maddF32(s, pm1, f32x4.sub(s, f32x4.splat(1.0)));
}

/** tanh per lane: with m = e^{−2|x|} − 1, |tanh x| = −m/(2 + m), then x's sign (tanh(−0) = −0). */
// @ts-ignore: decorator
@inline export function tanh4f(x: v128): v128 {
  const sign = f32x4.splat(-0.0);
  const nx = v128.or(x, sign); // −|x|
  const m = expm1NonPositive4f(f32x4.add(nx, nx));
  const mag = f32x4.abs(f32x4.div(f32x4.neg(m), f32x4.add(f32x4.splat(2.0), m)));
  return v128.or(mag, v128.and(x, sign));
}

/** 1/(1 + e^{−x}) per lane through e^{−|x|} ≤ 1, so neither tail overflows or cancels. */
// @ts-ignore: decorator
@inline export function sigmoid4f(x: v128): v128 {
  const e = expNonPositive4f(v128.or(x, f32x4.splat(-0.0))); // −|x|: the sign bit set (one op; abs then neg is two masks)
  const one = f32x4.splat(1.0);
  const num = v128.bitselect(one, e, f32x4.ge(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(one, e));
}
