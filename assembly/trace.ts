// Row-wise kernels for trace estimators of a batched Jacobian (the CNF log-density): the rows of a
// [rows, cols] matrix are examples. Hutchinson's εᵀ(∂f/∂z)ε is a row-wise dot product (and its reverse
// a row-wise scaling); the exact trace runs D directions at once as D copies of each row, so it needs
// rows repeated (and the reverse: summed back per group) and the diagonals of the [D, D] blocks.
// ABI as everywhere: byte offsets, i32 sizes, no allocation; outputs must not alias inputs.

import { axpy } from "./elementwise";

/** out[r] = scale·Σ_c a[r, c]·b[r, c] */
export function row_dot(out: usize, a: usize, b: usize, scale: f64, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 3;
  for (let r: i32 = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    let acc = f64x2.splat(0.0);
    let c: i32 = 0;
    for (; c + 1 < cols; c += 2) {
      const o = off + (<usize>c << 3);
      acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    }
    let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    if (c < cols) {
      const o = off + (<usize>c << 3);
      s += load<f64>(a + o) * load<f64>(b + o);
    }
    store<f64>(out + (<usize>r << 3), scale * s);
  }
}

/** out[r, :] += scale·s[r]·x[r, :] (the reverse of row_dot in either argument) */
export function scale_rows_add(out: usize, x: usize, s: usize, scale: f64, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 3;
  for (let r: i32 = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    axpy(out + off, scale * load<f64>(s + (<usize>r << 3)), x + off, cols);
  }
}

/** out[r·times + j, :] = x[r, :] for j < times: each row repeated `times` times in place order */
export function repeat_rows(out: usize, x: usize, rows: i32, cols: i32, times: i32): void {
  const rowBytes = <usize>cols << 3;
  for (let r: i32 = 0; r < rows; r++) {
    const src = x + <usize>r * rowBytes;
    for (let j: i32 = 0; j < times; j++) memory.copy(out + (<usize>(r * times + j)) * rowBytes, src, rowBytes);
  }
}

/** out[r, :] += Σ_{j < times} x[r·times + j, :] (the reverse of repeat_rows) */
export function sum_row_groups(out: usize, x: usize, rows: i32, cols: i32, times: i32): void {
  const rowBytes = <usize>cols << 3;
  for (let r: i32 = 0; r < rows; r++) {
    const dst = out + <usize>r * rowBytes;
    for (let j: i32 = 0; j < times; j++) axpy(dst, 1.0, x + (<usize>(r * times + j)) * rowBytes, cols);
  }
}

/** out[b] = scale·Σ_{i < d} m[b·d + i, i] for a [blocks·d, d] matrix m: the traces of its [d, d] blocks */
export function block_diagonal_sum(out: usize, m: usize, scale: f64, blocks: i32, d: i32): void {
  const stride = <usize>(d + 1) << 3; // from (row, i) to (row + 1, i + 1)
  for (let b: i32 = 0; b < blocks; b++) {
    let p = m + (<usize>b * <usize>d * <usize>d << 3);
    let s: f64 = 0;
    for (let i: i32 = 0; i < d; i++) {
      s += load<f64>(p);
      p += stride;
    }
    store<f64>(out + (<usize>b << 3), scale * s);
  }
}

/**
 * m[b·d + i, i] += scale·s[b] for every i < d (s = 0, the null pointer: scale·1): the reverse of
 * block_diagonal_sum, and with s = 0 on a zeroed m the stacked identity directions e_i.
 */
export function block_diagonal_add(m: usize, s: usize, scale: f64, blocks: i32, d: i32): void {
  const stride = <usize>(d + 1) << 3;
  for (let b: i32 = 0; b < blocks; b++) {
    const v = s == 0 ? scale : scale * load<f64>(s + (<usize>b << 3));
    let p = m + (<usize>b * <usize>d * <usize>d << 3);
    for (let i: i32 = 0; i < d; i++) {
      store<f64>(p, load<f64>(p) + v);
      p += stride;
    }
  }
}
