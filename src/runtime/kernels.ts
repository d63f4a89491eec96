// The wasm module's exports, typed. Pointers are byte offsets into linear memory (see DESIGN.md, Kernel ABI).
// One interface per kernel file in assembly/, so each file's owner edits one block.

type Ptr = number;

// GEMM: 4×4 f64x2 register tiles over packed 4-column panels of B (assembly/gemm.ts); the panel lives in a
// fixed 8 KiB static buffer below heapBase, so the kernels are not re-entrant (wasm is single-threaded).
// C must not overlap A or B (as for any GEMM); A and B may overlap each other.
export interface GemmKernels {
  /** C[m,n] (+)= A[m,k]·B[k,n] (+ bias[n]); bias = 0 for none. */
  gemm_nn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
  /** C[m,n] (+)= A[m,k]·B[n,k]ᵀ (+ bias[n]). */
  gemm_nt(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
  /** C[m,n] (+)= A[k,m]ᵀ·B[k,n] (+ bias[n]). */
  gemm_tn(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
}

export interface ElementwiseKernels {
  add(out: Ptr, a: Ptr, b: Ptr, n: number): void;
  sub(out: Ptr, a: Ptr, b: Ptr, n: number): void;
  mul(out: Ptr, a: Ptr, b: Ptr, n: number): void;
  scale(out: Ptr, a: Ptr, s: number, n: number): void;
  /** y += alpha·x */
  axpy(y: Ptr, alpha: number, x: Ptr, n: number): void;
  fill(out: Ptr, value: number, n: number): void;
  copy(out: Ptr, a: Ptr, n: number): void;
}

type Unary = (out: Ptr, x: Ptr, n: number) => void;
type Vjp = (dx: Ptr, primal: Ptr, dy: Ptr, n: number) => void;

// tanh, sigmoid, exp (and softplus_vjp) use two-lane approximations within a few ulp of Math.*;
// relu passes NaN through.
export interface ActivationKernels {
  tanh_fwd: Unary;
  sigmoid_fwd: Unary;
  softplus_fwd: Unary;
  relu_fwd: Unary;
  sin_fwd: Unary;
  cos_fwd: Unary;
  exp_fwd: Unary;
  log_fwd: Unary;
  square_fwd: Unary;
  /** primal = y (output) */ tanh_vjp: Vjp;
  /** primal = y (output) */ sigmoid_vjp: Vjp;
  /** primal = x (input) */ softplus_vjp: Vjp;
  /** primal = x (input) */ relu_vjp: Vjp;
  /** primal = x (input) */ sin_vjp: Vjp;
  /** primal = x (input) */ cos_vjp: Vjp;
  /** primal = y (output) */ exp_vjp: Vjp;
  /** primal = x (input) */ log_vjp: Vjp;
  /** primal = x (input) */ square_vjp: Vjp;
}

export interface ReductionKernels {
  sum(a: Ptr, n: number): number;
  sum_squares(a: Ptr, n: number): number;
  /** max |a_i| (0 for n = 0); NaN if any element is NaN */
  max_abs(a: Ptr, n: number): number;
  /** 1 if every element is finite, else 0 */
  all_finite(a: Ptr, n: number): number;
  /** out[cols] (+)= column sums of a[rows, cols] */
  sum_rows(out: Ptr, a: Ptr, rows: number, cols: number, accumulate: number): void;
}

// Taylor-mode rules and their VJPs (assembly/taylor.ts) and the autodiff support kernels
// (assembly/autodiff-support.ts). Jets: K+1 slabs of n values end to end; each rule computes one order k,
// each *_vjp reverses that step and ACCUMULATES into its cotangents (pointer 0 = not needed).
export interface TaylorKernels {
  /** y[k] = (scale/k)·Σ_{j=1..k} j·x[j]·s[k−j], k ≥ 1 (φ with φ' = scale·s); s may alias y */
  taylor_dphi(y: Ptr, x: Ptr, s: Ptr, scale: number, n: number, k: number): void;
  /** reverse of taylor_dphi at order k (k = 0: gx[0] += scale·gy[0]·s[0]) */
  taylor_dphi_vjp(gx: Ptr, gs: Ptr, gy: Ptr, x: Ptr, s: Ptr, scale: number, n: number, k: number): void;
  /** s[k] = [k=0]·c + alpha·y[k] + beta·Σ_i y[i]·y[k−i], every k ≥ 0 */
  taylor_quad(s: Ptr, y: Ptr, c: number, alpha: number, beta: number, n: number, k: number): void;
  taylor_quad_vjp(gy: Ptr, gs: Ptr, y: Ptr, alpha: number, beta: number, n: number, k: number): void;
  /** y[k] = Σ_j a[j]·b[k−j], every k ≥ 0 */
  taylor_mul(y: Ptr, a: Ptr, b: Ptr, n: number, k: number): void;
  taylor_mul_vjp(ga: Ptr, gb: Ptr, gy: Ptr, a: Ptr, b: Ptr, n: number, k: number): void;
  /** y = log x at order k ≥ 1 */
  taylor_log(y: Ptr, x: Ptr, n: number, k: number): void;
  /** reverse of taylor_log at order k (k = 0: gx[0] += gy[0]/x[0]) */
  taylor_log_vjp(gx: Ptr, gy: Ptr, x: Ptr, y: Ptr, n: number, k: number): void;
  /** y[k] = x[k]·[x[0] > 0], every k ≥ 0 */
  taylor_relu(y: Ptr, x: Ptr, n: number, k: number): void;
  taylor_relu_vjp(gx: Ptr, gy: Ptr, x: Ptr, n: number, k: number): void;

  /** out += a·b */
  mul_add(out: Ptr, a: Ptr, b: Ptr, n: number): void;
  /** out += value */
  add_scalar(out: Ptr, value: number, n: number): void;
  /** out = 1/x */
  reciprocal(out: Ptr, x: Ptr, n: number): void;
  /** out (+)= x·[ref > 0] */
  relu_mask(out: Ptr, x: Ptr, ref: Ptr, n: number, accumulate: number): void;
  /** out[rows, cols+1] = [x, *t] */
  append_column(out: Ptr, x: Ptr, t: Ptr, rows: number, cols: number): void;
  /** gx += gy[:, :cols] (gx = 0 skips); returns Σ_r gy[r, cols] */
  append_column_vjp(gx: Ptr, gy: Ptr, rows: number, cols: number): number;
  /** out[r, :cols] (+)= a[r, :cols], rows outStride and aStride values apart (aStride = 0 broadcasts a's row) */
  copy_block(
    out: Ptr,
    outStride: number,
    a: Ptr,
    aStride: number,
    rows: number,
    cols: number,
    accumulate: number,
  ): void;
  /** p = row softmax(logits); returns Σ_rows −Σ_c targets·log p */
  softmax_xent(p: Ptr, logits: Ptr, targets: Ptr, rows: number, cols: number): number;
  /** g += scale·(p·rowsum(targets) − targets) */
  softmax_xent_vjp(g: Ptr, p: Ptr, targets: Ptr, scale: number, rows: number, cols: number): void;
}

// Runge–Kutta stage sums and error norms (assembly/rk.ts).
export interface RkKernels {
  /**
   * out = y + h·Σ_j c_j k_j (or h·Σ_j c_j k_j when y = 0). `terms` points at a packed f64 table
   * [c_0, ptr_0, c_1, ptr_1, …] of `count` (coefficient, stage byte offset) pairs. out may alias y, not any k_j.
   */
  rk_stage_sum(out: Ptr, y: Ptr, h: number, terms: Ptr, count: number, n: number): void;
  /**
   * RMS of err_i / (atol_i + rtol·max(|y0_i|, |y1_i|)); atol_i = atolVec[i] if atolVec ≠ 0, else atol.
   * NaN when any err_i or y1_i is not finite.
   */
  rk_error_ratio(err: Ptr, y0: Ptr, y1: Ptr, atol: number, atolVec: Ptr, rtol: number, n: number): number;
}

// Whole layer stacks in one call (assembly/inference.ts; src/inference writes the layer table).
export interface InferenceKernels {
  /** out[batch, D] = f(t, x) through `ops` layer-table entries at `table`; `work` the table's scratch base. */
  net_eval(table: Ptr, ops: number, work: Ptr, t: number, x: Ptr, out: Ptr, batch: number): void;
  /** stage = y0 + h·Σ c_j k_j (rk_stage_sum's term table), then out = f(t, stage); n = batch·D. */
  net_stage(
    table: Ptr,
    ops: number,
    work: Ptr,
    t: number,
    y0: Ptr,
    h: number,
    terms: Ptr,
    count: number,
    stage: Ptr,
    out: Ptr,
    batch: number,
    n: number,
  ): void;
}

// Row-wise helpers of the trace estimators (assembly/trace.ts): rows are examples. Outputs must not alias inputs.
export interface TraceKernels {
  /** out[r] = scale·Σ_c a[r, c]·b[r, c] */
  row_dot(out: Ptr, a: Ptr, b: Ptr, scale: number, rows: number, cols: number): void;
  /** out[r, :] += scale·s[r]·x[r, :] */
  scale_rows_add(out: Ptr, x: Ptr, s: Ptr, scale: number, rows: number, cols: number): void;
  /** out[r·times + j, :] = x[r, :] for j < times */
  repeat_rows(out: Ptr, x: Ptr, rows: number, cols: number, times: number): void;
  /** out[r, :] += Σ_{j < times} x[r·times + j, :] */
  sum_row_groups(out: Ptr, x: Ptr, rows: number, cols: number, times: number): void;
  /** out[b] = scale·Σ_{i < d} m[b·d + i, i] (the traces of the [d, d] blocks of m [blocks·d, d]) */
  block_diagonal_sum(out: Ptr, m: Ptr, scale: number, blocks: number, d: number): void;
  /** m[b·d + i, i] += scale·s[b] (s = 0: scale) for every i < d */
  block_diagonal_add(m: Ptr, s: Ptr, scale: number, blocks: number, d: number): void;
}

// Optimiser updates (assembly/optim.ts).
export interface OptimKernels {
  /** Adam/AdamW step; c1 = 1/(1−β1^t), c2 = 1/(1−β2^t); decoupled = 1 for AdamW weight decay. */
  adam_update(
    p: Ptr,
    g: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    c2: number,
    wd: number,
    decoupled: number,
  ): void;
  /** SGD with momentum (PyTorch semantics, no dampening); buf starts at zero. */
  sgd_momentum_update(
    p: Ptr,
    g: Ptr,
    buf: Ptr,
    n: number,
    lr: number,
    momentum: number,
    wd: number,
    nesterov: number,
  ): void;
  /** Adamax step (PyTorch's): u = max(β2·u, |g| + eps), p −= lr·c1·m/u; c1 = 1/(1−β1^t); u starts at zero. */
  adamax_update(
    p: Ptr,
    g: Ptr,
    m: Ptr,
    u: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    wd: number,
  ): void;
}

// f32 twins (assembly/*-f32.ts): the same ABI over f32 arrays (pointers still byte offsets, sizes in
// elements); the RK term table stays f64; rk_error_ratio_f32 sums its terms in f64.
// Every f64 kernel X has the twin X_f32 with the same parameters (F32Twins below, checked against the
// module's exports in tests/kernels/twins-f32.test.ts). Scalars the f64 kernels return stay f64 and are
// accumulated in f64 (sum, sum_squares, softmax_xent's loss, append_column_vjp); row_dot_f32 and
// block_diagonal_sum_f32 sum in f64 and store f32; append_column_f32 reads its time as one f32 at t.
// Accuracy against Math.* rounded to f32: exp ≤ 2 ulp, sigmoid ≤ 3 ulp (results below 4.2e-39 are 0),
// tanh ≤ 8 ulp (a rational function), softplus ≤ 5 ulp, sin/cos/log ≤ 1 ulp (evaluated in f64).
type Unary32 = (out: Ptr, x: Ptr, n: number) => void;
type Vjp32 = (dx: Ptr, primal: Ptr, dy: Ptr, n: number) => void;
type F32Twins<T> = { [K in keyof T as `${K & string}_f32`]: T[K] };
type F64KernelTables = GemmKernels &
  ElementwiseKernels &
  ActivationKernels &
  ReductionKernels &
  TaylorKernels &
  RkKernels &
  TraceKernels &
  OptimKernels &
  InferenceKernels;
export interface F32Kernels extends F32Twins<F64KernelTables> {
  /** C[m,n] (+)= A[m,k]·B[k,n] (+ bias[n]), f32; 4×8 f32x4 tiles */
  gemm_nn_f32(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
  gemm_nt_f32(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
  gemm_tn_f32(c: Ptr, a: Ptr, b: Ptr, bias: Ptr, m: number, n: number, k: number, accumulate: number): void;
  tanh_fwd_f32: Unary32;
  sigmoid_fwd_f32: Unary32;
  exp_fwd_f32: Unary32;
  relu_fwd_f32: Unary32;
  /** primal = y */ tanh_vjp_f32: Vjp32;
  /** primal = y */ sigmoid_vjp_f32: Vjp32;
  /** primal = y */ exp_vjp_f32: Vjp32;
  /** primal = x */ relu_vjp_f32: Vjp32;
  rk_stage_sum_f32(out: Ptr, y: Ptr, h: number, terms: Ptr, count: number, n: number): void;
  rk_error_ratio_f32(err: Ptr, y0: Ptr, y1: Ptr, atol: number, atolVec: Ptr, rtol: number, n: number): number;
  adam_update_f32(
    p: Ptr,
    g: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    c1: number,
    c2: number,
    wd: number,
    decoupled: number,
  ): void;
  sgd_momentum_update_f32(
    p: Ptr,
    g: Ptr,
    buf: Ptr,
    n: number,
    lr: number,
    momentum: number,
    wd: number,
    nesterov: number,
  ): void;
}

export interface Kernels
  extends GemmKernels,
    ElementwiseKernels,
    ActivationKernels,
    ReductionKernels,
    TaylorKernels,
    RkKernels,
    TraceKernels,
    OptimKernels,
    InferenceKernels,
    F32Kernels {
  heapBase(): Ptr;
  memory: WebAssembly.Memory;
  /** Host side, not an export: bytes per value of the runtime's dtype (4: every name is bound to its _f32 twin). */
  readonly valueBytes: 4 | 8;
}
