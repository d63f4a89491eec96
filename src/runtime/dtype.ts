// The value type of a runtime: every tensor, parameter, jet and ODE state in it is f64 or f32. A
// model lives in one runtime, so "per model" is "per runtime" and no op ever mixes precisions. An f32
// runtime's kernel table maps each f64 kernel name to its `_f32` twin (same ABI: byte offsets, element
// counts; reductions return f64), resolved once, so op code calling `k.gemm_nt(…)` runs unchanged.
import { TaynodeError } from '../errors.js';
import { checkOneOf } from '../config/strict.js';
import type { Kernels } from './kernels.js';

export type Dtype = 'float32' | 'float64';
export const DTYPES: readonly Dtype[] = ['float64', 'float32'];

/** A typed view of linear memory in a runtime's value type. */
export type Values = Float32Array | Float64Array;

/** The option checked strictly (default 'float64'). */
export function readDtype(value: unknown, name = 'dtype'): Dtype {
  return value === undefined ? 'float64' : checkOneOf(value, DTYPES, name);
}

export function bytesOf(dtype: Dtype): 4 | 8 {
  return dtype === 'float32' ? 4 : 8;
}

const F32_SUFFIX = '_f32';
/** Exports that are not kernels over values: no twin is needed. */
const NOT_KERNELS = new Set(['heapBase', 'memory']);

/**
 * The kernel table a runtime's code calls: a plain object of the module's exports plus `valueBytes`.
 * For f32 every f64 kernel X is replaced by X_f32; a module without some twin is refused here, naming
 * it, rather than failing at the first call of that kernel in the middle of a solve.
 */
export function resolveKernels(exports: WebAssembly.Exports, dtype: Dtype): Kernels {
  const table: Record<string, unknown> = { ...exports, valueBytes: bytesOf(dtype) };
  if (dtype === 'float64') return table as unknown as Kernels;
  const missing: string[] = [];
  for (const name of Object.keys(exports)) {
    if (NOT_KERNELS.has(name) || name.endsWith(F32_SUFFIX) || typeof exports[name] !== 'function') continue;
    const twin = exports[name + F32_SUFFIX];
    if (typeof twin === 'function') table[name] = twin;
    else missing.push(name + F32_SUFFIX);
  }
  if (missing.length > 0) {
    throw new TaynodeError(
      `dtype 'float32' needs an f32 twin of every kernel; this kernel module lacks ${missing.join(', ')} ` +
        `(rebuild build/taynode.wasm from assembly/, or use dtype 'float64')`,
    );
  }
  return table as unknown as Kernels;
}
