// Two-lane f64 exp, tanh, sigmoid, log and softplus for the activation kernels (wasm has no transcendental instructions).
// Accuracy: a few ulp over the whole range, checked against JS Math.* in tests/kernels/activations.test.ts;
// NaN and ±Inf propagate as Math.exp/Math.tanh do; results that underflow become subnormals or 0.

import { maddF64 } from "./fma";

const INV_LN2 = 1.4426950408889634;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^11 (fdlibm's Cody–Waite constants).
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;

// e^r ≈ 1 + r + r²·(E0 + E1 r + … + E10 r¹⁰) on |r| ≤ ln2/2: a Chebyshev fit of degree 12 (error 1.4e-18
// before rounding; evaluated in f64 ≤ 2.2e-16), one term fewer than expCore2x's Taylor polynomial.
const E0 = 0.5, E1 = 0.1666666666666667, E2 = 0.04166666666666667, E3 = 0.008333333333326084;
const E4 = 0.0013888888888883711, E5 = 0.0001984126987500228, E6 = 2.480158732567746e-05;
const E7 = 2.755725517000089e-06, E8 = 2.755727347871858e-07, E9 = 2.5105312729622103e-08, E10 = 2.09147553258932e-09;

/** e^x per lane for x in [−746, 710] (or NaN): x = n·ln2 + r with |r| ≤ ln2/2, a degree-13 Taylor polynomial
 *  for e^r (Estrin's scheme), then ·2^n applied as two exact halves so subnormal results round once and
 *  n = 1024 still reaches Inf. Multiply-adds through maddF64 (fused in the relaxed-SIMD build). */
// @ts-ignore: decorator
@inline function expCore2x(x: v128): v128 {
  // Adding 1.5·2^52 rounds x/ln2 to the nearest integer n, which then sits in the low mantissa bits.
  const shift = f64x2.splat(6755399441055744.0);
  const t = maddF64(x, f64x2.splat(INV_LN2), shift);
  const nf = f64x2.sub(t, shift);
  const r = maddF64(nf, f64x2.splat(-LN2_LO), maddF64(nf, f64x2.splat(-LN2_HI), x));
  // Estrin's scheme: the same polynomial as Horner's, with a dependency chain of 5 multiply-adds instead of 13.
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2);
  const q01 = f64x2.add(f64x2.splat(1.0), r);
  const q23 = maddF64(r, f64x2.splat(1.0 / 6.0), f64x2.splat(1.0 / 2.0));
  const q45 = maddF64(r, f64x2.splat(1.0 / 120.0), f64x2.splat(1.0 / 24.0));
  const q67 = maddF64(r, f64x2.splat(1.0 / 5040.0), f64x2.splat(1.0 / 720.0));
  const q89 = maddF64(r, f64x2.splat(1.0 / 362880.0), f64x2.splat(1.0 / 40320.0));
  const qab = maddF64(r, f64x2.splat(1.0 / 39916800.0), f64x2.splat(1.0 / 3628800.0));
  const qcd = maddF64(r, f64x2.splat(1.0 / 6227020800.0), f64x2.splat(1.0 / 479001600.0));
  const q03 = maddF64(r2, q23, q01);
  const q47 = maddF64(r2, q67, q45);
  const q8b = maddF64(r2, qab, q89);
  const q8d = maddF64(r4, qcd, q8b);
  const q4d = maddF64(r4, q8d, q47);
  const p = maddF64(r4, q4d, q03);
  const n = i64x2.sub(t, shift);
  const n1 = i64x2.shr_s(n, 1);
  const n2 = i64x2.sub(n, n1);
  const bias = i64x2.splat(1023);
  const s1 = i64x2.shl(i64x2.add(n1, bias), 52);
  const s2 = i64x2.shl(i64x2.add(n2, bias), 52);
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

/** e^x per lane, clamped so n stays in [−1076, 1025]; NaN passes pmin/pmax unchanged (x is the first operand). */
// @ts-ignore: decorator
@inline export function exp2x(x: v128): v128 {
  return expCore2x(f64x2.pmax(f64x2.pmin(x, f64x2.splat(710.0)), f64x2.splat(-746.0)));
}

/** e^x for x ≤ 0 or NaN (one clamp fewer). */
// @ts-ignore: decorator
@inline function expNonPositive2x(x: v128): v128 {
  return expCore2x(f64x2.pmax(x, f64x2.splat(-746.0)));
}

/** e^y − 1 per lane for y in [−60, 0] (or NaN), without cancellation near 0: y = n·ln2 + r, |r| ≤ ln2/2,
 *  e^r − 1 = r + r²·Q(r) (Q the degree-10 Chebyshev fit E0..E10 below, declared with sigmoid2x), then
 *  e^y − 1 = 2^n·(e^r − 1) + (2^n − 1), exact in 2^n (n ≥ −87, so 2^n is normal). */
// @ts-ignore: decorator
@inline function expm1NonPositive2x(y: v128): v128 {
  y = f64x2.pmax(y, f64x2.splat(-60.0));
  const shift = f64x2.splat(6755399441055744.0);
  const t = maddF64(y, f64x2.splat(INV_LN2), shift);
  const nf = f64x2.sub(t, shift);
  const r = maddF64(nf, f64x2.splat(-LN2_LO), maddF64(nf, f64x2.splat(-LN2_HI), y));
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2);
  const q01 = maddF64(r, f64x2.splat(E1), f64x2.splat(E0));
  const q23 = maddF64(r, f64x2.splat(E3), f64x2.splat(E2));
  const q45 = maddF64(r, f64x2.splat(E5), f64x2.splat(E4));
  const q67 = maddF64(r, f64x2.splat(E7), f64x2.splat(E6));
  const q89 = maddF64(r, f64x2.splat(E9), f64x2.splat(E8));
  const q03 = maddF64(r2, q23, q01);
  const q47 = maddF64(r2, q67, q45);
  const q8a = maddF64(r2, f64x2.splat(E10), q89);
  const q = maddF64(r4, maddF64(r4, q8a, q47), q03);
  const pm1 = maddF64(r2, q, r);
  // (bits(t) + 1023) << 52 keeps the low 12 bits of n + 1023 (t's high bits shift out): 2^n's bit pattern
  const s = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return maddF64(s, pm1, f64x2.sub(s, f64x2.splat(1.0)));
}

