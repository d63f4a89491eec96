// The f32 twins of taylor.ts's Taylor-mode rules and their reverse rules: the same jet layout with f32
// slabs (coefficient k of value i at base + (k·n + i)·4), the same single-order steps and accumulating
// cotangents (a zero pointer: not needed). f32x4 across four values, the last n mod 4 one at a time;
// sums over orders are in f32 in the f64 kernels' order. Scalars (scale, c, alpha, beta) arrive as f64,
// combined in f64 where the f64 kernels combine them, and rounded to f32 once.

// @ts-ignore: decorator
@inline function slab(base: usize, k: i32, n: i32, i: i32): usize {
  return base + ((<usize>k * <usize>n + <usize>i) << 2);
}

/** Σ_{j=0..k} a[j]·b[k−j] for values i..i+3 */
// @ts-ignore: decorator
@inline function cauchy4(a: usize, b: usize, n: i32, i: i32, k: i32): v128 {
  let acc = f32x4.splat(0.0);
  for (let j = 0; j <= k; j++) acc = f32x4.add(acc, f32x4.mul(v128.load(slab(a, j, n, i)), v128.load(slab(b, k - j, n, i))));
  return acc;
}

/** Σ_{j=0..k} a[j]·b[k−j] for value i alone */
// @ts-ignore: decorator
@inline function cauchy1(a: usize, b: usize, n: i32, i: i32, k: i32): f32 {
  let acc: f32 = 0.0;
  for (let j = 0; j <= k; j++) acc += load<f32>(slab(a, j, n, i)) * load<f32>(slab(b, k - j, n, i));
  return acc;
}

/** y[k] = (scale/k)·Σ_{j=1..k} j·x[j]·s[k−j]  (k ≥ 1); s may alias y */
export function taylor_dphi_f32(y: usize, x: usize, s: usize, scale: f64, n: i32, k: i32): void {
  const inv = <f32>(scale / <f64>k);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    let acc = f32x4.splat(0.0);
    for (let j = 1; j <= k; j++) {
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(<f32>j), f32x4.mul(v128.load(slab(x, j, n, i)), v128.load(slab(s, k - j, n, i)))));
    }
    v128.store(slab(y, k, n, i), f32x4.mul(acc, f32x4.splat(inv)));
  }
  for (; i < n; i++) {
    let acc: f32 = 0.0;
    for (let j = 1; j <= k; j++) acc += <f32>j * (load<f32>(slab(x, j, n, i)) * load<f32>(slab(s, k - j, n, i)));
    store<f32>(slab(y, k, n, i), acc * inv);
  }
}

/** Reverse of taylor_dphi_f32 at order k (k = 0: gx[0] += scale·gy[0]·s[0]). */
export function taylor_dphi_vjp_f32(gx: usize, gs: usize, gy: usize, x: usize, s: usize, scale: f64, n: i32, k: i32): void {
  if (k == 0) {
    if (gx == 0) return;
    const sc = <f32>scale;
    const sv = f32x4.splat(sc);
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const o = <usize>i << 2;
      v128.store(gx + o, f32x4.add(v128.load(gx + o), f32x4.mul(sv, f32x4.mul(v128.load(gy + o), v128.load(s + o)))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(gx + o, load<f32>(gx + o) + sc * (load<f32>(gy + o) * load<f32>(s + o)));
    }
    return;
  }
  const inv = <f32>(scale / <f64>k);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const g = f32x4.mul(v128.load(slab(gy, k, n, i)), f32x4.splat(inv));
    for (let j = 1; j <= k; j++) {
      const gj = f32x4.mul(g, f32x4.splat(<f32>j));
      if (gx != 0) {
        const p = slab(gx, j, n, i);
        v128.store(p, f32x4.add(v128.load(p), f32x4.mul(gj, v128.load(slab(s, k - j, n, i)))));
      }
      if (gs != 0) {
        const p = slab(gs, k - j, n, i);
        v128.store(p, f32x4.add(v128.load(p), f32x4.mul(gj, v128.load(slab(x, j, n, i)))));
      }
    }
  }
  for (; i < n; i++) {
    const g = load<f32>(slab(gy, k, n, i)) * inv;
    for (let j = 1; j <= k; j++) {
      const gj = g * <f32>j;
      if (gx != 0) { const p = slab(gx, j, n, i); store<f32>(p, load<f32>(p) + gj * load<f32>(slab(s, k - j, n, i))); }
      if (gs != 0) { const p = slab(gs, k - j, n, i); store<f32>(p, load<f32>(p) + gj * load<f32>(slab(x, j, n, i))); }
    }
  }
}

