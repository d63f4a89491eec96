// The f32 twins of optim.ts's Adam and SGD-with-momentum updates (same formulas, PyTorch's): parameters,
// gradients and state in f32, hyper-parameters passed as f64 and rounded to f32 once per call.

export function adam_update_f32(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, c1: f64, c2: f64, wd: f64, decoupled: i32,
): void {
  const gwd = <f32>(decoupled ? 0.0 : wd);
  const shrink = <f32>(decoupled ? 1.0 - lr * wd : 1.0);
  const b1 = <f32>beta1, b1c = <f32>(1.0 - beta1), b2 = <f32>beta2, b2c = <f32>(1.0 - beta2);
  const fc1 = <f32>c1, fc2 = <f32>c2, feps = <f32>eps, flr = <f32>lr;
  const vb1 = f32x4.splat(b1), vb1c = f32x4.splat(b1c), vb2 = f32x4.splat(b2), vb2c = f32x4.splat(b2c);
  const vgwd = f32x4.splat(gwd), vshrink = f32x4.splat(shrink);
  const vc1 = f32x4.splat(fc1), vc2 = f32x4.splat(fc2), veps = f32x4.splat(feps), vlr = f32x4.splat(flr);
  const end = p + (<usize>(n & ~3) << 2);
  const last = p + (<usize>n << 2);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f32x4.add(v128.load(g), f32x4.mul(vgwd, pv));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m, mv);
    v128.store(v, vv);
    const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vv, vc2)), veps);
    v128.store(p, f32x4.sub(f32x4.mul(pv, vshrink), f32x4.div(f32x4.mul(vlr, f32x4.mul(mv, vc1)), denom)));
    p += 16; g += 16; m += 16; v += 16;
  }
  while (p < last) {
    const pv = load<f32>(p);
    const gv = load<f32>(g) + gwd * pv;
    const mv = b1 * load<f32>(m) + b1c * gv;
    const vv = b2 * load<f32>(v) + b2c * (gv * gv);
    store<f32>(m, mv);
    store<f32>(v, vv);
    store<f32>(p, pv * shrink - (flr * (mv * fc1)) / (Mathf.sqrt(vv * fc2) + feps));
    p += 4; g += 4; m += 4; v += 4;
  }
}

export function sgd_momentum_update_f32(
  p: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, wd: f64, nesterov: i32,
): void {
  const mu = <f32>momentum, fwd = <f32>wd, flr = <f32>lr;
  const vmu = f32x4.splat(mu), vwd = f32x4.splat(fwd), vlr = f32x4.splat(flr);
  const end = p + (<usize>(n & ~3) << 2);
  const last = p + (<usize>n << 2);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f32x4.add(v128.load(g), f32x4.mul(vwd, pv));
    const bv = f32x4.add(f32x4.mul(vmu, v128.load(buf)), gv);
    v128.store(buf, bv);
    const dv = nesterov ? f32x4.add(gv, f32x4.mul(vmu, bv)) : bv;
    v128.store(p, f32x4.sub(pv, f32x4.mul(vlr, dv)));
    p += 16; g += 16; buf += 16;
  }
  while (p < last) {
    const pv = load<f32>(p);
    const gv = load<f32>(g) + fwd * pv;
    const bv = mu * load<f32>(buf) + gv;
    store<f32>(buf, bv);
    store<f32>(p, pv - flr * (nesterov ? gv + mu * bv : bv));
    p += 4; g += 4; buf += 4;
  }
}

/** Adamax step (optim.ts's adamax_update) over f32 parameters and state. */
export function adamax_update_f32(
  p: usize, g: usize, m: usize, u: usize, n: i32, lr: f64, beta1: f64, beta2: f64, eps: f64, c1: f64, wd: f64,
): void {
  const b1 = <f32>beta1, b1c = <f32>(1.0 - beta1), b2 = <f32>beta2, fwd = <f32>wd, feps = <f32>eps, step = <f32>(lr * c1);
  const vb1 = f32x4.splat(b1), vb1c = f32x4.splat(b1c), vb2 = f32x4.splat(b2);
  const vwd = f32x4.splat(fwd), veps = f32x4.splat(feps), vstep = f32x4.splat(step);
  const end = p + (<usize>(n & ~3) << 2);
  const last = p + (<usize>n << 2);
  while (p < end) {
    const pv = v128.load(p);
    const gv = f32x4.add(v128.load(g), f32x4.mul(vwd, pv));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m)), f32x4.mul(vb1c, gv));
    const uv = f32x4.max(f32x4.mul(vb2, v128.load(u)), f32x4.add(f32x4.abs(gv), veps));
    v128.store(m, mv);
    v128.store(u, uv);
    v128.store(p, f32x4.sub(pv, f32x4.div(f32x4.mul(vstep, mv), uv)));
    p += 16; g += 16; m += 16; u += 16;
  }
  while (p < last) {
    const pv = load<f32>(p);
    const gv = load<f32>(g) + fwd * pv;
    const mv = b1 * load<f32>(m) + b1c * gv;
    const uv = Mathf.max(b2 * load<f32>(u), Mathf.abs(gv) + feps);
    store<f32>(m, mv);
    store<f32>(u, uv);
    store<f32>(p, pv - (step * mv) / uv);
    p += 4; g += 4; m += 4; u += 4;
  }
}
