// The f32 twins of elementwise.ts: four f32 lanes for the body, a scalar tail for the last n mod 4.
// Scalars (s, alpha, value) arrive as f64 and are rounded to f32 once per call.

export function add_f32(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { v128.store(out, f32x4.add(v128.load(a), v128.load(b))); out += 16; a += 16; b += 16; }
  while (out < last) { store<f32>(out, load<f32>(a) + load<f32>(b)); out += 4; a += 4; b += 4; }
}

export function sub_f32(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { v128.store(out, f32x4.sub(v128.load(a), v128.load(b))); out += 16; a += 16; b += 16; }
  while (out < last) { store<f32>(out, load<f32>(a) - load<f32>(b)); out += 4; a += 4; b += 4; }
}

export function mul_f32(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { v128.store(out, f32x4.mul(v128.load(a), v128.load(b))); out += 16; a += 16; b += 16; }
  while (out < last) { store<f32>(out, load<f32>(a) * load<f32>(b)); out += 4; a += 4; b += 4; }
}

/** out = s·a */
export function scale_f32(out: usize, a: usize, s: f64, n: i32): void {
  const sf = <f32>s;
  const sv = f32x4.splat(sf);
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { v128.store(out, f32x4.mul(v128.load(a), sv)); out += 16; a += 16; }
  while (out < last) { store<f32>(out, load<f32>(a) * sf); out += 4; a += 4; }
}

/** y += alpha·x (product then sum, two roundings, as the f64 kernel) */
export function axpy_f32(y: usize, alpha: f64, x: usize, n: i32): void {
  const af = <f32>alpha;
  const av = f32x4.splat(af);
  const end = y + (<usize>(n & ~3) << 2);
  const last = y + (<usize>n << 2);
  while (y < end) { v128.store(y, f32x4.add(v128.load(y), f32x4.mul(av, v128.load(x)))); y += 16; x += 16; }
  while (y < last) { store<f32>(y, load<f32>(y) + af * load<f32>(x)); y += 4; x += 4; }
}

export function fill_f32(out: usize, value: f64, n: i32): void {
  const vf = <f32>value;
  const v = f32x4.splat(vf);
  const end = out + (<usize>(n & ~3) << 2);
  const last = out + (<usize>n << 2);
  while (out < end) { v128.store(out, v); out += 16; }
  while (out < last) { store<f32>(out, vf); out += 4; }
}

export function copy_f32(out: usize, a: usize, n: i32): void {
  memory.copy(out, a, <usize>n << 2);
}
