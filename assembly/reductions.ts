// Reductions over f64 arrays. Two accumulator lanes are summed at the end, so the order of
// additions differs from a left-to-right loop by rounding only.

export function sum(a: usize, n: i32): f64 {
  let acc = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~1) << 3);
  const last = a + (<usize>n << 3);
  while (a < end) {
    acc = f64x2.add(acc, v128.load(a));
    a += 16;
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (a < last) s += load<f64>(a);
  return s;
}

export function sum_squares(a: usize, n: i32): f64 {
  let acc = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~1) << 3);
  const last = a + (<usize>n << 3);
  while (a < end) {
    const v = v128.load(a);
    acc = f64x2.add(acc, f64x2.mul(v, v));
    a += 16;
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (a < last) { const v = load<f64>(a); s += v * v; }
  return s;
}

/** max_i |a_i| (0 for n = 0). NaN propagates: any NaN element makes the result NaN, so a blown-up
 *  state cannot hide behind a finite maximum (f64x2.max and Math.max are NaN-propagating). */
export function max_abs(a: usize, n: i32): f64 {
  let acc = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~1) << 3);
  const last = a + (<usize>n << 3);
  while (a < end) {
    acc = f64x2.max(acc, f64x2.abs(v128.load(a)));
    a += 16;
  }
  let m = Math.max(f64x2.extract_lane(acc, 0), f64x2.extract_lane(acc, 1));
  if (a < last) m = Math.max(m, Math.abs(load<f64>(a)));
  return m;
}

/** 1 when every element is finite, 0 when any is NaN or ±Inf (x − x is NaN exactly for those). */
export function all_finite(a: usize, n: i32): i32 {
  let acc = f64x2.splat(0.0);
  const end = a + (<usize>(n & ~1) << 3);
  const last = a + (<usize>n << 3);
  while (a < end) {
    const v = v128.load(a);
    acc = f64x2.add(acc, f64x2.sub(v, v));
    a += 16;
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (a < last) { const v = load<f64>(a); s += v - v; }
  return s == s ? 1 : 0;
}

/** out[j] (+)= Σ_i a[i, j] for a row-major [rows, cols] matrix: the bias gradient of a dense layer. */
export function sum_rows(out: usize, a: usize, rows: i32, cols: i32, accumulate: i32): void {
  if (!accumulate) memory.fill(out, 0, <usize>cols << 3);
  const rowBytes = <usize>cols << 3;
  for (let i = 0; i < rows; i++) {
    const row = a + <usize>i * rowBytes;
    let j = 0;
    for (; j + 1 < cols; j += 2) {
      const o = <usize>j << 3;
      v128.store(out + o, f64x2.add(v128.load(out + o), v128.load(row + o)));
    }
    if (j < cols) {
      const o = <usize>j << 3;
      store<f64>(out + o, load<f64>(out + o) + load<f64>(row + o));
    }
  }
}
