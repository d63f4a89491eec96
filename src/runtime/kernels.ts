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
  tanh_fwd: Unary; sigmoid_fwd: Unary; softplus_fwd: Unary; relu_fwd: Unary;
  sin_fwd: Unary; cos_fwd: Unary; exp_fwd: Unary; log_fwd: Unary; square_fwd: Unary;
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

// Taylor-mode rules and their VJPs (assembly/taylor.ts).
export interface TaylorKernels {}

// Runge–Kutta stage sums and error norms (assembly/rk.ts).
export interface RkKernels {}

export interface Kernels
  extends GemmKernels, ElementwiseKernels, ActivationKernels, ReductionKernels, TaylorKernels, RkKernels {
  heapBase(): Ptr;
  memory: WebAssembly.Memory;
}
