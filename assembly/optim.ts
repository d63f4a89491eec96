// Optimiser updates, one pass over a parameter tensor and its state (f64x2 body, scalar tail).
// The formulas follow PyTorch's Adam/AdamW and SGD-with-momentum so results can be compared.

/**
 * Adam step. c1 = 1/(1 − β1^t), c2 = 1/(1 − β2^t) are the bias corrections for step t.
 * decoupled = 0: g += wd·p (L2, PyTorch Adam); decoupled = 1: p −= lr·wd·p first (AdamW).
 */
export function adam_update(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, c1: f64, c2: f64, wd: f64, decoupled: i32,
): void {
  const gwd = decoupled ? 0.0 : wd;
  const shrink = decoupled ? 1.0 - lr * wd : 1.0;
  const vb1 = f64x2.splat(beta1), vb1c = f64x2.splat(1.0 - beta1);
  const vb2 = f64x2.splat(beta2), vb2c = f64x2.splat(1.0 - beta2);
  const vgwd = f64x2.splat(gwd), vshrink = f64x2.splat(shrink);
  const vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2), veps = f64x2.splat(eps), vlr = f64x2.splat(lr);
  const end = p + (<usize>(n & ~1) << 3);
  const last = p + (<usize>n << 3);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f64x2.add(v128.load(g), f64x2.mul(vgwd, pv));
    const mv = f64x2.add(f64x2.mul(vb1, v128.load(m)), f64x2.mul(vb1c, gv));
    const vv = f64x2.add(f64x2.mul(vb2, v128.load(v)), f64x2.mul(vb2c, f64x2.mul(gv, gv)));
    v128.store(m, mv);
    v128.store(v, vv);
    const denom = f64x2.add(f64x2.sqrt(f64x2.mul(vv, vc2)), veps);
    const stepv = f64x2.div(f64x2.mul(vlr, f64x2.mul(mv, vc1)), denom);
    v128.store(p, f64x2.sub(f64x2.mul(pv, vshrink), stepv));
    p += 16; g += 16; m += 16; v += 16;
  }
  if (p < last) {
    const pv = load<f64>(p);
    const gv = load<f64>(g) + gwd * pv;
    const mv = beta1 * load<f64>(m) + (1.0 - beta1) * gv;
    const vv = beta2 * load<f64>(v) + (1.0 - beta2) * gv * gv;
    store<f64>(m, mv);
    store<f64>(v, vv);
    store<f64>(p, pv * shrink - (lr * (mv * c1)) / (Math.sqrt(vv * c2) + eps));
  }
}

/**
 * SGD with momentum (PyTorch semantics, no dampening): g += wd·p; buf = μ·buf + g;
 * p −= lr·(nesterov ? g + μ·buf : buf). A zeroed buf makes the first step buf = g, as PyTorch does.
 */
export function sgd_momentum_update(
  p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, wd: f64, nesterov: i32,
): void {
  const vmu = f64x2.splat(momentum), vwd = f64x2.splat(wd), vlr = f64x2.splat(lr);
  const end = p + (<usize>(n & ~1) << 3);
  const last = p + (<usize>n << 3);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f64x2.add(v128.load(g), f64x2.mul(vwd, pv));
    const bv = f64x2.add(f64x2.mul(vmu, v128.load(buf)), gv);
    v128.store(buf, bv);
    const dv = nesterov ? f64x2.add(gv, f64x2.mul(vmu, bv)) : bv;
    v128.store(p, f64x2.sub(pv, f64x2.mul(vlr, dv)));
    p += 16; g += 16; buf += 16;
  }
  if (p < last) {
    const pv = load<f64>(p);
    const gv = load<f64>(g) + wd * pv;
    const bv = momentum * load<f64>(buf) + gv;
    store<f64>(buf, bv);
    store<f64>(p, pv - lr * (nesterov ? gv + momentum * bv : bv));
  }
}

/**
 * Adamax step (PyTorch's torch.optim.Adamax): g += wd·p; m = β1·m + (1 − β1)·g;
 * u = max(β2·u, |g| + eps); p −= lr·c1·m/u with c1 = 1/(1 − β1^t). A zeroed u makes the first
 * step's u = |g| + eps, so u is never zero where it divides.
 */
export function adamax_update(
  p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, c1: f64, wd: f64,
): void {
  const vb1 = f64x2.splat(beta1), vb1c = f64x2.splat(1.0 - beta1), vb2 = f64x2.splat(beta2);
  const vwd = f64x2.splat(wd), veps = f64x2.splat(eps), vstep = f64x2.splat(lr * c1);
  const end = p + (<usize>(n & ~1) << 3);
  const last = p + (<usize>n << 3);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f64x2.add(v128.load(g), f64x2.mul(vwd, pv));
    const mv = f64x2.add(f64x2.mul(vb1, v128.load(m)), f64x2.mul(vb1c, gv));
    const uv = f64x2.max(f64x2.mul(vb2, v128.load(u)), f64x2.add(f64x2.abs(gv), veps));
    v128.store(m, mv);
    v128.store(u, uv);
    v128.store(p, f64x2.sub(pv, f64x2.div(f64x2.mul(vstep, mv), uv)));
    p += 16; g += 16; m += 16; u += 16;
  }
  if (p < last) {
    const pv = load<f64>(p);
    const gv = load<f64>(g) + wd * pv;
    const mv = beta1 * load<f64>(m) + (1.0 - beta1) * gv;
    const uv = Math.max(beta2 * load<f64>(u), Math.abs(gv) + eps);
    store<f64>(m, mv);
    store<f64>(u, uv);
    store<f64>(p, pv - (lr * c1 * mv) / uv);
  }
}
