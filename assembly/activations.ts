// Activations and the derivative products reverse mode needs (dx = dy·φ').
// Transcendentals have no SIMD instruction, so those loops are scalar; relu and square use f64x2.
// Each *_vjp names which primal it reads: the output y where φ' is cheapest in y (tanh, sigmoid, exp),
// the input x otherwise.

@inline function sigmoidScalar(x: f64): f64 {
  // Two branches keep exp's argument ≤ 0, so large |x| neither overflows nor loses the small tail.
  if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1.0 + e);
}

@inline function softplusScalar(x: f64): f64 {
  return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function tanh_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Math.tanh(load<f64>(x + (<usize>i << 3))));
}
export function sigmoid_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), sigmoidScalar(load<f64>(x + (<usize>i << 3))));
}
export function softplus_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), softplusScalar(load<f64>(x + (<usize>i << 3))));
}
export function sin_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Math.sin(load<f64>(x + (<usize>i << 3))));
}
export function cos_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Math.cos(load<f64>(x + (<usize>i << 3))));
}
export function exp_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Math.exp(load<f64>(x + (<usize>i << 3))));
}
export function log_fwd(out: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), Math.log(load<f64>(x + (<usize>i << 3))));
}

export function relu_fwd(out: usize, x: usize, n: i32): void {
  const zero = f64x2.splat(0.0);
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, f64x2.pmax(zero, v128.load(x)));
    out += 16; x += 16;
  }
  if (out < last) { const v = load<f64>(x); store<f64>(out, v > 0 ? v : 0.0); }
}

export function square_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    const v = v128.load(x);
    v128.store(out, f64x2.mul(v, v));
    out += 16; x += 16;
  }
  if (out < last) { const v = load<f64>(x); store<f64>(out, v * v); }
}

/** dx = dy·(1 − y²), y = tanh(x) */
export function tanh_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const v = load<f64>(y + o);
    store<f64>(dx + o, load<f64>(dy + o) * (1.0 - v * v));
  }
}
/** dx = dy·y·(1 − y), y = sigmoid(x) */
export function sigmoid_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const v = load<f64>(y + o);
    store<f64>(dx + o, load<f64>(dy + o) * v * (1.0 - v));
  }
}
/** dx = dy·sigmoid(x) */
export function softplus_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, load<f64>(dy + o) * sigmoidScalar(load<f64>(x + o)));
  }
}
/** dx = dy·[x > 0] */
export function relu_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, load<f64>(x + o) > 0 ? load<f64>(dy + o) : 0.0);
  }
}
/** dx = dy·cos(x) */
export function sin_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, load<f64>(dy + o) * Math.cos(load<f64>(x + o)));
  }
}
/** dx = −dy·sin(x) */
export function cos_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, -load<f64>(dy + o) * Math.sin(load<f64>(x + o)));
  }
}
/** dx = dy·y, y = exp(x) */
export function exp_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, load<f64>(dy + o) * load<f64>(y + o));
  }
}
/** dx = dy / x */
export function log_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, load<f64>(dy + o) / load<f64>(x + o));
  }
}
/** dx = 2·x·dy */
export function square_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(dx + o, 2.0 * load<f64>(x + o) * load<f64>(dy + o));
  }
}
