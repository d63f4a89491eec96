// f32 activations and their derivative products (dx = dy·φ'), the twins of activations.ts for f32
// tensors. Four lanes; the last n mod 4 elements go one at a time through lane 0 of the same code, so a
// result never depends on an element's position. Which primal each *_vjp reads is as in activations.ts.
// (Each loop is written out: AssemblyScript calls a function passed as a value indirectly, per element.)
import { exp4f, sigmoid4f, tanh4f } from "./simd-math-f32";

export function tanh_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, tanh4f(v)); out += 16; x += 16; }
  while (out < last) { const v = v128.load32_zero(x); v128.store32_lane(out, tanh4f(v), 0); out += 4; x += 4; }
}

export function sigmoid_fwd_f32(out: usize, x: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { const v = v128.load(x); v128.store(out, sigmoid4f(v)); out += 16; x += 16; }
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
