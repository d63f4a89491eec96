// Two-lane f64 exp and tanh for the activation kernels (wasm has no transcendental instructions).
// Accuracy: a few ulp over the whole range, checked against JS Math.* in tests/kernels/activations.test.ts;
// NaN and ±Inf propagate as Math.exp/Math.tanh do; results that underflow become subnormals or 0.

const INV_LN2 = 1.4426950408889634;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^11 (fdlibm's Cody–Waite constants).
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;

/** e^x per lane: x = n·ln2 + r with |r| ≤ ln2/2, a degree-13 Taylor polynomial for e^r (Estrin's scheme), then ·2^n
 *  applied as two exact halves so subnormal results round once and n = 1024 still reaches Inf. */
// @ts-ignore: decorator
@inline export function exp2x(x: v128): v128 {
  // Clamped so n stays in [-1076, 1025]; NaN passes pmin/pmax unchanged (x is the first operand).
  x = f64x2.pmax(f64x2.pmin(x, f64x2.splat(710.0)), f64x2.splat(-746.0));
  // Adding 1.5·2^52 rounds x/ln2 to the nearest integer n, which then sits in the low mantissa bits.
  const shift = f64x2.splat(6755399441055744.0);
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(INV_LN2)), shift);
  const nf = f64x2.sub(t, shift);
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(nf, f64x2.splat(LN2_HI))), f64x2.mul(nf, f64x2.splat(LN2_LO)));
  // Estrin's scheme: the same polynomial as Horner's, with a dependency chain of 5 multiply-adds instead of 13.
  const r2 = f64x2.mul(r, r), r4 = f64x2.mul(r2, r2);
  const q01 = f64x2.add(f64x2.splat(1.0), r);
  const q23 = f64x2.add(f64x2.splat(1.0 / 2.0), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const q45 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const q67 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const q89 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const qab = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const qcd = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const q03 = f64x2.add(q01, f64x2.mul(r2, q23));
  const q47 = f64x2.add(q45, f64x2.mul(r2, q67));
  const q8b = f64x2.add(q89, f64x2.mul(r2, qab));
  const q8d = f64x2.add(q8b, f64x2.mul(r4, qcd));
  const q4d = f64x2.add(q47, f64x2.mul(r4, q8d));
  const p = f64x2.add(q03, f64x2.mul(r4, q4d));
  const n = i64x2.sub(t, shift);
  const n1 = i64x2.shr_s(n, 1);
  const n2 = i64x2.sub(n, n1);
  const bias = i64x2.splat(1023);
  const s1 = i64x2.shl(i64x2.add(n1, bias), 52);
  const s2 = i64x2.shl(i64x2.add(n2, bias), 52);
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

// Cephes tanh: x + x³·P(x²)/Q(x²) on |x| < 0.625, relative error ~2.5e-16 there.
const TANH_SMALL = 0.625;
const P0 = -9.64399179425052238628e-1, P1 = -9.92877231001918586564e1, P2 = -1.61468768441708447952e3;
const Q0 = 1.12811678491632931402e2, Q1 = 2.23548839060100448583e3, Q2 = 4.84406305325125486048e3;

/** tanh per lane: the rational form near 0 (no cancellation), 1 − 2/(e^{2|x|} + 1) elsewhere. */
// @ts-ignore: decorator
@inline export function tanh2x(x: v128): v128 {
  const ax = f64x2.abs(x);
  const z = f64x2.mul(x, x);
  const num = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(P0), z), f64x2.splat(P1)), z), f64x2.splat(P2));
  const den = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(z, f64x2.splat(Q0)), z), f64x2.splat(Q1)), z), f64x2.splat(Q2));
  const smallAbs = f64x2.add(ax, f64x2.mul(f64x2.mul(ax, z), f64x2.div(num, den)));
  const e = exp2x(f64x2.add(ax, ax));
  const one = f64x2.splat(1.0);
  const bigAbs = f64x2.sub(one, f64x2.div(f64x2.splat(2.0), f64x2.add(e, one)));
  // |tanh| from whichever form suits, then x's sign (so tanh(−0) = −0 as in Math.tanh).
  const mag = v128.bitselect(smallAbs, bigAbs, f64x2.lt(ax, f64x2.splat(TANH_SMALL)));
  return v128.or(mag, v128.and(x, f64x2.splat(-0.0)));
}

/** 1/(1 + e^{−x}) per lane, evaluated through e^{−|x|} ≤ 1 so neither tail overflows or cancels. */
// @ts-ignore: decorator
@inline export function sigmoid2x(x: v128): v128 {
  const e = exp2x(f64x2.neg(f64x2.abs(x)));
  const one = f64x2.splat(1.0);
  const num = v128.bitselect(one, e, f64x2.ge(x, f64x2.splat(0.0)));
  return f64x2.div(num, f64x2.add(one, e));
}