/** s[k] = [k = 0]·c + alpha·y[k] + beta·Σ_{i=0..k} y[i]·y[k−i], every k ≥ 0 */
export function taylor_quad_f32(s: usize, y: usize, c: f64, alpha: f64, beta: f64, n: i32, k: i32): void {
  const c0 = <f32>(k == 0 ? c : 0.0), a = <f32>alpha, b = <f32>beta;
  const c0v = f32x4.splat(c0), av = f32x4.splat(a), bv = f32x4.splat(b);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const acc = cauchy4(y, y, n, i, k);
    v128.store(slab(s, k, n, i), f32x4.add(c0v, f32x4.add(f32x4.mul(av, v128.load(slab(y, k, n, i))), f32x4.mul(bv, acc))));
  }
  for (; i < n; i++) {
    store<f32>(slab(s, k, n, i), c0 + (a * load<f32>(slab(y, k, n, i)) + b * cauchy1(y, y, n, i, k)));
  }
}

/** Reverse of taylor_quad_f32 at order k: gy[k] += alpha·gs[k]; gy[i] += 2·beta·gs[k]·y[k−i]. */
export function taylor_quad_vjp_f32(gy: usize, gs: usize, y: usize, alpha: f64, beta: f64, n: i32, k: i32): void {
  if (gy == 0) return;
  const a = <f32>alpha, b2 = <f32>(2.0 * beta);
  const av = f32x4.splat(a), bv = f32x4.splat(b2);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const g = v128.load(slab(gs, k, n, i));
    const pk = slab(gy, k, n, i);
    v128.store(pk, f32x4.add(v128.load(pk), f32x4.mul(av, g)));
    const gb = f32x4.mul(bv, g);
    for (let j = 0; j <= k; j++) {
      const p = slab(gy, j, n, i);
      v128.store(p, f32x4.add(v128.load(p), f32x4.mul(gb, v128.load(slab(y, k - j, n, i)))));
    }
  }
  for (; i < n; i++) {
    const g = load<f32>(slab(gs, k, n, i));
    const pk = slab(gy, k, n, i);
    store<f32>(pk, load<f32>(pk) + a * g);
    const gb = b2 * g;
    for (let j = 0; j <= k; j++) {
      const p = slab(gy, j, n, i);
      store<f32>(p, load<f32>(p) + gb * load<f32>(slab(y, k - j, n, i)));
    }
  }
}

/** y[k] = Σ_{j=0..k} a[j]·b[k−j] (a may alias b), every k ≥ 0 */
export function taylor_mul_f32(y: usize, a: usize, b: usize, n: i32, k: i32): void {
  let i = 0;
  for (; i + 3 < n; i += 4) v128.store(slab(y, k, n, i), cauchy4(a, b, n, i, k));
  for (; i < n; i++) store<f32>(slab(y, k, n, i), cauchy1(a, b, n, i, k));
}

/** Reverse of taylor_mul_f32 at order k: ga[j] += gy[k]·b[k−j], gb[k−j] += gy[k]·a[j]; ga may alias gb. */
export function taylor_mul_vjp_f32(ga: usize, gb: usize, gy: usize, a: usize, b: usize, n: i32, k: i32): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const g = v128.load(slab(gy, k, n, i));
    for (let j = 0; j <= k; j++) {
      if (ga != 0) { const p = slab(ga, j, n, i); v128.store(p, f32x4.add(v128.load(p), f32x4.mul(g, v128.load(slab(b, k - j, n, i))))); }
      if (gb != 0) { const p = slab(gb, k - j, n, i); v128.store(p, f32x4.add(v128.load(p), f32x4.mul(g, v128.load(slab(a, j, n, i))))); }
    }
  }
  for (; i < n; i++) {
    const g = load<f32>(slab(gy, k, n, i));
    for (let j = 0; j <= k; j++) {
      if (ga != 0) { const p = slab(ga, j, n, i); store<f32>(p, load<f32>(p) + g * load<f32>(slab(b, k - j, n, i))); }
      if (gb != 0) { const p = slab(gb, k - j, n, i); store<f32>(p, load<f32>(p) + g * load<f32>(slab(a, j, n, i))); }
    }
  }
}

