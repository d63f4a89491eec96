// The f32 twins of gemm.ts's products, row-major f32 (bias f32 too), same ABI and semantics:
//   gemm_nn_f32: C[m,n] (+)= A[m,k]·B[k,n];  gemm_nt_f32: A[m,k]·B[n,k]ᵀ;  gemm_tn_f32: A[k,m]ᵀ·B[k,n].
// How: 4×8 tiles of C in eight f32x4 registers (twice gemm.ts's values per register, the same register
// count), over packed 8-column panels of B; a last panel of ≤ 4 columns uses a 4×4 tile, rows past the
// last multiple of 4 a 1×8 tile. Products are summed in f32 in the order p = 0, 1, … per chunk of KC.
// Scratch: PANEL32, a static buffer below __heap_base (KC·8 f32 = 8 KiB); not re-entrant, like gemm.ts.

import { maddF32 } from "./fma";

const KC: i32 = 256;
const PANEL32: usize = memory.data(KC * 8 * 4, 16);

/** Packs B[p0..p0+kc) × columns [j0, j0+nc) into PANEL32 as kc rows of 8, zero-padding columns ≥ nc. */
@inline function packPanel(b: usize, bRow: usize, bCol: usize, kc: i32, nc: i32): void {
  let dst = PANEL32;
  if (bCol == 4 && nc == 8) {
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(b));
      v128.store(dst, v128.load(b, 16), 16);
      b += bRow; dst += 32;
    }
  } else if (nc == 8) {
    // B transposed (nt): eight strided columns, unrolled (the generic loop below costs ~15 % of a product)
    const b1 = b + bCol, b2 = b + 2 * bCol, b3 = b + 3 * bCol, b4 = b + 4 * bCol, b5 = b + 5 * bCol, b6 = b + 6 * bCol, b7 = b + 7 * bCol;
    for (let p = 0; p < kc; p++) {
      const o = <usize>p * bRow;
      store<f32>(dst, load<f32>(b + o));
      store<f32>(dst, load<f32>(b1 + o), 4);
      store<f32>(dst, load<f32>(b2 + o), 8);
      store<f32>(dst, load<f32>(b3 + o), 12);
      store<f32>(dst, load<f32>(b4 + o), 16);
      store<f32>(dst, load<f32>(b5 + o), 20);
      store<f32>(dst, load<f32>(b6 + o), 24);
      store<f32>(dst, load<f32>(b7 + o), 28);
      dst += 32;
    }
  } else {
    for (let p = 0; p < kc; p++) {
      const row = b + <usize>p * bRow;
      for (let j = 0; j < 8; j++) store<f32>(dst + (<usize>j << 2), j < nc ? load<f32>(row + <usize>j * bCol) : 0);
      dst += 32;
    }
  }
}

/** C[0..nc) of one row = acc (lo: columns 0–3, hi: 4–7) (+ C if addC) (+ bias if bias ≠ 0). */
@inline function finishRow(c: usize, lo: v128, hi: v128, nc: i32, addC: bool, bias: usize): void {
  if (nc == 8) {
    if (bias) { lo = f32x4.add(lo, v128.load(bias)); hi = f32x4.add(hi, v128.load(bias, 16)); }
    if (addC) { lo = f32x4.add(lo, v128.load(c)); hi = f32x4.add(hi, v128.load(c, 16)); }
    v128.store(c, lo);
    v128.store(c, hi, 16);
    return;
  }
  if (nc == 4) {
    if (bias) lo = f32x4.add(lo, v128.load(bias));
    if (addC) lo = f32x4.add(lo, v128.load(c));
    v128.store(c, lo);
    return;
  }
  // A ragged last panel: spill to scalars (rare: once per row per product).
  for (let j = 0; j < nc; j++) {
    let v: f32 = j < 4 ? f32x4.extract_lane(lo, 0) : 0;
    switch (j) {
      case 1: v = f32x4.extract_lane(lo, 1); break;
      case 2: v = f32x4.extract_lane(lo, 2); break;
      case 3: v = f32x4.extract_lane(lo, 3); break;
      case 4: v = f32x4.extract_lane(hi, 0); break;
      case 5: v = f32x4.extract_lane(hi, 1); break;
      case 6: v = f32x4.extract_lane(hi, 2); break;
      case 7: v = f32x4.extract_lane(hi, 3); break;
    }
    const o = <usize>j << 2;
    if (bias) v += load<f32>(bias + o);
    if (addC) v += load<f32>(c + o);
    store<f32>(c + o, v);
  }
}

