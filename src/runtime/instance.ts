// A kernel instance from a compiled module: the options checked, the module instantiated, an arena over
// its memory. Holds no kernel bytes, so an entry whose caller provides the module (taynode/infer)
// bundles without the embedded wasm; wasm.ts adds the embedded bytes for the full library.
import { ArgumentError, TaynodeError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import { bytesOf, readDtype, resolveKernels, type Dtype } from './dtype.js';

export interface RuntimeOptions {
  /** Upper bound on linear memory, in bytes (default 2 GiB; wasm32 allows at most 4 GiB). */
  maxMemoryBytes?: number;
  /** A precompiled module of the kernels, for hosts that cannot compile from bytes. */
  module?: WebAssembly.Module;
  /** The value type of every tensor, parameter and state in this runtime (default 'float64'). */
  dtype?: Dtype;
}

export interface Runtime {
  readonly kernels: Kernels;
  readonly arena: Arena;
  /** the embedded build in use ('module' when a precompiled module or bytes were passed) */
  readonly build?: KernelModuleBuild;
  /** the value type of everything in this runtime ('float64' unless created with dtype 'float32') */
  readonly dtype: Dtype;
}

export type KernelModuleBuild = 'baseline' | 'relaxed' | 'module';

const DEFAULT_MAX_BYTES = 2 ** 31;
const WASM32_MAX_BYTES = 2 ** 32;

/** Validated before any compiling, so a bad option costs nothing (dtype too: see readDtype). */
export function readMaxBytes(
  options: RuntimeOptions,
  keys: readonly string[] = ['maxMemoryBytes', 'module', 'dtype'],
): number {
  checkKeys(options, keys, '');
  readDtype(options.dtype);
  const maxBytes = options.maxMemoryBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isFinite(maxBytes) || maxBytes <= 0 || maxBytes > WASM32_MAX_BYTES) {
    throw new ArgumentError('maxMemoryBytes', `a positive number of bytes ≤ ${WASM32_MAX_BYTES}`, maxBytes);
  }
  return maxBytes;
}

export function instantiateSync(
  module: WebAssembly.Module,
  maxBytes: number,
  build: KernelModuleBuild = 'module',
  dtype: Dtype = 'float64',
): Runtime {
  return fromInstance(new WebAssembly.Instance(module, {}), maxBytes, build, dtype);
}

export async function instantiate(
  module: WebAssembly.Module,
  maxBytes: number,
  build: KernelModuleBuild = 'module',
  dtype: Dtype = 'float64',
): Promise<Runtime> {
  return fromInstance(await WebAssembly.instantiate(module, {}), maxBytes, build, dtype);
}

function fromInstance(
  instance: WebAssembly.Instance,
  maxBytes: number,
  build: KernelModuleBuild,
  dtype: Dtype,
): Runtime {
  const exports = instance.exports as unknown as Partial<Kernels>;
  if (typeof exports.heapBase !== 'function' || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new TaynodeError(
      'the kernel module does not export heapBase and memory: was build/taynode.wasm built from assembly/?',
    );
  }
  const kernels = resolveKernels(instance.exports, dtype);
  return { kernels, arena: new Arena(kernels.memory, kernels.heapBase(), maxBytes, bytesOf(dtype)), build, dtype };
}
