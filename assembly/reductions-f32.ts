// The f32 twins of reductions.ts. Scalar results are accumulated in f64 and returned as f64 (an f32 sum
// over 10⁵ values would lose the digits a loss or a norm needs); sum_rows_f32 writes f32 column sums.

/** f64x2 of lanes 0–1 and of lanes 2–3 of an f32x4 */
// @ts-ignore: decorator
@inline function lowF64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function highF64(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }

export function sum_f32(a: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0.0), acc1 = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~3) << 2);
  const last = a + (<usize>n << 2);
  while (a < end) {
    const v = v128.load(a);
    acc0 = f64x2.add(acc0, lowF64(v));
    acc1 = f64x2.add(acc1, highF64(v));
    a += 16;
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  while (a < last) { s += <f64>load<f32>(a); a += 4; }
  return s;
}

/** Σ a_i², each square formed in f64 (exact for f32 inputs) */
export function sum_squares_f32(a: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0.0), acc1 = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~3) << 2);
  const last = a + (<usize>n << 2);
  while (a < end) {
    const v = v128.load(a);
    const lo = lowF64(v), hi = highF64(v);
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
    a += 16;
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  while (a < last) { const v = <f64>load<f32>(a); s += v * v; a += 4; }
  return s;
}

/** max_i |a_i| (0 for n = 0), exact; NaN propagates as in max_abs (f32x4.max is NaN-propagating). */
export function max_abs_f32(a: usize, n: i32): f64 {
  let acc = f32x4.splat(0.0);
  const end = a + (<usize>(n & ~3) << 2);
  const last = a + (<usize>n << 2);
  while (a < end) { acc = f32x4.max(acc, f32x4.abs(v128.load(a))); a += 16; }
  let m = Math.max(Math.max(<f64>f32x4.extract_lane(acc, 0), <f64>f32x4.extract_lane(acc, 1)),
    Math.max(<f64>f32x4.extract_lane(acc, 2), <f64>f32x4.extract_lane(acc, 3)));
  while (a < last) { m = Math.max(m, Math.abs(<f64>load<f32>(a))); a += 4; }
  return m;
}

/** 1 when every element is finite, 0 when any is NaN or ±Inf (x − x is NaN exactly for those). */
export function all_finite_f32(a: usize, n: i32): i32 {
  let acc = f32x4.splat(0.0);
  const end = a + (<usize>(n & ~3) << 2);
  const last = a + (<usize>n << 2);
  while (a < end) { const v = v128.load(a); acc = f32x4.add(acc, f32x4.sub(v, v)); a += 16; }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  while (a < last) { const v = load<f32>(a); s += v - v; a += 4; }
  return s == s ? 1 : 0;
}

/** out[j] (+)= Σ_i a[i, j] for a row-major [rows, cols] f32 matrix, summed in f32 row by row. */
export function sum_rows_f32(out: usize, a: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>cols << 2);
  const rowBytes = <usize>cols << 2;
  for (let i = 0; i < rows; i++) {
    const row = a + <usize>i * rowBytes;
    let j = 0;
    for (; j + 3 < cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(row + o)));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(row + o));
    }
  }
}
