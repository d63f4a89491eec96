// The f32 twins of rk.ts: the stage sum y + h·Σ c_j k_j over f32 states, and the error ratio, whose
// terms are computed and summed in f64 (an f32 sum of 10⁵ squares would lose digits the controller reads).
// The term table is rk.ts's: [c_0, ptr_0, …] as f64, pointers to f32 stage buffers. h·c_j is formed in
// f64 and rounded to f32 once.

const BLOCK: i32 = 1024;

/** out = y + h·Σ_j c_j k_j, or h·Σ_j c_j k_j when y = 0; out may alias y, not any k_j. */
export function rk_stage_sum_f32(out: usize, y: usize, h: f64, terms: usize, count: i32, n: i32): void {
  if (count <= 0) {
    if (y == 0) memory.fill(out, 0, <usize>n << 2);
    else if (y != out) memory.copy(out, y, <usize>n << 2);
    return;
  }
  for (let start: i32 = 0; start < n; start += BLOCK) {
    const len = min(BLOCK, n - start);
    const offset = <usize>start << 2;
    for (let j: i32 = 0; j < count; j++) {
      const entry = terms + (<usize>j << 4);
      const c = <f32>(h * load<f64>(entry));
      const k = (<usize>load<f64>(entry, 8)) + offset;
      // the first term starts from y (or zero); later terms add into out
      const base: usize = j == 0 ? (y == 0 ? <usize>0 : y + offset) : out + offset;
      axpyInto(out + offset, base, c, k, len);
    }
  }
}

/** o = b + c·k (b = 0: o = c·k), f32x4 body and a scalar tail. */
// @ts-ignore: decorator
@inline function axpyInto(o: usize, b: usize, c: f32, k: usize, len: i32): void {
  const cv = f32x4.splat(c);
  const end = o + (<usize>(len & ~3) << 2);
  const last = o + (<usize>len << 2);
  if (b == 0) {
    while (o < end) { v128.store(o, f32x4.mul(cv, v128.load(k))); o += 16; k += 16; }
    while (o < last) { store<f32>(o, c * load<f32>(k)); o += 4; k += 4; }
  } else {
    while (o < end) { v128.store(o, f32x4.add(v128.load(b), f32x4.mul(cv, v128.load(k)))); o += 16; b += 16; k += 16; }
    while (o < last) { store<f32>(o, load<f32>(b) + c * load<f32>(k)); o += 4; b += 4; k += 4; }
  }
}

/**
 * sqrt((1/n) Σ (err_i / (atol_i + rtol·max(|y0_i|, |y1_i|)))²) over f32 arrays, every term in f64;
 * atolVec (f32) when ≠ 0, else atol. NaN when any err_i or y1_i is NaN or ±Inf (as rk_error_ratio).
 */
export function rk_error_ratio_f32(err: usize, y0: usize, y1: usize, atol: f64, atolVec: usize, rtol: f64, n: i32): f64 {
  if (n <= 0) return 0;
  const rv = f64x2.splat(rtol);
  let acc = f64x2.splat(0.0);
  let tlo = f64x2.splat(atol), thi = tlo;
  const quads = n >> 2;
  for (let q: i32 = 0; q < quads; q++) {
    const off = <usize>q << 4;
    const a = v128.load(y0 + off), b = v128.load(y1 + off), e = v128.load(err + off);
    if (atolVec != 0) {
      const t = v128.load(atolVec + off);
      tlo = f64x2.promote_low_f32x4(t);
      thi = f64x2.promote_low_f32x4(i32x4.shuffle(t, t, 2, 3, 0, 1));
    }
    acc = f64x2.add(acc, ratioTerm(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b), f64x2.promote_low_f32x4(e), tlo, rv));
    acc = f64x2.add(acc, ratioTerm(
      f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 0, 1)),
      f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1)), thi, rv));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (let i: i32 = quads << 2; i < n; i++) {
    const off = <usize>i << 2;
    const a = <f64>load<f32>(y0 + off), b = <f64>load<f32>(y1 + off);
    const t = atolVec != 0 ? <f64>load<f32>(atolVec + off) : atol;
    const r = <f64>load<f32>(err + off) / (t + rtol * max(abs(a), abs(b)));
    s += r * r + ((b - b) + (r - r));
  }
  return sqrt(s / <f64>n);
}

/** r² + (y1 − y1) + (r − r): r² when both are finite, NaN otherwise (see rk_error_ratio). */
// @ts-ignore: decorator
@inline function ratioTerm(a: v128, b: v128, e: v128, tol: v128, rv: v128): v128 {
  const scale = f64x2.add(tol, f64x2.mul(rv, f64x2.max(f64x2.abs(a), f64x2.abs(b))));
  const r = f64x2.div(e, scale);
  return f64x2.add(f64x2.mul(r, r), f64x2.add(f64x2.sub(b, b), f64x2.sub(r, r)));
}
