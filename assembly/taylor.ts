// Taylor-mode rules (one per primitive) and their reverse-mode rules: see DESIGN.md, "The mathematics".
//
// A jet of a tensor with n values is K+1 coefficient slabs laid end to end: coefficient k of value i
// sits at base + (k·n + i)·8, normalised (x[k] = x^(k)/k!). Every rule computes ONE order k of its
// output from orders 0..k of its inputs (and 0..k−1 of itself), so the solution-derivative recursion
// can extend all intermediate values one order at a time. Every *_vjp is the reverse of that same
// single-order step: given the cotangent of the order-k outputs it ACCUMULATES (+=) into the
// cotangents of everything the step read. A zero pointer for a cotangent means "not needed".
//
// SIMD runs across the n values (pairs of f64); the short loop over orders runs inside.
export * from "./autodiff-support";

@inline function slab(base: usize, k: i32, n: i32, i: i32): usize {
  return base + ((<usize>k * <usize>n + <usize>i) << 3);
}

/** Σ_{j=0..k} a[j]·b[k−j] for values i and i+1 (the Cauchy product taylor_mul and taylor_quad share). */
@inline function cauchy2(a: usize, b: usize, n: i32, i: i32, k: i32): v128 {
  let acc = f64x2.splat(0.0);
  for (let j = 0; j <= k; j++) acc = f64x2.add(acc, f64x2.mul(v128.load(slab(a, j, n, i)), v128.load(slab(b, k - j, n, i))));
  return acc;
}

/** Σ_{j=0..k} a[j]·b[k−j] for value i alone (the scalar tail). */
@inline function cauchy1(a: usize, b: usize, n: i32, i: i32, k: i32): f64 {
  let acc = 0.0;
  for (let j = 0; j <= k; j++) acc += load<f64>(slab(a, j, n, i)) * load<f64>(slab(b, k - j, n, i));
  return acc;
}

/**
 * y[k] = (scale/k)·Σ_{j=1..k} j·x[j]·s[k−j]  (k ≥ 1): y = φ(x) with φ'(x(t)) = scale·s(t).
 * tanh, sigmoid, exp (s = y), softplus, sin/cos all reduce to this; s may alias y (exp).
 */
export function taylor_dphi(y: usize, x: usize, s: usize, scale: f64, n: i32, k: i32): void {
  const inv = scale / <f64>k;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let acc = f64x2.splat(0.0);
    for (let j = 1; j <= k; j++) {
      acc = f64x2.add(acc, f64x2.mul(f64x2.splat(<f64>j), f64x2.mul(v128.load(slab(x, j, n, i)), v128.load(slab(s, k - j, n, i)))));
    }
    v128.store(slab(y, k, n, i), f64x2.mul(acc, f64x2.splat(inv)));
  }
  if (i < n) {
    let acc = 0.0;
    for (let j = 1; j <= k; j++) acc += <f64>j * load<f64>(slab(x, j, n, i)) * load<f64>(slab(s, k - j, n, i));
    store<f64>(slab(y, k, n, i), acc * inv);
  }
}

/**
 * Reverse of taylor_dphi at order k. k = 0 is the primal step y0 = φ(x0): gx[0] += scale·gy[0]·s[0].
 * k ≥ 1: with g = gy[k]·scale/k, gx[j] += g·j·s[k−j] and gs[k−j] += g·j·x[j] for j = 1..k.
 */
export function taylor_dphi_vjp(gx: usize, gs: usize, gy: usize, x: usize, s: usize, scale: f64, n: i32, k: i32): void {
  if (k == 0) {
    if (gx == 0) return;
    const sv = f64x2.splat(scale);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const o = <usize>i << 3;
      v128.store(gx + o, f64x2.add(v128.load(gx + o), f64x2.mul(sv, f64x2.mul(v128.load(gy + o), v128.load(s + o)))));
    }
    if (i < n) {
      const o = <usize>i << 3;
      store<f64>(gx + o, load<f64>(gx + o) + scale * load<f64>(gy + o) * load<f64>(s + o));
    }
    return;
  }
  const inv = scale / <f64>k;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const g = f64x2.mul(v128.load(slab(gy, k, n, i)), f64x2.splat(inv));
    for (let j = 1; j <= k; j++) {
      const gj = f64x2.mul(g, f64x2.splat(<f64>j));
      if (gx != 0) {
        const p = slab(gx, j, n, i);
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(gj, v128.load(slab(s, k - j, n, i)))));
      }
      if (gs != 0) {
        const p = slab(gs, k - j, n, i);
        v128.store(p, f64x2.add(v128.load(p), f64x2.mul(gj, v128.load(slab(x, j, n, i)))));
      }
    }
  }
  if (i < n) {
    const g = load<f64>(slab(gy, k, n, i)) * inv;
    for (let j = 1; j <= k; j++) {
      const gj = g * <f64>j;
      if (gx != 0) { const p = slab(gx, j, n, i); store<f64>(p, load<f64>(p) + gj * load<f64>(slab(s, k - j, n, i))); }
      if (gs != 0) { const p = slab(gs, k - j, n, i); store<f64>(p, load<f64>(p) + gj * load<f64>(slab(x, j, n, i))); }
    }
  }
}