/** tanh per lane: with m = e^{−2|x|} − 1 (no cancellation near 0), |tanh x| = −m/(2 + m), then x's sign
 *  (so tanh(−0) = −0 as in Math.tanh); one exponential and one division for every |x|. */
// @ts-ignore: decorator
@inline export function tanh2x(x: v128): v128 {
  const sign = f64x2.splat(-0.0);
  const nx = v128.or(x, sign); // −|x|
  const m = expm1NonPositive2x(f64x2.add(nx, nx));
  const mag = f64x2.abs(f64x2.div(f64x2.neg(m), f64x2.add(f64x2.splat(2.0), m)));
  return v128.or(mag, v128.and(x, sign));
}

// fdlibm's log (e_log.c): x = 2^k·(1 + f) with 1 + f in [√2/2, √2), s = f/(2 + f),
// log(1 + f) = f − s·(f − R(s²)) with R a degree-14 polynomial in s (7 terms in s²).
const LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01;
const LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01;
const LG7 = 1.479819860511658591e-01;
// Adding this to x's bits carries into the exponent exactly when the mantissa is ≥ √2's (0x3ff… − 0x3fe6a09e…).
const SQRT_HALF_SHIFT: i64 = 0x00095f6200000000;
const SQRT_HALF_BITS: i64 = 0x3fe6a09e00000000;
const MANTISSA: i64 = 0x000fffffffffffff;
const I2F_SHIFT = 6755399441055744.0; // 1.5·2^52: k added to its bits, then 1.5·2^52 subtracted, converts |k| < 2^51 exactly

