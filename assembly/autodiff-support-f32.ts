// The f32 twins of autodiff-support.ts. Element values are f32; the scalars these kernels return (the
// time's cotangent, the cross-entropy loss) are accumulated in f64 and returned as f64, and softmax_xent_f32
// works each row in f64 (exp, log, normaliser) before storing p in f32.

/** out += a·b */
export function mul_add_f32(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(a + o), v128.load(b + o))));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(out + o) + load<f32>(a + o) * load<f32>(b + o)); }
}

/** out += value (value rounded to f32) */
export function add_scalar_f32(out: usize, value: f64, n: i32): void {
  const vf = <f32>value;
  const v = f32x4.splat(vf);
  let i = 0;
  for (; i + 3 < n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.add(v128.load(out + o), v)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(out + o) + vf); }
}

/** out = 1/x */
export function reciprocal_f32(out: usize, x: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 3 < n; i += 4) { const o = <usize>i << 2; v128.store(out + o, f32x4.div(one, v128.load(x + o))); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, <f32>1.0 / load<f32>(x + o)); }
}

/** out (+)= x where ref > 0, else (+)0 */
export function relu_mask_f32(out: usize, x: usize, ref: usize, n: i32, accumulate: i32): void {
  const zero = f32x4.splat(0.0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const o = <usize>i << 2;
    let v = v128.and(f32x4.gt(v128.load(ref + o), zero), v128.load(x + o));
    if (accumulate) v = f32x4.add(v128.load(out + o), v);
    v128.store(out + o, v);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v: f32 = load<f32>(ref + o) > 0 ? load<f32>(x + o) : 0.0;
    store<f32>(out + o, accumulate ? load<f32>(out + o) + v : v);
  }
}

/** out[rows, cols+1] = [x[rows, cols], t]: the time, one f32 read from the pointer t, as a last column. */
export function append_column_f32(out: usize, x: usize, t: usize, rows: i32, cols: i32): void {
  const value = load<f32>(t);
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const dst = out + <usize>r * (rowBytes + 4);
    memory.copy(dst, x + <usize>r * rowBytes, rowBytes);
    store<f32>(dst + rowBytes, value);
  }
}

/** Reverse of append_column_f32: gx += gy[:, :cols] (skipped when gx = 0); returns Σ_r gy[r, cols] summed in f64. */
export function append_column_vjp_f32(gx: usize, gy: usize, rows: i32, cols: i32): f64 {
  const rowBytes = <usize>cols << 2;
  let gt = 0.0;
  for (let r = 0; r < rows; r++) {
    const src = gy + <usize>r * (rowBytes + 4);
    if (gx != 0) {
      const dst = gx + <usize>r * rowBytes;
      let j = 0;
      for (; j + 3 < cols; j += 4) {
        const o = <usize>j << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
      for (; j < cols; j++) { const o = <usize>j << 2; store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o)); }
    }
    gt += <f64>load<f32>(src + rowBytes);
  }
  return gt;
}

/**
 * Row-wise softmax cross-entropy over f32 logits and targets: p = softmax(logits) per row (stored f32);
 * returns Σ_rows −Σ_c targets·log p, summed in f64. Each row's shift, exponentials, normaliser and log
 * are f64, so p is the correctly rounded f64 softmax to within an ulp of f32.
 */
export function softmax_xent_f32(p: usize, logits: usize, targets: usize, rows: i32, cols: i32): f64 {
  let total = 0.0;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * (<usize>cols << 2);
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, <f64>load<f32>(logits + row + (<usize>c << 2)));
    let z = 0.0;
    for (let c = 0; c < cols; c++) z += Math.exp(<f64>load<f32>(logits + row + (<usize>c << 2)) - m);
    const logZ = Math.log(z) + m;
    const inv = 1.0 / z;
    for (let c = 0; c < cols; c++) {
      const o = row + (<usize>c << 2);
      const l = <f64>load<f32>(logits + o);
      // exp recomputed rather than kept (no f64 scratch in an f32 buffer); p rounded once
      store<f32>(p + o, <f32>(Math.exp(l - m) * inv));
      const t = <f64>load<f32>(targets + o);
      if (t != 0) total -= t * (l - logZ);
    }
  }
  return total;
}

/** Reverse of softmax_xent_f32: g[r, c] += scale·(p[r, c]·Σ_c' targets[r, c'] − targets[r, c]), in f64 per element. */
export function softmax_xent_vjp_f32(g: usize, p: usize, targets: usize, scale: f64, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * (<usize>cols << 2);
    let mass = 0.0;
    for (let c = 0; c < cols; c++) mass += <f64>load<f32>(targets + row + (<usize>c << 2));
    for (let c = 0; c < cols; c++) {
      const o = row + (<usize>c << 2);
      store<f32>(g + o, <f32>(<f64>load<f32>(g + o) + scale * (<f64>load<f32>(p + o) * mass - <f64>load<f32>(targets + o))));
    }
  }
}

/** out[r, 0..cols) (+)= a[r, 0..cols), rows outStride and aStride values apart (aStride = 0 broadcasts). */
export function copy_block_f32(out: usize, outStride: i32, a: usize, aStride: i32, rows: i32, cols: i32, accumulate: i32): void {
  const outRow = <usize>outStride << 2;
  const aRow = <usize>aStride << 2;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const dst = out + <usize>r * outRow;
    const src = a + <usize>r * aRow;
    if (!accumulate) {
      memory.copy(dst, src, rowBytes);
      continue;
    }
    let j = 0;
    for (; j + 3 < cols; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; j < cols; j++) { const o = <usize>j << 2; store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o)); }
  }
}