/**
 * s[k] = [k = 0]·c + alpha·y[k] + beta·Σ_{i=0..k} y[i]·y[k−i]: the derivative series of tanh
 * (c = 1, alpha = 0, beta = −1: s = 1 − y²) and sigmoid (0, 1, −1: s = y − y²). Valid for every k ≥ 0.
 */
export function taylor_quad(s: usize, y: usize, c: f64, alpha: f64, beta: f64, n: i32, k: i32): void {
  const c0 = f64x2.splat(k == 0 ? c : 0.0);
  const av = f64x2.splat(alpha);
  const bv = f64x2.splat(beta);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const acc = cauchy2(y, y, n, i, k);
    v128.store(slab(s, k, n, i), f64x2.add(c0, f64x2.add(f64x2.mul(av, v128.load(slab(y, k, n, i))), f64x2.mul(bv, acc))));
  }
  if (i < n) {
    store<f64>(slab(s, k, n, i), (k == 0 ? c : 0.0) + alpha * load<f64>(slab(y, k, n, i)) + beta * cauchy1(y, y, n, i, k));
  }
}

/** Reverse of taylor_quad at order k: gy[k] += alpha·gs[k]; gy[i] += 2·beta·gs[k]·y[k−i], i = 0..k. */
export function taylor_quad_vjp(gy: usize, gs: usize, y: usize, alpha: f64, beta: f64, n: i32, k: i32): void {
  if (gy == 0) return;
  const av = f64x2.splat(alpha);
  const bv = f64x2.splat(2.0 * beta);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const g = v128.load(slab(gs, k, n, i));
    const pk = slab(gy, k, n, i);
    v128.store(pk, f64x2.add(v128.load(pk), f64x2.mul(av, g)));
    const gb = f64x2.mul(bv, g);
    for (let j = 0; j <= k; j++) {
      const p = slab(gy, j, n, i);
      v128.store(p, f64x2.add(v128.load(p), f64x2.mul(gb, v128.load(slab(y, k - j, n, i)))));
    }
  }
  if (i < n) {
    const g = load<f64>(slab(gs, k, n, i));
    const pk = slab(gy, k, n, i);
    store<f64>(pk, load<f64>(pk) + alpha * g);
    const gb = 2.0 * beta * g;
    for (let j = 0; j <= k; j++) {
      const p = slab(gy, j, n, i);
      store<f64>(p, load<f64>(p) + gb * load<f64>(slab(y, k - j, n, i)));
    }
  }
}

/** y[k] = Σ_{j=0..k} a[j]·b[k−j] (Cauchy product; a may alias b for a square). Valid for every k ≥ 0. */
export function taylor_mul(y: usize, a: usize, b: usize, n: i32, k: i32): void {
  let i = 0;
  for (; i + 1 < n; i += 2) v128.store(slab(y, k, n, i), cauchy2(a, b, n, i, k));
  if (i < n) store<f64>(slab(y, k, n, i), cauchy1(a, b, n, i, k));
}

/** Reverse of taylor_mul at order k: ga[j] += gy[k]·b[k−j], gb[k−j] += gy[k]·a[j]. ga may alias gb. */
export function taylor_mul_vjp(ga: usize, gb: usize, gy: usize, a: usize, b: usize, n: i32, k: i32): void {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const g = v128.load(slab(gy, k, n, i));
    for (let j = 0; j <= k; j++) {
      if (ga != 0) { const p = slab(ga, j, n, i); v128.store(p, f64x2.add(v128.load(p), f64x2.mul(g, v128.load(slab(b, k - j, n, i))))); }
      if (gb != 0) { const p = slab(gb, k - j, n, i); v128.store(p, f64x2.add(v128.load(p), f64x2.mul(g, v128.load(slab(a, j, n, i))))); }
    }
  }
  if (i < n) {
    const g = load<f64>(slab(gy, k, n, i));
    for (let j = 0; j <= k; j++) {
      if (ga != 0) { const p = slab(ga, j, n, i); store<f64>(p, load<f64>(p) + g * load<f64>(slab(b, k - j, n, i))); }
      if (gb != 0) { const p = slab(gb, k - j, n, i); store<f64>(p, load<f64>(p) + g * load<f64>(slab(a, j, n, i))); }
    }
  }
}

