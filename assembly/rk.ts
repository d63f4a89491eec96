// Runge–Kutta step kernels: the stage sum y + h·Σ a_ij k_j and the fused error-ratio norm.
//
// Stage-sum ABI: the terms Σ_j c_j k_j are passed as a pointer to a packed f64 "term table"
//   terms = [c_0, ptr_0, c_1, ptr_1, …, c_{count-1}, ptr_{count-1}]   (2·count f64 values)
// where c_j is the (unscaled) coefficient and ptr_j the byte offset of stage buffer k_j stored as an
// exactly-representable f64. One table per tableau row is written by the host once per solve, so a
// step costs one kernel call per stage whatever the number of stages (up to 7 and beyond).
// Zero coefficients should be left out of the table by the host: 0·NaN would still poison the sum.
//
// Work proceeds in blocks of BLOCK elements so the output block stays in L1 cache while every stage
// is added into it: one pass over each k_j (the first fused with reading y), f64x2 lanes, a scalar
// tail for odd lengths.

import { axpy, scale } from "./elementwise";

const BLOCK: i32 = 512;

/**
 * out = y + h·Σ_j c_j k_j, or out = h·Σ_j c_j k_j when y = 0 (the null pointer: e.g. an error estimate).
 * `out` may alias `y`; it must not alias any k_j.
 */
export function rk_stage_sum(out: usize, y: usize, h: f64, terms: usize, count: i32, n: i32): void {
  if (count <= 0) {
    if (y == 0) memory.fill(out, 0, <usize>n << 3);
    else if (y != out) memory.copy(out, y, <usize>n << 3);
    return;
  }
  const c0 = h * load<f64>(terms);
  const k0 = <usize>load<f64>(terms, 8);
  for (let start: i32 = 0; start < n; start += BLOCK) {
    const len = min(BLOCK, n - start);
    const offset = <usize>start << 3;
    const o = out + offset;
    // The first term is fused with the copy of y (or the zero start), so no separate pass is needed.
    if (y == 0) scale(o, k0 + offset, c0, len);
    else firstBlock(o, y + offset, c0, k0 + offset, len);
    for (let j: i32 = 1; j < count; j++) {
      const entry = terms + (<usize>j << 4);
      const c = h * load<f64>(entry);
      const k = (<usize>load<f64>(entry, 8)) + offset;
      axpy(o, c, k, len);
    }
  }
}

// @ts-ignore: decorator
@inline
function firstBlock(o: usize, y: usize, c: f64, k: usize, len: i32): void {
  const cv = f64x2.splat(c);
  const end = o + (<usize>(len & ~1) << 3);
  const last = o + (<usize>len << 3);
  while (o < end) {
    v128.store(o, f64x2.add(v128.load(y), f64x2.mul(cv, v128.load(k))));
    o += 16; y += 16; k += 16;
  }
  if (o < last) store<f64>(o, load<f64>(y) + c * load<f64>(k));
}

/**
 * The error ratio sqrt( (1/n) Σ_i (err_i / (atol_i + rtol·max(|y0_i|, |y1_i|)))² ).
 * atol_i is `atolVec[i]` when atolVec ≠ 0, else the scalar `atol`.
 * Returns NaN when any err_i or y1_i is NaN or ±Inf (an infinite y1 would otherwise make its scale
 * infinite and its ratio 0, accepting a blown-up step): (y1 − y1) + (r − r) is added, 0 exactly when
 * both are finite, NaN otherwise.
 * n = 0 gives 0.
 */
export function rk_error_ratio(err: usize, y0: usize, y1: usize, atol: f64, atolVec: usize, rtol: f64, n: i32): f64 {
  if (n <= 0) return 0;
  const rv = f64x2.splat(rtol);
  let acc = f64x2.splat(0.0);
  const pairs = n >> 1;
  let tol = f64x2.splat(atol);
  for (let p: i32 = 0; p < pairs; p++) {
    const off = <usize>p << 4;
    const a = v128.load(y0 + off);
    const b = v128.load(y1 + off);
    if (atolVec != 0) tol = v128.load(atolVec + off);
    const scale = f64x2.add(tol, f64x2.mul(rv, f64x2.max(f64x2.abs(a), f64x2.abs(b))));
    const r = f64x2.div(v128.load(err + off), scale);
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(r, r), f64x2.add(f64x2.sub(b, b), f64x2.sub(r, r))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (n & 1) {
    const off = <usize>(n - 1) << 3;
    const a = load<f64>(y0 + off);
    const b = load<f64>(y1 + off);
    const t = atolVec != 0 ? load<f64>(atolVec + off) : atol;
    const r = load<f64>(err + off) / (t + rtol * max(abs(a), abs(b)));
    s += r * r + ((b - b) + (r - r));
  }
  return sqrt(s / <f64>n);
}
