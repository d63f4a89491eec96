// Small kernels the autodiff ops need beyond gemm/elementwise/activations/reductions: accumulating
// variants (reverse mode adds into cotangents), the time column, row-wise softmax cross-entropy.

/** out += a·b */
export function mul_add(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(v128.load(a + o), v128.load(b + o))));
  }
  if (i < n) { const o = <usize>i << 3; store<f64>(out + o, load<f64>(out + o) + load<f64>(a + o) * load<f64>(b + o)); }
}

/** out += value */
export function add_scalar(out: usize, value: f64, n: i32): void {
  const v = f64x2.splat(value);
  let i = 0;
  for (; i + 1 < n; i += 2) { const o = <usize>i << 3; v128.store(out + o, f64x2.add(v128.load(out + o), v)); }
  if (i < n) { const o = <usize>i << 3; store<f64>(out + o, load<f64>(out + o) + value); }
}

/** out = 1/x */
export function reciprocal(out: usize, x: usize, n: i32): void {
  const one = f64x2.splat(1.0);
  let i = 0;
  for (; i + 1 < n; i += 2) { const o = <usize>i << 3; v128.store(out + o, f64x2.div(one, v128.load(x + o))); }
  if (i < n) { const o = <usize>i << 3; store<f64>(out + o, 1.0 / load<f64>(x + o)); }
}

/** out (+)= x where ref > 0, else (+)0: relu's derivative mask applied to x. */
export function relu_mask(out: usize, x: usize, ref: usize, n: i32, accumulate: i32): void {
  const zero = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    let v = v128.and(f64x2.gt(v128.load(ref + o), zero), v128.load(x + o));
    if (accumulate) v = f64x2.add(v128.load(out + o), v);
    v128.store(out + o, v);
  }
  if (i < n) {
    const o = <usize>i << 3;
    const v = load<f64>(ref + o) > 0 ? load<f64>(x + o) : 0.0;
    store<f64>(out + o, accumulate ? load<f64>(out + o) + v : v);
  }
}

/** out[rows, cols+1] = [x[rows, cols], t]: the time (read from the pointer t) as an extra last column. */
export function append_column(out: usize, x: usize, t: usize, rows: i32, cols: i32): void {
  const value = load<f64>(t);
  const rowBytes = <usize>cols << 3;
  for (let r = 0; r < rows; r++) {
    const dst = out + <usize>r * (rowBytes + 8);
    memory.copy(dst, x + <usize>r * rowBytes, rowBytes);
    store<f64>(dst + rowBytes, value);
  }
}

/** Reverse of append_column: gx += gy[:, :cols] (skipped when gx = 0); returns Σ_r gy[r, cols], the time's cotangent. */
export function append_column_vjp(gx: usize, gy: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 3;
  let gt = 0.0;
  for (let r = 0; r < rows; r++) {
    const src = gy + <usize>r * (rowBytes + 8);
    if (gx != 0) {
      const dst = gx + <usize>r * rowBytes;
      let j = 0;
      for (; j + 1 < cols; j += 2) {
        const o = <usize>j << 3;
        v128.store(dst + o, f64x2.add(v128.load(dst + o), v128.load(src + o)));
      }
      if (j < cols) { const o = <usize>j << 3; store<f64>(dst + o, load<f64>(dst + o) + load<f64>(src + o)); }
    }
    gt += load<f64>(src + rowBytes);
  }
  return gt;
}

/**
 * Row-wise softmax cross-entropy: p = softmax(logits) per row; returns Σ_rows −Σ_c targets·log p
 * (targets are one-hot or any distribution per row). Max-shifted, so large logits do not overflow.
 */
export function softmax_xent(p: usize, logits: usize, targets: usize, rows: i32, cols: i32): f64 {
  let total = 0.0;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * (<usize>cols << 3);
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, load<f64>(logits + row + (<usize>c << 3)));
    let z = 0.0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(load<f64>(logits + row + (<usize>c << 3)) - m);
      store<f64>(p + row + (<usize>c << 3), e);
      z += e;
    }
    const logZ = Math.log(z) + m;
    const inv = 1.0 / z;
    for (let c = 0; c < cols; c++) {
      const o = row + (<usize>c << 3);
      store<f64>(p + o, load<f64>(p + o) * inv);
      const t = load<f64>(targets + o);
      if (t != 0) total -= t * (load<f64>(logits + o) - logZ);
    }
  }
  return total;
}

/** Reverse of softmax_xent: g[r, c] += scale·(p[r, c]·Σ_c' targets[r, c'] − targets[r, c]). */
export function softmax_xent_vjp(g: usize, p: usize, targets: usize, scale: f64, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * (<usize>cols << 3);
    let mass = 0.0;
    for (let c = 0; c < cols; c++) mass += load<f64>(targets + row + (<usize>c << 3));
    for (let c = 0; c < cols; c++) {
      const o = row + (<usize>c << 3);
      store<f64>(g + o, load<f64>(g + o) + scale * (load<f64>(p + o) * mass - load<f64>(targets + o)));
    }
  }
}

/**
 * out[r, 0..cols) (+)= a[r, 0..cols) for r < rows, rows `outStride` and `aStride` values apart: the one
 * strided copy behind column slices (aStride = the source's width), their reverse (accumulate = 1)
 * and row broadcasts (aStride = 0: every row of out reads a's single row).
 */
export function copy_block(out: usize, outStride: i32, a: usize, aStride: i32, rows: i32, cols: i32, accumulate: i32): void {
  const outRow = <usize>outStride << 3;
  const aRow = <usize>aStride << 3;
  const rowBytes = <usize>cols << 3;
  for (let r = 0; r < rows; r++) {
    const dst = out + <usize>r * outRow;
    const src = a + <usize>r * aRow;
    if (!accumulate) {
      memory.copy(dst, src, rowBytes);
      continue;
    }
    let j = 0;
    for (; j + 1 < cols; j += 2) {
      const o = <usize>j << 3;
      v128.store(dst + o, f64x2.add(v128.load(dst + o), v128.load(src + o)));
    }
    if (j < cols) { const o = <usize>j << 3; store<f64>(dst + o, load<f64>(dst + o) + load<f64>(src + o)); }
  }
}
