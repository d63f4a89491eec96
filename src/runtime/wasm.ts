// Instantiates the embedded kernel module once. `initSync` suits Node, workers and small scripts;
// `init` compiles asynchronously (browsers' main thread); either may be handed a precompiled
// WebAssembly.Module, which edge runtimes that forbid compiling bytes at run time require.
import wasmBytes from '../../build/taynode.wasm';
import { ArgumentError, TaynodeError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';

export interface RuntimeOptions {
  /** Upper bound on linear memory, in bytes (default 2 GiB; wasm32 allows at most 4 GiB). */
  maxMemoryBytes?: number;
  /** A precompiled module of the kernels, for hosts that cannot compile from bytes. */
  module?: WebAssembly.Module;
}

export interface Runtime {
  readonly kernels: Kernels;
  readonly arena: Arena;
}

const DEFAULT_MAX_BYTES = 2 ** 31;
const WASM32_MAX_BYTES = 2 ** 32;

let current: Runtime | undefined;

/** The kernel module's bytes, for hosts that want to compile or cache them themselves. */
export function kernelWasmBytes(): Uint8Array {
  return wasmBytes;
}

/** Sets up the shared runtime (once; later calls return it unchanged). */
export function initSync(options: RuntimeOptions = {}): Runtime {
  current ??= createRuntimeSync(options);
  return current;
}

/** Sets up the shared runtime with asynchronous compilation (once). */
export async function init(options: RuntimeOptions = {}): Promise<Runtime> {
  if (current) return current;
  const created = await createRuntime(options);
  current ??= created;
  return current;
}

/** A separate kernel instance with its own memory and arena (the shared one is untouched). */
export function createRuntimeSync(options: RuntimeOptions = {}): Runtime {
  const maxBytes = readMaxBytes(options);
  const module = options.module ?? new WebAssembly.Module(wasmBytes as BufferSource);
  return fromInstance(new WebAssembly.Instance(module, {}), maxBytes);
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const maxBytes = readMaxBytes(options);
  const module = options.module ?? (await WebAssembly.compile(wasmBytes as BufferSource));
  return fromInstance(await WebAssembly.instantiate(module, {}), maxBytes);
}

/** The runtime, instantiated synchronously on first use. */
export function runtime(): Runtime {
  return current ?? initSync();
}

/** Validated before any compiling, so a bad option costs nothing. */
function readMaxBytes(options: RuntimeOptions): number {
  checkKeys(options, ['maxMemoryBytes', 'module'], '');
  const maxBytes = options.maxMemoryBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isFinite(maxBytes) || maxBytes <= 0 || maxBytes > WASM32_MAX_BYTES) {
    throw new ArgumentError('maxMemoryBytes', `a positive number of bytes ≤ ${WASM32_MAX_BYTES}`, maxBytes);
  }
  return maxBytes;
}

function fromInstance(instance: WebAssembly.Instance, maxBytes: number): Runtime {
  const kernels = instance.exports as unknown as Kernels;
  if (typeof kernels.heapBase !== 'function' || !(kernels.memory instanceof WebAssembly.Memory)) {
    throw new TaynodeError('the kernel module does not export heapBase and memory: was build/taynode.wasm built from assembly/?');
  }
  return { kernels, arena: new Arena(kernels.memory, kernels.heapBase(), maxBytes) };
}