/** y[k] = (x[k] − (1/k)·Σ_{j=1..k−1} j·y[j]·x[k−j]) / x[0]  (k ≥ 1): y = log x. */
export function taylor_log(y: usize, x: usize, n: i32, k: i32): void {
  const inv = f64x2.splat(1.0 / <f64>k);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let acc = f64x2.splat(0.0);
    for (let j = 1; j < k; j++) {
      acc = f64x2.add(acc, f64x2.mul(f64x2.splat(<f64>j), f64x2.mul(v128.load(slab(y, j, n, i)), v128.load(slab(x, k - j, n, i)))));
    }
    const num = f64x2.sub(v128.load(slab(x, k, n, i)), f64x2.mul(acc, inv));
    v128.store(slab(y, k, n, i), f64x2.div(num, v128.load(slab(x, 0, n, i))));
  }
  if (i < n) {
    let acc = 0.0;
    for (let j = 1; j < k; j++) acc += <f64>j * load<f64>(slab(y, j, n, i)) * load<f64>(slab(x, k - j, n, i));
    store<f64>(slab(y, k, n, i), (load<f64>(slab(x, k, n, i)) - acc / <f64>k) / load<f64>(slab(x, 0, n, i)));
  }
}

/**
 * Reverse of taylor_log at order k. k = 0: gx[0] += gy[0]/x[0]. k ≥ 1, g = gy[k]/x[0]: gx[k] += g,
 * gy[j] −= g·(j/k)·x[k−j], gx[k−j] −= g·(j/k)·y[j] (j = 1..k−1), gx[0] −= g·y[k].
 */
export function taylor_log_vjp(gx: usize, gy: usize, x: usize, y: usize, n: i32, k: i32): void {
  // The gy[j] updates only matter on their way to gx, so no gx means nothing to do.
  if (gx == 0) return;
  const invk = 1.0 / <f64>k;
  for (let i = 0; i < n; i++) {
    const g = load<f64>(slab(gy, k, n, i)) / load<f64>(slab(x, 0, n, i));
    if (k == 0) {
      const p = slab(gx, 0, n, i);
      store<f64>(p, load<f64>(p) + g);
      continue;
    }
    let p = slab(gx, k, n, i);
    store<f64>(p, load<f64>(p) + g);
    for (let j = 1; j < k; j++) {
      const c = g * <f64>j * invk;
      p = slab(gy, j, n, i);
      store<f64>(p, load<f64>(p) - c * load<f64>(slab(x, k - j, n, i)));
      p = slab(gx, k - j, n, i);
      store<f64>(p, load<f64>(p) - c * load<f64>(slab(y, j, n, i)));
    }
    p = slab(gx, 0, n, i);
    store<f64>(p, load<f64>(p) - g * load<f64>(slab(y, k, n, i)));
  }
}

/** y[k] = x[k] where x[0] > 0, else 0: relu is linear on each side of its kink. Valid for every k ≥ 0. */
export function taylor_relu(y: usize, x: usize, n: i32, k: i32): void {
  const zero = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const m = f64x2.gt(v128.load(slab(x, 0, n, i)), zero);
    v128.store(slab(y, k, n, i), v128.and(m, v128.load(slab(x, k, n, i))));
  }
  if (i < n) store<f64>(slab(y, k, n, i), load<f64>(slab(x, 0, n, i)) > 0 ? load<f64>(slab(x, k, n, i)) : 0.0);
}

/** Reverse of taylor_relu at order k: gx[k] += gy[k] where x[0] > 0. */
export function taylor_relu_vjp(gx: usize, gy: usize, x: usize, n: i32, k: i32): void {
  if (gx == 0) return;
  const zero = f64x2.splat(0.0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const m = f64x2.gt(v128.load(slab(x, 0, n, i)), zero);
    const p = slab(gx, k, n, i);
    v128.store(p, f64x2.add(v128.load(p), v128.and(m, v128.load(slab(gy, k, n, i)))));
  }
  if (i < n && load<f64>(slab(x, 0, n, i)) > 0) {
    const p = slab(gx, k, n, i);
    store<f64>(p, load<f64>(p) + load<f64>(slab(gy, k, n, i)));
  }
}
