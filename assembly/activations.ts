// Activations and the derivative products reverse mode needs (dx = dy·φ').
// Every transcendental uses the two-lane approximations of simd-math.ts (a few ulp); sin and cos fall
// back to AssemblyScript's scalar Math for |x| > 1e5 and ±Inf. An odd last element goes through the same
// two-lane code as the body (loaded into lane 0), so results never depend on an element's position.
// Each *_vjp names which primal it reads: the output y where φ' is cheapest in y (tanh, sigmoid, exp),
// the input x otherwise.
import { exp2x, log2x, sigmoid2x, sincos2x, softplus2x, tanh2x } from "./simd-math";

export function tanh_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 3);
  while (out < end) { const a = v128.load(x), b = v128.load(x, 16); v128.store(out, tanh2x(a)); v128.store(out, tanh2x(b), 16); out += 32; x += 32; }
  if (n & 2) { v128.store(out, tanh2x(v128.load(x))); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, tanh2x(v128.load64_zero(x)), 0);
}

export function sigmoid_fwd(out: usize, x: usize, n: i32): void {
  // two vectors an iteration: their independent chains overlap, and the loop's overhead is shared
  const end = out + (<usize>(n & ~3) << 3);
  while (out < end) { const a = v128.load(x), b = v128.load(x, 16); v128.store(out, sigmoid2x(a)); v128.store(out, sigmoid2x(b), 16); out += 32; x += 32; }
  if (n & 2) { v128.store(out, sigmoid2x(v128.load(x))); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, sigmoid2x(v128.load64_zero(x)), 0);
}

export function exp_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, exp2x(v128.load(x))); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, exp2x(v128.load64_zero(x)), 0);
}

export function softplus_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, softplus2x(v128.load(x))); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, softplus2x(v128.load64_zero(x)), 0);
}
export function sin_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, sincos2x(v128.load(x), false)); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, sincos2x(v128.load64_zero(x), false), 0);
}
export function cos_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, sincos2x(v128.load(x), true)); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, sincos2x(v128.load64_zero(x), true), 0);
}
export function log_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, log2x(v128.load(x))); out += 16; x += 16; }
  if (n & 1) v128.store64_lane(out, log2x(v128.load64_zero(x)), 0);
}

/** max(x, 0); NaN stays NaN (pmax returns its first operand unless it is less than the second). */
export function relu_fwd(out: usize, x: usize, n: i32): void {
  const zero = f64x2.splat(0.0);
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { v128.store(out, f64x2.pmax(v128.load(x), zero)); out += 16; x += 16; }
  if (n & 1) { const v = load<f64>(x); store<f64>(out, v < 0 ? 0.0 : v); }
}

export function square_fwd(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  while (out < end) { const v = v128.load(x); v128.store(out, f64x2.mul(v, v)); out += 16; x += 16; }
  if (n & 1) { const v = load<f64>(x); store<f64>(out, v * v); }
}

/** dx = dy·(1 − y²), y = tanh(x) */
export function tanh_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  const one = f64x2.splat(1.0);
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    const v = v128.load(y);
    v128.store(dx, f64x2.mul(v128.load(dy), f64x2.sub(one, f64x2.mul(v, v))));
    dx += 16; y += 16; dy += 16;
  }
  if (n & 1) { const v = load<f64>(y); store<f64>(dx, load<f64>(dy) * (1.0 - v * v)); }
}

/** dx = dy·y·(1 − y), y = sigmoid(x) */
export function sigmoid_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  const one = f64x2.splat(1.0);
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    const v = v128.load(y);
    v128.store(dx, f64x2.mul(f64x2.mul(v128.load(dy), v), f64x2.sub(one, v)));
    dx += 16; y += 16; dy += 16;
  }
  if (n & 1) { const v = load<f64>(y); store<f64>(dx, load<f64>(dy) * v * (1.0 - v)); }
}

/** dx = dy·sigmoid(x) */
export function softplus_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.mul(v128.load(dy), sigmoid2x(v128.load(x))));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) v128.store64_lane(dx, f64x2.mul(v128.load64_zero(dy), sigmoid2x(v128.load64_zero(x))), 0);
}

/** dx = dy·[x > 0] (the subgradient 0 at x = 0; NaN in x gives 0, NaN in dy passes through where x > 0) */
export function relu_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const zero = f64x2.splat(0.0);
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, v128.and(v128.load(dy), f64x2.gt(v128.load(x), zero)));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) store<f64>(dx, load<f64>(x) > 0 ? load<f64>(dy) : 0.0);
}

/** dx = dy·cos(x) */
export function sin_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.mul(v128.load(dy), sincos2x(v128.load(x), true)));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) v128.store64_lane(dx, f64x2.mul(v128.load64_zero(dy), sincos2x(v128.load64_zero(x), true)), 0);
}

/** dx = −dy·sin(x) */
export function cos_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.neg(f64x2.mul(v128.load(dy), sincos2x(v128.load(x), false))));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) v128.store64_lane(dx, f64x2.neg(f64x2.mul(v128.load64_zero(dy), sincos2x(v128.load64_zero(x), false))), 0);
}

/** dx = dy·y, y = exp(x) */
export function exp_vjp(dx: usize, y: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.mul(v128.load(dy), v128.load(y)));
    dx += 16; y += 16; dy += 16;
  }
  if (n & 1) store<f64>(dx, load<f64>(dy) * load<f64>(y));
}

/** dx = dy / x */
export function log_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.div(v128.load(dy), v128.load(x)));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) store<f64>(dx, load<f64>(dy) / load<f64>(x));
}

/** dx = 2·x·dy */
export function square_vjp(dx: usize, x: usize, dy: usize, n: i32): void {
  const two = f64x2.splat(2.0);
  const end = dx + (<usize>(n & ~1) << 3);
  while (dx < end) {
    v128.store(dx, f64x2.mul(f64x2.mul(two, v128.load(x)), v128.load(dy)));
    dx += 16; x += 16; dy += 16;
  }
  if (n & 1) store<f64>(dx, 2.0 * load<f64>(x) * load<f64>(dy));
}
