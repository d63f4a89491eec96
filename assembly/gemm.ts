// Dense matrix products for the forward and backward passes of linear layers, row-major f64.
//   gemm_nn: C[m,n] (+)= A[m,k] · B[k,n]
//   gemm_nt: C[m,n] (+)= A[m,k] · B[n,k]ᵀ
//   gemm_tn: C[m,n] (+)= A[k,m]ᵀ · B[k,n]
// `bias` (a byte offset, 0 for none) adds bias[j] to every row; `accumulate` ≠ 0 adds to C instead of overwriting.
//
// How: C is cut into 4×4 tiles held in eight f64x2 registers while the shared dimension streams past.
// Four columns of B are first packed into PANEL (row p holds B's four values at p, contiguous, zero-padded
// past n), so all three variants share one micro-kernel that differs only in how A is strided:
// A[i,p] lives at a + i·aRow + p·aCol. The shared dimension is cut into chunks of KC so a panel fits L1;
// chunks after the first add into C. Rows past the last multiple of 4 use a one-row kernel, and a last
// panel of one or two columns a 4×2 tile.
//
// Scratch: PANEL is a fixed static buffer in the data segment (KC·4 f64 = 8 KiB) below __heap_base, so the
// host's arena never overlaps it. It makes the kernels non-reentrant, which single-threaded wasm is anyway.

import { maddF64 } from "./fma";

const KC: i32 = 256;
const PANEL: usize = memory.data(KC * 4 * 8, 16);

/** Packs B[p0..p0+kc) × columns [j0, j0+nc) into PANEL as kc rows of 4, zero-padding columns ≥ nc.
 *  B[p,j] lives at b + p·bRow + j·bCol (bCol = 8 for B[k,n], bRow = 8 for the transposed B[n,k]). */
@inline function packPanel(b: usize, bRow: usize, bCol: usize, kc: i32, nc: i32): void {
  let dst = PANEL;
  if (bCol == 8 && nc == 4) {
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(b));
      v128.store(dst, v128.load(b, 16), 16);
      b += bRow; dst += 32;
    }
  } else if (nc == 4) {
    const b1 = b + bCol, b2 = b + 2 * bCol, b3 = b + 3 * bCol;
    for (let p = 0; p < kc; p++) {
      const o = <usize>p * bRow;
      store<f64>(dst, load<f64>(b + o));
      store<f64>(dst, load<f64>(b1 + o), 8);
      store<f64>(dst, load<f64>(b2 + o), 16);
      store<f64>(dst, load<f64>(b3 + o), 24);
      dst += 32;
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const row = b + <usize>p * bRow;
      for (let j = 0; j < 4; j++) store<f64>(dst + (<usize>j << 3), j < nc ? load<f64>(row + <usize>j * bCol) : 0.0);
      dst += 32;
    }
  }
}

/** Writes one row of a tile: C[0..nc) = acc (+ C if addC) (+ bias if bias ≠ 0). */
@inline function finishRow(c: usize, lo: v128, hi: v128, nc: i32, addC: bool, bias: usize): void {
  if (nc == 4) {
    if (bias) { lo = f64x2.add(lo, v128.load(bias)); hi = f64x2.add(hi, v128.load(bias, 16)); }
    if (addC) { lo = f64x2.add(lo, v128.load(c)); hi = f64x2.add(hi, v128.load(c, 16)); }
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  let v0 = f64x2.extract_lane(lo, 0), v1 = f64x2.extract_lane(lo, 1), v2 = f64x2.extract_lane(hi, 0);
  if (bias) { v0 += load<f64>(bias); if (nc > 1) v1 += load<f64>(bias, 8); if (nc > 2) v2 += load<f64>(bias, 16); }
  if (addC) { v0 += load<f64>(c); if (nc > 1) v1 += load<f64>(c, 8); if (nc > 2) v2 += load<f64>(c, 16); }
  store<f64>(c, v0);
  if (nc > 1) store<f64>(c, v1, 8);
  if (nc > 2) store<f64>(c, v2, 16);
}

/** 4×4 tile: C rows at c, c+cRow, …; A rows at a, a+aRow, …; A advances by aCol per p. */
@inline function tile4x4(c: usize, cRow: usize, a: usize, aRow: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c00 = f64x2.splat(0.0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
  let pb = PANEL;
  const end = PANEL + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let av = v128.load64_splat(a0);
    c00 = maddF64(av, b0, c00); c01 = maddF64(av, b1, c01);
    av = v128.load64_splat(a1);
    c10 = maddF64(av, b0, c10); c11 = maddF64(av, b1, c11);
    av = v128.load64_splat(a2);
    c20 = maddF64(av, b0, c20); c21 = maddF64(av, b1, c21);
    av = v128.load64_splat(a3);
    c30 = maddF64(av, b0, c30); c31 = maddF64(av, b1, c31);
    a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol;
    pb += 32;
  }
  finishRow(c, c00, c01, nc, addC, bias);
  finishRow(c + cRow, c10, c11, nc, addC, bias);
  finishRow(c + 2 * cRow, c20, c21, nc, addC, bias);
  finishRow(c + 3 * cRow, c30, c31, nc, addC, bias);
}

/** 4×2 tile for a last panel of one or two columns: half the work of a padded 4×4 tile (n = 1, 2 layers). */
@inline function tile4x2(c: usize, cRow: usize, a: usize, aRow: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c0 = f64x2.splat(0.0), c1 = c0, c2 = c0, c3 = c0;
  let a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
  let pb = PANEL;
  const end = PANEL + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    c0 = maddF64(v128.load64_splat(a0), b0, c0);
    c1 = maddF64(v128.load64_splat(a1), b0, c1);
    c2 = maddF64(v128.load64_splat(a2), b0, c2);
    c3 = maddF64(v128.load64_splat(a3), b0, c3);
    a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol;
    pb += 32;
  }
  const zero = f64x2.splat(0.0);
  finishRow(c, c0, zero, nc, addC, bias);
  finishRow(c + cRow, c1, zero, nc, addC, bias);
  finishRow(c + 2 * cRow, c2, zero, nc, addC, bias);
  finishRow(c + 3 * cRow, c3, zero, nc, addC, bias);
}

