// Four-lane f32 exp, sigmoid, tanh and softplus for the f32 activation kernels. Accuracy against Math.*
// rounded to f32 (tests/kernels/f32.test.ts, activations-f32.test.ts): exp within 2 ulp, subnormal results
// rounded once; sigmoid within 3 ulp, except that results below 4.2e-39 (x < −88.37) are 0; tanh within
// 6 ulp measured (the bound tested is 8; a rational function evaluated in f32 rounds ~6 times near
// |tanh| = 1); softplus within 5 ulp (3 measured). NaN, ±Inf and ±0 behave as in Math.* (±0 keep their sign).

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

/** 1/(1 + e^{−x}) per lane: one exponential with a single 2^n, no select. x is clamped to [−88.7, 87.3],
 *  so n = round(−x/ln2) lies in [−126, 128] and 2^n is one exponent field; n = 128 is the Inf pattern,
 *  making e^{−x} = Inf and the result 0 for x < −88.37 (true values below 4.2e-39). Relative error ≤ 3 ulp:
 *  e^{−x}'s error shrinks by e^{−x}/(1 + e^{−x}) ≤ 1 through the quotient, so no tail cancels. */
// @ts-ignore: decorator
@inline export function sigmoid4f(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(87.3)), f32x4.splat(-88.7)); // NaN stays (first operand)
  const shift = f32x4.splat(SHIFT_F);
  const t = maddF32(xc, f32x4.splat(-INV_LN2_F), shift); // 1.5·2^23 + n in t's low bits
  const nf = f32x4.sub(t, shift);
  // s = x + n·ln2 = −r where −x = n·ln2 + r, |r| ≤ ln2/2; e^r = 1 − s + s²·Q(−s), Q's odd coefficients negated
  const s = maddF32(nf, f32x4.splat(C2_F), maddF32(nf, f32x4.splat(C1_F), xc));
  const s2 = f32x4.mul(s, s);
  const q01 = maddF32(s, f32x4.splat(-EXP_Q1), f32x4.splat(EXP_Q0));
  const q23 = maddF32(s, f32x4.splat(-EXP_Q3), f32x4.splat(EXP_Q2));
  const q = maddF32(s2, maddF32(s2, f32x4.splat(EXP_Q4), q23), q01);
  const p = maddF32(s2, q, f32x4.sub(f32x4.splat(1.0), s));
  // (bits(t) + 127) << 23 keeps the low 9 bits of n + 127 (t's high bits shift out): 2^n's bit pattern
  const e = f32x4.mul(p, i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23));
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, e));
}

// e^r ≈ 1 + r + r²·(Q0 + Q1 r + Q2 r² + Q3 r³ + Q4 r⁴) on |r| ≤ ln2/2: a minimax fit of relative error
// 3e-9 (degree 6; Cephes's degree 7 is no more accurate once evaluated in f32: both ≤ 2 ulp).
const EXP_Q0 = <f32>0.4999999403953552, EXP_Q1 = <f32>0.1666652113199234, EXP_Q2 = <f32>0.04166838899254799;
const EXP_Q3 = <f32>0.00836874544620514, EXP_Q4 = <f32>0.0013814539415761828;

// tanh x ≈ x·P(x²)/Q(x²), P = 1 + P1 y + … + P4 y⁴, Q = 1 + Q1 y + … + Q4 y⁴ (y = x²): a [9/8] rational
// fitted for relative error on [0, 9] (0.4 ulp in f64 arithmetic with these f32 coefficients; ~6 ulp once
// evaluated in f32). P(0) = Q(0) = 1, so tiny and subnormal x return x itself and no select is needed.
const TANH_P1 = <f32>0.13383929431438446, TANH_P2 = <f32>0.0034989353734999895;
const TANH_P3 = <f32>2.0660243535530753e-05, TANH_P4 = <f32>1.341839883650664e-08;
const TANH_Q1 = <f32>0.4671725034713745, TANH_Q2 = <f32>0.02588997781276703;
const TANH_Q3 = <f32>0.0003290938038844615, TANH_Q4 = <f32>7.80414836754062e-07;

/** tanh per lane: the rational above on x clamped to [−9, 9] (beyond, tanh rounds to ±1; ±Inf too),
 *  the result clamped to [−1, 1] (rounding can reach 1 + 2⁻²³ near the clamp). One division, no exp. */
// @ts-ignore: decorator
@inline export function tanh4f(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(9.0)), f32x4.splat(-9.0)); // NaN stays (first operand)
  const y = f32x4.mul(xc, xc);
  const y2 = f32x4.mul(y, y);
  // Estrin's pairs: two short chains instead of one of four multiply-adds
  const p = maddF32(y2, maddF32(y, f32x4.splat(TANH_P4), f32x4.splat(TANH_P3)), maddF32(y, f32x4.splat(TANH_P2), f32x4.splat(TANH_P1)));
  const q = maddF32(y2, maddF32(y, f32x4.splat(TANH_Q4), f32x4.splat(TANH_Q3)), maddF32(y, f32x4.splat(TANH_Q2), f32x4.splat(TANH_Q1)));
  const num = f32x4.mul(xc, maddF32(y, p, one));
  const r = f32x4.div(num, maddF32(y, q, one));
  return f32x4.pmax(f32x4.pmin(r, one), f32x4.splat(-1.0));
}

// log1p(u) = 2·atanh(s), s = u/(2 + u) ∈ [0, 1/3] for u ∈ [0, 1]; atanh(s) = s + s·z·(L0 + L1 z + L2 z² + L3 z³),
// z = s² (a minimax fit of relative error 4.5e-9 on z ≤ 1/9).
const L0 = <f32>0.3333320915699005, L1 = <f32>0.20010767877101898, L2 = <f32>0.1400083750486374, L3 = <f32>0.14006340503692627;

/** max(x, 0) + log1p(e^{−|x|}) per lane, in f32: e^{−|x|} by expCore4f (subnormals kept), then log1p as
 *  above (one division, no log). Within 5 ulp of Math's value rounded to f32. */
// @ts-ignore: decorator
@inline export function softplus4f(x: v128): v128 {
  const u = expCore4f(f32x4.pmax(v128.or(x, f32x4.splat(-0.0)), f32x4.splat(-104.0))); // e^{−|x|}; NaN stays
  const s = f32x4.div(u, f32x4.add(f32x4.splat(2.0), u));
  const z = f32x4.mul(s, s);
  const r = maddF32(z, maddF32(z, maddF32(z, f32x4.splat(L3), f32x4.splat(L2)), f32x4.splat(L1)), f32x4.splat(L0));
  const t = maddF32(f32x4.mul(s, z), r, s);
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0.0)), f32x4.add(t, t));
}
