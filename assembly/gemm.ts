// Dense matrix products for the forward and backward passes of linear layers, row-major f64.
//   gemm_nn: C[m,n] (+)= A[m,k] · B[k,n]
//   gemm_nt: C[m,n] (+)= A[m,k] · B[n,k]ᵀ
//   gemm_tn: C[m,n] (+)= A[k,m]ᵀ · B[k,n]
// `bias` (a byte offset, 0 for none) adds bias[j] to every row; `accumulate` ≠ 0 adds to C instead of overwriting.

@inline function initRows(c: usize, bias: usize, m: i32, n: i32, accumulate: i32): void {
  if (accumulate) {
    if (bias) for (let i = 0; i < m; i++) {
      const row = c + ((<usize>i * <usize>n) << 3);
      for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), load<f64>(row + (<usize>j << 3)) + load<f64>(bias + (<usize>j << 3)));
    }
  } else if (bias) {
    for (let i = 0; i < m; i++) memory.copy(c + ((<usize>i * <usize>n) << 3), bias, <usize>n << 3);
  } else {
    memory.fill(c, 0, (<usize>m * <usize>n) << 3);
  }
}

/** C[i,:] += Σ_p A[i,p]·B[p,:] — row-axpy form, vectorised along n. */
export function gemm_nn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  initRows(c, bias, m, n, accumulate);
  const n2 = n & ~1;
  for (let i = 0; i < m; i++) {
    const crow = c + ((<usize>i * <usize>n) << 3);
    const arow = a + ((<usize>i * <usize>k) << 3);
    for (let p = 0; p < k; p++) {
      const av = load<f64>(arow + (<usize>p << 3));
      const avv = f64x2.splat(av);
      const brow = b + ((<usize>p * <usize>n) << 3);
      let j = 0;
      for (; j < n2; j += 2) {
        const o = <usize>j << 3;
        v128.store(crow + o, f64x2.add(v128.load(crow + o), f64x2.mul(avv, v128.load(brow + o))));
      }
      if (j < n) {
        const o = <usize>j << 3;
        store<f64>(crow + o, load<f64>(crow + o) + av * load<f64>(brow + o));
      }
    }
  }
}

/** C[i,j] += A[i,:]·B[j,:] — dot-product form, vectorised along k. */
export function gemm_nt(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  initRows(c, bias, m, n, accumulate);
  const k2 = k & ~1;
  for (let i = 0; i < m; i++) {
    const arow = a + ((<usize>i * <usize>k) << 3);
    const crow = c + ((<usize>i * <usize>n) << 3);
    for (let j = 0; j < n; j++) {
      const brow = b + ((<usize>j * <usize>k) << 3);
      let acc = f64x2.splat(0.0);
      let p = 0;
      for (; p < k2; p += 2) {
        const o = <usize>p << 3;
        acc = f64x2.add(acc, f64x2.mul(v128.load(arow + o), v128.load(brow + o)));
      }
      let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      if (p < k) s += load<f64>(arow + (<usize>p << 3)) * load<f64>(brow + (<usize>p << 3));
      store<f64>(crow + (<usize>j << 3), load<f64>(crow + (<usize>j << 3)) + s);
    }
  }
}

/** C[i,:] += Σ_p A[p,i]·B[p,:] — row-axpy form over the shared leading dimension. */
export function gemm_tn(c: usize, a: usize, b: usize, bias: usize, m: i32, n: i32, k: i32, accumulate: i32): void {
  initRows(c, bias, m, n, accumulate);
  const n2 = n & ~1;
  for (let p = 0; p < k; p++) {
    const arow = a + ((<usize>p * <usize>m) << 3);
    const brow = b + ((<usize>p * <usize>n) << 3);
    for (let i = 0; i < m; i++) {
      const av = load<f64>(arow + (<usize>i << 3));
      const avv = f64x2.splat(av);
      const crow = c + ((<usize>i * <usize>n) << 3);
      let j = 0;
      for (; j < n2; j += 2) {
        const o = <usize>j << 3;
        v128.store(crow + o, f64x2.add(v128.load(crow + o), f64x2.mul(avv, v128.load(brow + o))));
      }
      if (j < n) {
        const o = <usize>j << 3;
        store<f64>(crow + o, load<f64>(crow + o) + av * load<f64>(brow + o));
      }
    }
  }
}