/** 1×4 tile for the rows past the last multiple of 4. */
@inline function tile1x4(c: usize, a: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c0 = f64x2.splat(0.0), c1 = c0, d0 = c0, d1 = c0;
  let pb = PANEL;
  const end = PANEL + (<usize>kc << 5);
  const end2 = PANEL + (<usize>(kc & ~1) << 5);
  // Two independent accumulator pairs hide the add latency that a single row cannot.
  while (pb < end2) {
    const av = v128.load64_splat(a), aw = v128.load64_splat(a + aCol);
    c0 = maddF64(av, v128.load(pb), c0);
    c1 = maddF64(av, v128.load(pb, 16), c1);
    d0 = maddF64(aw, v128.load(pb, 32), d0);
    d1 = maddF64(aw, v128.load(pb, 48), d1);
    a += aCol << 1;
    pb += 64;
  }
  if (pb < end) {
    const av = v128.load64_splat(a);
    c0 = maddF64(av, v128.load(pb), c0);
    c1 = maddF64(av, v128.load(pb, 16), c1);
  }
  finishRow(c, f64x2.add(c0, d0), f64x2.add(c1, d1), nc, addC, bias);
}

/** The shared driver: A[i,p] at a + i·aRow + p·aCol, B[p,j] at b + p·bRow + j·bCol. */
@inline function gemm(
  c: usize, a: usize, aRow: usize, aCol: usize, b: usize, bRow: usize, bCol: usize,
  bias: usize, m: i32, n: i32, k: i32, accumulate: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const cRow = <usize>n << 3;
  const m4 = m & ~3;
  let p0 = 0;
  // do/while: k = 0 still initialises C from the bias (or zero).
  do {
    const kc = min(KC, k - p0);
    const first = p0 == 0;
    const addC = !first || accumulate != 0;
    for (let j0 = 0; j0 < n; j0 += 4) {
      const nc = min(4, n - j0);
      packPanel(b + <usize>p0 * bRow + <usize>j0 * bCol, bRow, bCol, kc, nc);
      const biasJ = first && bias ? bias + (<usize>j0 << 3) : 0;
      const cj = c + (<usize>j0 << 3);
      const ap = a + <usize>p0 * aCol;
      let i = 0;
      if (nc > 2) {
        for (; i < m4; i += 4) tile4x4(cj + <usize>i * cRow, cRow, ap + <usize>i * aRow, aRow, aCol, kc, nc, addC, biasJ);
      } else {
        for (; i < m4; i += 4) tile4x2(cj + <usize>i * cRow, cRow, ap + <usize>i * aRow, aRow, aCol, kc, nc, addC, biasJ);
      }
      for (; i < m; i++) {
        tile1x4(cj + <usize>i * cRow, ap + <usize>i * aRow, aCol, kc, nc, addC, biasJ);
      }
    }
    p0 += KC;
  } while (p0 < k);
}

export function gemm_nn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm(c, a, <usize>k << 3, 8, b, <usize>n << 3, 8, bias, m, n, k, accumulate);
}

export function gemm_nt(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm(c, a, <usize>k << 3, 8, b, 8, <usize>k << 3, bias, m, n, k, accumulate);
}

export function gemm_tn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm(c, a, 8, <usize>m << 3, b, <usize>n << 3, 8, bias, m, n, k, accumulate);
}
