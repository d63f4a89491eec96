// Elementwise arithmetic on f64 arrays: f64x2 lanes for the body, a scalar tail for odd lengths.
// Pointers need not be 16-byte aligned (wasm loads tolerate misalignment); the arena aligns them anyway.

export function add(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, f64x2.add(v128.load(a), v128.load(b)));
    out += 16; a += 16; b += 16;
  }
  if (out < last) store<f64>(out, load<f64>(a) + load<f64>(b));
}

export function sub(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, f64x2.sub(v128.load(a), v128.load(b)));
    out += 16; a += 16; b += 16;
  }
  if (out < last) store<f64>(out, load<f64>(a) - load<f64>(b));
}

export function mul(out: usize, a: usize, b: usize, n: i32): void {
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, f64x2.mul(v128.load(a), v128.load(b)));
    out += 16; a += 16; b += 16;
  }
  if (out < last) store<f64>(out, load<f64>(a) * load<f64>(b));
}

/** out = s·a */
export function scale(out: usize, a: usize, s: f64, n: i32): void {
  const sv = f64x2.splat(s);
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, f64x2.mul(v128.load(a), sv));
    out += 16; a += 16;
  }
  if (out < last) store<f64>(out, load<f64>(a) * s);
}

/** y += alpha·x */
export function axpy(y: usize, alpha: f64, x: usize, n: i32): void {
  const av = f64x2.splat(alpha);
  const end = y + (<usize>(n & ~1) << 3);
  const last = y + (<usize>n << 3);
  while (y < end) {
    v128.store(y, f64x2.add(v128.load(y), f64x2.mul(av, v128.load(x))));
    y += 16; x += 16;
  }
  if (y < last) store<f64>(y, load<f64>(y) + alpha * load<f64>(x));
}

export function fill(out: usize, value: f64, n: i32): void {
  const v = f64x2.splat(value);
  const end = out + (<usize>(n & ~1) << 3);
  const last = out + (<usize>n << 3);
  while (out < end) {
    v128.store(out, v);
    out += 16;
  }
  if (out < last) store<f64>(out, value);
}

export function copy(out: usize, a: usize, n: i32): void {
  memory.copy(out, a, <usize>n << 3);
}