/** log per lane for positive, normal, finite x (the caller handles the rest). */
// @ts-ignore: decorator
@inline function logNormal2x(x: v128): v128 {
  const ix = i64x2.add(x, i64x2.splat(SQRT_HALF_SHIFT));
  const k = i64x2.sub(i64x2.shr_s(ix, 52), i64x2.splat(1023));
  const m = i64x2.add(v128.and(ix, i64x2.splat(MANTISSA)), i64x2.splat(SQRT_HALF_BITS));
  const shift = f64x2.splat(I2F_SHIFT);
  const dk = f64x2.sub(i64x2.add(k, shift), shift);
  const f = f64x2.sub(m, f64x2.splat(1.0));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const z = f64x2.mul(s, s), w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  const t2 = f64x2.mul(z, f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3), f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))));
  const r = f64x2.add(t1, t2);
  const hfsq = f64x2.mul(f64x2.splat(0.5), f64x2.mul(f, f));
  // dk·ln2_hi − ((hfsq − (s·(hfsq + R) + dk·ln2_lo)) − f), fdlibm's more accurate branch for every f
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.mul(dk, f64x2.splat(LN2_LO)));
  return f64x2.sub(f64x2.mul(dk, f64x2.splat(LN2_HI)), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/** Math.log per lane: subnormals scaled up first; log 0 = −Inf, log(x < 0) = NaN, log Inf = Inf, NaN stays NaN. */
// @ts-ignore: decorator
@inline export function log2x(x: v128): v128 {
  const sub = f64x2.lt(x, f64x2.splat(2.2250738585072014e-308));
  const scaled = v128.bitselect(f64x2.mul(x, f64x2.splat(18014398509481984.0)), x, sub); // ·2^54
  let y = logNormal2x(scaled);
  y = f64x2.sub(y, v128.and(sub, f64x2.splat(54 * LN2_HI + 54 * LN2_LO)));
  y = v128.bitselect(f64x2.splat(-Infinity), y, f64x2.eq(x, f64x2.splat(0.0)));
  y = v128.bitselect(f64x2.splat(NaN), y, f64x2.lt(x, f64x2.splat(0.0)));
  // x itself where x is +Inf or NaN (x ≠ x, or x == Inf)
  return v128.bitselect(x, y, v128.or(f64x2.ne(x, x), f64x2.eq(x, f64x2.splat(Infinity))));
}

/** max(x, 0) + log1p(e^{−|x|}) per lane: u = e^{−|x|} ∈ (0, 1], w = 1 + u rounded, log1p(u) = log w + (u − (w − 1))/w. */
// @ts-ignore: decorator
@inline export function softplus2x(x: v128): v128 {
  const u = expNonPositive2x(v128.or(x, f64x2.splat(-0.0))); // −|x|
  const w = f64x2.add(f64x2.splat(1.0), u);
  const c = f64x2.div(f64x2.sub(u, f64x2.sub(w, f64x2.splat(1.0))), w);
  const y = f64x2.add(f64x2.pmax(x, f64x2.splat(0.0)), f64x2.add(logNormal2x(w), c));
  return v128.bitselect(x, y, f64x2.ne(x, x));
}

// sin and cos: x = n·π/2 + r with |r| ≤ π/4 (π/2 in three parts, fdlibm's pio2_1..3, each of 33 bits so
// n·part is exact for |n| < 2^20), fdlibm's kernel polynomials for sin r and cos r, and the quadrant n mod 4
// choosing and signing them. Lanes with |x| > SINCOS_LIMIT (and ±Inf) go to Math.sin/Math.cos instead.
const PIO2_1 = 1.57079632673412561417e+00, PIO2_2 = 6.07710050630396597660e-11, PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;
const INV_PIO2 = 6.36619772367581382433e-01;
const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04;
const S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const CC1 = 4.16666666666666019037e-02, CC2 = -1.38888888888741095749e-03, CC3 = 2.48015872894767294178e-05;
const CC4 = -2.75573143513906633035e-07, CC5 = 2.08757232129817482790e-09, CC6 = -1.13596475577881948265e-11;
/** beyond it the three-part reduction loses digits; Math's Payne–Hanek reduction takes over */
export const SINCOS_LIMIT = 1e5;

/** sin (cosine = false) or cos (cosine = true) per lane, for |x| ≤ SINCOS_LIMIT or NaN. */
// @ts-ignore: decorator
@inline function sincosReduced2x(x: v128, cosine: bool): v128 {
  const shift = f64x2.splat(6755399441055744.0);
  const t = maddF64(x, f64x2.splat(INV_PIO2), shift);
  const nf = f64x2.sub(t, shift);
  const n = i64x2.sub(t, shift);
  // r = x − n·π/2, the three parts subtracted in turn (each product exact), then the last part's tail
  let r = maddF64(nf, f64x2.splat(-PIO2_1), x);
  r = maddF64(nf, f64x2.splat(-PIO2_2), r);
  r = maddF64(nf, f64x2.splat(-PIO2_3), r);
  r = maddF64(nf, f64x2.splat(-PIO2_3T), r);
  const z = f64x2.mul(r, r);
  // sin r = r + r·z·(S1 + z·S2 + … + z⁵·S6)
  let ps = maddF64(z, f64x2.splat(S6), f64x2.splat(S5));
  ps = maddF64(z, ps, f64x2.splat(S4));
  ps = maddF64(z, ps, f64x2.splat(S3));
  ps = maddF64(z, ps, f64x2.splat(S2));
  ps = maddF64(z, ps, f64x2.splat(S1));
  const s = maddF64(f64x2.mul(r, z), ps, r);
  // cos r = w + ((1 − w) − z/2 + z²·(C1 + … + z⁵·C6)), w = 1 − z/2 (fdlibm's k_cos, tail-free)
  let pc = maddF64(z, f64x2.splat(CC6), f64x2.splat(CC5));
  pc = maddF64(z, pc, f64x2.splat(CC4));
  pc = maddF64(z, pc, f64x2.splat(CC3));
  pc = maddF64(z, pc, f64x2.splat(CC2));
  pc = maddF64(z, pc, f64x2.splat(CC1));
  const hz = f64x2.mul(f64x2.splat(0.5), z);
  const one = f64x2.splat(1.0);
  const w = f64x2.sub(one, hz);
  const c = f64x2.add(w, maddF64(f64x2.mul(z, z), pc, f64x2.sub(f64x2.sub(one, w), hz)));
  // quadrant q = n mod 4: sin x = (sin r, cos r, −sin r, −cos r)[q]; cos x = sin(x + π/2), i.e. q + 1
  const q = cosine ? i64x2.add(n, i64x2.splat(1)) : n;
  const odd = i64x2.eq(v128.and(q, i64x2.splat(1)), i64x2.splat(1));
  const v = v128.xor(v128.bitselect(c, s, odd), i64x2.shl(v128.and(q, i64x2.splat(2)), 62));
  // sin(±0) = ±0: the polynomial's r + (r·z)·P would turn −0 into +0
  return cosine ? v : v128.bitselect(x, v, f64x2.eq(x, f64x2.splat(0.0)));
}

/** Math.sin / Math.cos per lane: the vector reduction, or the scalar functions for large or infinite |x|. */
// @ts-ignore: decorator
@inline export function sincos2x(x: v128, cosine: bool): v128 {
  if (v128.any_true(f64x2.gt(f64x2.abs(x), f64x2.splat(SINCOS_LIMIT)))) {
    const a = f64x2.extract_lane(x, 0), b = f64x2.extract_lane(x, 1);
    return cosine ? f64x2(Math.cos(a), Math.cos(b)) : f64x2(Math.sin(a), Math.sin(b));
  }
  return sincosReduced2x(x, cosine);
}

/**
 * 1/(1 + e^{−x}) per lane: one exponential with a single 2^n and no select (the f64 form of simd-math-f32.ts's
 * sigmoid4f). x is clamped to [−709.7, 708], so n = round(−x/ln2) ∈ [−1022, 1024] is one exponent field;
 * n = 1024 is the Inf pattern, e^{−x} = Inf and the result 0 for x < −709.44 (true values below 7.9e-309,
 * subnormal). e^{−x}'s error shrinks by e^{−x}/(1 + e^{−x}) ≤ 1 through the quotient, so no tail cancels.
 */
// @ts-ignore: decorator
@inline export function sigmoid2x(x: v128): v128 {
  const xc = f64x2.pmax(f64x2.pmin(x, f64x2.splat(708.0)), f64x2.splat(-709.7));
  const shift = f64x2.splat(6755399441055744.0);
  const t = maddF64(xc, f64x2.splat(-INV_LN2), shift);
  const nf = f64x2.sub(t, shift);
  // s = x + n·ln2 = −r; e^r = 1 − s + s²·Q(−s)
  const s = maddF64(nf, f64x2.splat(LN2_LO), maddF64(nf, f64x2.splat(LN2_HI), xc));
  const s2 = f64x2.mul(s, s), s4 = f64x2.mul(s2, s2);
  // −Q(−s): every coefficient negated, so that s − s²·Q(−s) is one multiply-add and 1 − (s − s²·Q) rounds once at the end
  const q01 = maddF64(s, f64x2.splat(E1), f64x2.splat(-E0));
  const q23 = maddF64(s, f64x2.splat(E3), f64x2.splat(-E2));
  const q45 = maddF64(s, f64x2.splat(E5), f64x2.splat(-E4));
  const q67 = maddF64(s, f64x2.splat(E7), f64x2.splat(-E6));
  const q89 = maddF64(s, f64x2.splat(E9), f64x2.splat(-E8));
  const q03 = maddF64(s2, q23, q01);
  const q47 = maddF64(s2, q67, q45);
  const q8a = maddF64(s2, f64x2.splat(-E10), q89);
  const q49 = maddF64(s4, q8a, q47);
  const q = maddF64(s4, q49, q03);
  const p = f64x2.sub(f64x2.splat(1.0), maddF64(s2, q, s));
  const e = f64x2.mul(p, i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52));
  const one = f64x2.splat(1.0);
  return f64x2.div(one, f64x2.add(one, e));
}
