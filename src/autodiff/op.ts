// What an op is: one primitive with its forward kernel call, its vector–Jacobian product, and (for ops
// that may appear inside dynamics) its Taylor rule and the reverse of that rule — JAX's jet registry in
// miniature. Ops never allocate: interpreters (the eager Tape, a compiled Program, a JetProgram) own
// memory and hand each op a Site holding absolute byte offsets, refreshed before every call.
import type { Kernels } from '../runtime/kernels.js';

export type Ptr = number;
export type Shape = readonly [rows: number, cols: number];

/**
 * Everything an op reads and writes for one application. Values are row-major [rows, cols] of the
 * runtime's dtype; byte offsets step by `k.valueBytes` (the kernel table carries the value size rather
 * than the Site: every op method already receives the table, and the table is what fixes the precision).
 */
export interface Site {
  /** Shapes of the inputs and of the output. */
  readonly inShapes: readonly Shape[];
  readonly rows: number;
  readonly cols: number;
  /** Constant settings of this application (e.g. the affine op's scale and shift). */
  readonly attrs: Readonly<Record<string, number>>;
  /** Inputs and output: plain values in forward/vjp, jet bases (K+1 slabs) in taylor/taylorVjp. */
  x: Ptr[];
  y: Ptr;
  /** Forward-saved scratch (op.saved elements), kept for the vjp; 0 when the op saves nothing. */
  saved: Ptr;
  /** Cotangents: gx[i] is ACCUMULATED into (0: input i needs no gradient); gy is the output's. */
  gx: Ptr[];
  gy: Ptr;
  /** A scratch buffer at least as large as the largest input or output, free for the call's use. */
  tmp: Ptr;
  /** Taylor mode: auxiliary series (jets shaped like the output; op.taylorAux of them) and their cotangents. */
  aux: Ptr[];
  gaux: Ptr[];
}

export interface Op {
  readonly name: string;
  /** Allowed numbers of inputs. */
  readonly arity: readonly number[];
  /** Output shape from input shapes (throws ShapeError on mismatch). */
  shape(inShapes: readonly Shape[], attrs: Readonly<Record<string, number>>): Shape;
  /** Elements of forward-saved scratch the vjp needs (default 0). */
  saved?(site: Site): number;
  forward(k: Kernels, s: Site): void;
  /** Accumulates into every nonzero s.gx[i] the cotangent of input i, given s.gy. */
  vjp(k: Kernels, s: Site): void;
  /** Taylor mode: number of auxiliary series the rule keeps (e.g. tanh keeps s = 1 − y²). */
  readonly taylorAux?: number;
  /**
   * Inputs that are constant in time (parameters: a linear layer's weight and bias). In Taylor mode their
   * x/gx pointers are the plain value and gradient, not jets: only coefficient 0 exists.
   */
  readonly constantInputs?: readonly number[];
  /** Computes coefficient `order` of the output (and of the auxiliary series) from orders 0..order of the inputs. */
  taylor?(k: Kernels, s: Site, order: number): void;
  /** Reverse of `taylor` at `order`: accumulates into gx (and gaux) from gy (and gaux) at that order. */
  taylorVjp?(k: Kernels, s: Site, order: number): void;
}

export function sizeOf(shape: Shape): number {
  return shape[0] * shape[1];
}

/** Byte offset of coefficient `order` of a jet of `n` values starting at `base`. */
export function coefficient(k: Kernels, base: Ptr, n: number, order: number): Ptr {
  return base + order * n * k.valueBytes;
}

let view64: Float64Array | undefined;
let view32: Float32Array | undefined;
function memoryView(k: Kernels): Float32Array | Float64Array {
  // Re-created only when memory grew (or another instance is used): no allocation per call.
  if (k.valueBytes === 4) {
    if (view32 === undefined || view32.buffer !== k.memory.buffer) view32 = new Float32Array(k.memory.buffer);
    return view32;
  }
  if (view64 === undefined || view64.buffer !== k.memory.buffer) view64 = new Float64Array(k.memory.buffer);
  return view64;
}

/** Reads one value (a scalar output or cotangent) of the runtime's dtype from linear memory. */
export function readScalar(k: Kernels, ptr: Ptr): number {
  return memoryView(k)[ptr / k.valueBytes];
}

export function writeScalar(k: Kernels, ptr: Ptr, value: number): void {
  memoryView(k)[ptr / k.valueBytes] = value;
}

export function addScalarAt(k: Kernels, ptr: Ptr, value: number): void {
  memoryView(k)[ptr / k.valueBytes] += value;
}
