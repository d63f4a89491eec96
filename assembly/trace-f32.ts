// The f32 twins of trace.ts (row-wise kernels of the trace estimators). Row dot products and block traces
// are summed in f64 (they are the log-density's terms) and stored as f32; the rest is f32 throughout.
// Outputs must not alias inputs.

import { axpy_f32 } from "./elementwise-f32";

/** out[r] = scale·Σ_c a[r, c]·b[r, c], products and sum in f64, rounded once */
export function row_dot_f32(out: usize, a: usize, b: usize, scale: f64, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r: i32 = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    let acc0 = f64x2.splat(0.0), acc1 = f64x2.splat(0.0);
    let c: i32 = 0;
    for (; c + 3 < cols; c += 4) {
      const o = off + (<usize>c << 2);
      const va = v128.load(a + o), vb = v128.load(b + o);
      acc0 = f64x2.add(acc0, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb)));
      acc1 = f64x2.add(acc1, f64x2.mul(
        f64x2.promote_low_f32x4(i32x4.shuffle(va, va, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(vb, vb, 2, 3, 0, 1))));
    }
    const acc = f64x2.add(acc0, acc1);
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; c < cols; c++) {
      const o = off + (<usize>c << 2);
      s += <f64>load<f32>(a + o) * <f64>load<f32>(b + o);
    }
    store<f32>(out + (<usize>r << 2), <f32>(scale * s));
  }
}

/** out[r, :] += scale·s[r]·x[r, :] (scale·s[r] formed in f64, rounded once) */
export function scale_rows_add_f32(out: usize, x: usize, s: usize, scale: f64, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r: i32 = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    axpy_f32(out + off, scale * <f64>load<f32>(s + (<usize>r << 2)), x + off, cols);
  }
}

/** out[r·times + j, :] = x[r, :] for j < times */
export function repeat_rows_f32(out: usize, x: usize, rows: i32, cols: i32, times: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r: i32 = 0; r < rows; r++) {
    const src = x + <usize>r * rowBytes;
    for (let j: i32 = 0; j < times; j++) memory.copy(out + (<usize>(r * times + j)) * rowBytes, src, rowBytes);
  }
}

/** out[r, :] += Σ_{j < times} x[r·times + j, :] (in f32, j in order) */
export function sum_row_groups_f32(out: usize, x: usize, rows: i32, cols: i32, times: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r: i32 = 0; r < rows; r++) {
    const dst = out + <usize>r * rowBytes;
    for (let j: i32 = 0; j < times; j++) axpy_f32(dst, 1.0, x + (<usize>(r * times + j)) * rowBytes, cols);
  }
}

/** out[b] = scale·Σ_{i < d} m[b·d + i, i], summed in f64 */
export function block_diagonal_sum_f32(out: usize, m: usize, scale: f64, blocks: i32, d: i32): void {
  const stride = <usize>(d + 1) << 2;
  for (let b: i32 = 0; b < blocks; b++) {
    let p = m + (<usize>b * <usize>d * <usize>d << 2);
    let s: f64 = 0;
    for (let i: i32 = 0; i < d; i++) {
      s += <f64>load<f32>(p);
      p += stride;
    }
    store<f32>(out + (<usize>b << 2), <f32>(scale * s));
  }
}

/** m[b·d + i, i] += scale·s[b] for every i < d (s = 0: scale), the increment rounded to f32 once */
export function block_diagonal_add_f32(m: usize, s: usize, scale: f64, blocks: i32, d: i32): void {
  const stride = <usize>(d + 1) << 2;
  for (let b: i32 = 0; b < blocks; b++) {
    const v = <f32>(s == 0 ? scale : scale * <f64>load<f32>(s + (<usize>b << 2)));
    let p = m + (<usize>b * <usize>d * <usize>d << 2);
    for (let i: i32 = 0; i < d; i++) {
      store<f32>(p, load<f32>(p) + v);
      p += stride;
    }
  }
}