/** y[k] = (x[k] − (1/k)·Σ_{j=1..k−1} j·y[j]·x[k−j]) / x[0]  (k ≥ 1): y = log x */
export function taylor_log_f32(y: usize, x: usize, n: i32, k: i32): void {
  const invk = <f32>(1.0 / <f64>k);
  const inv = f32x4.splat(invk);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    let acc = f32x4.splat(0.0);
    for (let j = 1; j < k; j++) {
      acc = f32x4.add(acc, f32x4.mul(f32x4.splat(<f32>j), f32x4.mul(v128.load(slab(y, j, n, i)), v128.load(slab(x, k - j, n, i)))));
    }
    const num = f32x4.sub(v128.load(slab(x, k, n, i)), f32x4.mul(acc, inv));
    v128.store(slab(y, k, n, i), f32x4.div(num, v128.load(slab(x, 0, n, i))));
  }
  for (; i < n; i++) {
    let acc: f32 = 0.0;
    for (let j = 1; j < k; j++) acc += <f32>j * (load<f32>(slab(y, j, n, i)) * load<f32>(slab(x, k - j, n, i)));
    store<f32>(slab(y, k, n, i), (load<f32>(slab(x, k, n, i)) - acc * invk) / load<f32>(slab(x, 0, n, i)));
  }
}

/** Reverse of taylor_log_f32 at order k (the formulas of taylor_log_vjp), one value at a time. */
export function taylor_log_vjp_f32(gx: usize, gy: usize, x: usize, y: usize, n: i32, k: i32): void {
  if (gx == 0) return;
  const invk = <f32>(1.0 / <f64>k);
  for (let i = 0; i < n; i++) {
    const g = load<f32>(slab(gy, k, n, i)) / load<f32>(slab(x, 0, n, i));
    if (k == 0) {
      const p = slab(gx, 0, n, i);
      store<f32>(p, load<f32>(p) + g);
      continue;
    }
    let p = slab(gx, k, n, i);
    store<f32>(p, load<f32>(p) + g);
    for (let j = 1; j < k; j++) {
      const c = g * <f32>j * invk;
      p = slab(gy, j, n, i);
      store<f32>(p, load<f32>(p) - c * load<f32>(slab(x, k - j, n, i)));
      p = slab(gx, k - j, n, i);
      store<f32>(p, load<f32>(p) - c * load<f32>(slab(y, j, n, i)));
    }
    p = slab(gx, 0, n, i);
    store<f32>(p, load<f32>(p) - g * load<f32>(slab(y, k, n, i)));
  }
}

/** y[k] = x[k] where x[0] > 0, else 0, every k ≥ 0 */
export function taylor_relu_f32(y: usize, x: usize, n: i32, k: i32): void {
  const zero = f32x4.splat(0.0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const m = f32x4.gt(v128.load(slab(x, 0, n, i)), zero);
    v128.store(slab(y, k, n, i), v128.and(m, v128.load(slab(x, k, n, i))));
  }
  for (; i < n; i++) store<f32>(slab(y, k, n, i), load<f32>(slab(x, 0, n, i)) > 0 ? load<f32>(slab(x, k, n, i)) : 0.0);
}

/** Reverse of taylor_relu_f32 at order k: gx[k] += gy[k] where x[0] > 0. */
export function taylor_relu_vjp_f32(gx: usize, gy: usize, x: usize, n: i32, k: i32): void {
  if (gx == 0) return;
  const zero = f32x4.splat(0.0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const m = f32x4.gt(v128.load(slab(x, 0, n, i)), zero);
    const p = slab(gx, k, n, i);
    v128.store(p, f32x4.add(v128.load(p), v128.and(m, v128.load(slab(gy, k, n, i)))));
  }
  for (; i < n; i++) {
    if (load<f32>(slab(x, 0, n, i)) > 0) {
      const p = slab(gx, k, n, i);
      store<f32>(p, load<f32>(p) + load<f32>(slab(gy, k, n, i)));
    }
  }
}
