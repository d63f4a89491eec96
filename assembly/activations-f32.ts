// f32 activations and their derivative products (dx = dy·φ'), the twins of activations.ts for f32
// tensors. Four lanes; the last n mod 4 elements go one at a time through lane 0 of the same code, so a
// result never depends on an element's position. Which primal each *_vjp reads is as in activations.ts.
// sin, cos and log evaluate in f64 (simd-math-f32-wide.ts), their vjps too; softplus is f32 (simd-math-f32.ts).
// (Each loop is written out: AssemblyScript calls a function passed as a value indirectly, per element.)
import { exp4f, sigmoid4f, softplus4f, tanh4f } from "./simd-math-f32";
import { log4fWide, sincos4fWide } from "./simd-math-f32-wide";

export function tanh_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~7) << 2);
  const last = out + (<usize>n << 2);
  // two vectors an iteration: their independent chains overlap, and the loop's overhead is shared
  while (out < end) { const a = v128.load(x), b = v128.load(x, 16); v128.store(out, tanh4f(a)); v128.store(out, tanh4f(b), 16); out += 32; x += 32; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, tanh4f(v), 0); out += 4; x += 4; }
}

export function sigmoid_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~7) << 2);
  const last = out + (<usize>n << 2);
  // two vectors an iteration: their independent chains overlap, and the loop's overhead is shared
  while (out < end) { const a = v128.load(x), b = v128.load(x, 16); v128.store(out, sigmoid4f(a)); v128.store(out, sigmoid4f(b), 16); out += 32; x += 32; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, sigmoid4f(v), 0); out += 4; x += 4; }
}

export function exp_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, exp4f(v)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, exp4f(v), 0); out += 4; x += 4; }
}

/** max(x, 0); NaN stays NaN */
export function relu_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, f32x4.pmax(v, f32x4.splat(0))); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, f32x4.pmax(v, f32x4.splat(0)), 0); out += 4; x += 4; }
}

/** dx = dy·(1 − y²), y = tanh(x) (p = y) */
export function tanh_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(g, f32x4.sub(f32x4.splat(1), f32x4.mul(v, v)))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(g, f32x4.sub(f32x4.splat(1), f32x4.mul(v, v))), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = dy·y·(1 − y), y = sigmoid(x) (p = y) */
export function sigmoid_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(f32x4.mul(g, v), f32x4.sub(f32x4.splat(1), v))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(f32x4.mul(g, v), f32x4.sub(f32x4.splat(1), v)), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = dy·y, y = exp(x) (p = y) */
export function exp_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(g, v)); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(g, v), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = dy·[x > 0] (p = x) */
export function relu_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, v128.and(g, f32x4.gt(v, f32x4.splat(0)))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, v128.and(g, f32x4.gt(v, f32x4.splat(0))), 0); dx += 4; p += 4; dy += 4; }
}

export function softplus_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, softplus4f(v)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, softplus4f(v), 0); out += 4; x += 4; }
}

export function sin_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, sincos4fWide(v, false)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, sincos4fWide(v, false), 0); out += 4; x += 4; }
}

export function cos_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, sincos4fWide(v, true)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, sincos4fWide(v, true), 0); out += 4; x += 4; }
}

export function log_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, log4fWide(v)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, log4fWide(v), 0); out += 4; x += 4; }
}

export function square_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, f32x4.mul(v, v)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, f32x4.mul(v, v), 0); out += 4; x += 4; }
}

/** dx = dy·sigmoid(x) (p = x) */
export function softplus_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(g, sigmoid4f(v))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(g, sigmoid4f(v)), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = dy·cos(x) (p = x) */
export function sin_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(g, sincos4fWide(v, true))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(g, sincos4fWide(v, true)), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = −dy·sin(x) (p = x) */
export function cos_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.neg(f32x4.mul(g, sincos4fWide(v, false)))); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.neg(f32x4.mul(g, sincos4fWide(v, false))), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = dy / x (p = x) */
export function log_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.div(g, v)); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.div(g, v), 0); dx += 4; p += 4; dy += 4; }
}

/** dx = 2·x·dy (p = x) */
export function square_vjp_f32(dx: usize, p: usize, dy: usize, n: i32): void {
  const end = dx + (<usize>(n & ~3) << 2);
  const last = dx + (<usize>n << 2);
  while (dx < end) { const v = v128.load(p), g = v128.load(dy); v128.store(dx, f32x4.mul(f32x4.mul(f32x4.splat(2), v), g)); dx += 16; p += 16; dy += 16; }
  while (dx < last) { const v = v128.load32_zero(p), g = v128.load32_zero(dy); v128.store32_lane(dx, f32x4.mul(f32x4.mul(f32x4.splat(2), v), g), 0); dx += 4; p += 4; dy += 4; }
}