/** 4×8 tile: C rows at c, c+cRow, …; A rows at a, a+aRow, …; A advances by aCol per p. */
@inline function tile4x8(c: usize, cRow: usize, a: usize, aRow: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  let a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
  let pb = PANEL32;
  const end = PANEL32 + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let av = v128.load32_splat(a0);
    c00 = maddF32(av, b0, c00); c01 = maddF32(av, b1, c01);
    av = v128.load32_splat(a1);
    c10 = maddF32(av, b0, c10); c11 = maddF32(av, b1, c11);
    av = v128.load32_splat(a2);
    c20 = maddF32(av, b0, c20); c21 = maddF32(av, b1, c21);
    av = v128.load32_splat(a3);
    c30 = maddF32(av, b0, c30); c31 = maddF32(av, b1, c31);
    a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol;
    pb += 32;
  }
  finishRow(c, c00, c01, nc, addC, bias);
  finishRow(c + cRow, c10, c11, nc, addC, bias);
  finishRow(c + 2 * cRow, c20, c21, nc, addC, bias);
  finishRow(c + 3 * cRow, c30, c31, nc, addC, bias);
}

/** 4×4 tile for a last panel of at most four columns (n = 1, 2 layers): half the work of a padded 4×8. */
@inline function tile4x4(c: usize, cRow: usize, a: usize, aRow: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
  let pb = PANEL32;
  const end = PANEL32 + (<usize>kc << 5);
  while (pb < end) {
    const b0 = v128.load(pb);
    c0 = maddF32(v128.load32_splat(a0), b0, c0);
    c1 = maddF32(v128.load32_splat(a1), b0, c1);
    c2 = maddF32(v128.load32_splat(a2), b0, c2);
    c3 = maddF32(v128.load32_splat(a3), b0, c3);
    a0 += aCol; a1 += aCol; a2 += aCol; a3 += aCol;
    pb += 32;
  }
  const zero = f32x4.splat(0);
  finishRow(c, c0, zero, nc, addC, bias);
  finishRow(c + cRow, c1, zero, nc, addC, bias);
  finishRow(c + 2 * cRow, c2, zero, nc, addC, bias);
  finishRow(c + 3 * cRow, c3, zero, nc, addC, bias);
}

/** 1×8 tile for the rows past the last multiple of 4; two accumulator pairs hide the add latency. */
@inline function tile1x8(c: usize, a: usize, aCol: usize, kc: i32, nc: i32, addC: bool, bias: usize): void {
  let c0 = f32x4.splat(0), c1 = c0, d0 = c0, d1 = c0;
  let pb = PANEL32;
  const end = PANEL32 + (<usize>kc << 5);
  const end2 = PANEL32 + (<usize>(kc & ~1) << 5);
  while (pb < end2) {
    const av = v128.load32_splat(a), aw = v128.load32_splat(a + aCol);
    c0 = maddF32(av, v128.load(pb), c0);
    c1 = maddF32(av, v128.load(pb, 16), c1);
    d0 = maddF32(aw, v128.load(pb, 32), d0);
    d1 = maddF32(aw, v128.load(pb, 48), d1);
    a += aCol << 1;
    pb += 64;
  }
  if (pb < end) {
    const av = v128.load32_splat(a);
    c0 = maddF32(av, v128.load(pb), c0);
    c1 = maddF32(av, v128.load(pb, 16), c1);
  }
  finishRow(c, f32x4.add(c0, d0), f32x4.add(c1, d1), nc, addC, bias);
}

/** The shared driver: A[i,p] at a + i·aRow + p·aCol, B[p,j] at b + p·bRow + j·bCol (bytes). */
@inline function gemm32(
  c: usize, a: usize, aRow: usize, aCol: usize, b: usize, bRow: usize, bCol: usize,
  bias: usize, m: i32, n: i32, k: i32, accumulate: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const cRow = <usize>n << 2;
  const m4 = m & ~3;
  let p0 = 0;
  do {
    const kc = min(KC, k - p0);
    const first = p0 == 0;
    const addC = !first || accumulate != 0;
    for (let j0 = 0; j0 < n; j0 += 8) {
      const nc = min(8, n - j0);
      packPanel(b + <usize>p0 * bRow + <usize>j0 * bCol, bRow, bCol, kc, nc);
      const biasJ = first && bias ? bias + (<usize>j0 << 2) : 0;
      const cj = c + (<usize>j0 << 2);
      const ap = a + <usize>p0 * aCol;
      let i = 0;
      if (nc > 4) {
        for (; i < m4; i += 4) tile4x8(cj + <usize>i * cRow, cRow, ap + <usize>i * aRow, aRow, aCol, kc, nc, addC, biasJ);
      } else {
        for (; i < m4; i += 4) tile4x4(cj + <usize>i * cRow, cRow, ap + <usize>i * aRow, aRow, aCol, kc, nc, addC, biasJ);
      }
      for (; i < m; i++) tile1x8(cj + <usize>i * cRow, ap + <usize>i * aRow, aCol, kc, nc, addC, biasJ);
    }
    p0 += KC;
  } while (p0 < k);
}

export function gemm_nn_f32(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm32(c, a, <usize>k << 2, 4, b, <usize>n << 2, 4, bias, m, n, k, accumulate);
}

export function gemm_nt_f32(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm32(c, a, <usize>k << 2, 4, b, 4, <usize>k << 2, bias, m, n, k, accumulate);
}

export function gemm_tn_f32(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  gemm32(c, a, 4, <usize>m << 2, b, <usize>n << 2, 4, bias, m, n, k, accumulate);
}
