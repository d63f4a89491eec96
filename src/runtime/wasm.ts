// Instantiates the embedded kernel module once. `initSync` suits Node, workers and small scripts;
// `init` compiles asynchronously (browsers' main thread); either may be handed a precompiled
// WebAssembly.Module, which edge runtimes that forbid compiling bytes at run time require.
// (Importing this file embeds the wasm bytes; instance.ts and shared.ts do not.)
import wasmBytes from '../../build/taynode.wasm';
import { instantiate, instantiateSync, readMaxBytes, type Runtime, type RuntimeOptions } from './instance.js';
import { setSharedRuntime, sharedRuntime } from './shared.js';

export type { Runtime, RuntimeOptions } from './instance.js';

/** The kernel module's bytes, for hosts that want to compile or cache them themselves. */
export function kernelWasmBytes(): Uint8Array {
  return wasmBytes;
}

/** Sets up the shared runtime (once; later calls return it unchanged). */
export function initSync(options: RuntimeOptions = {}): Runtime {
  return sharedRuntime() ?? setSharedRuntime(createRuntimeSync(options));
}

/** Sets up the shared runtime with asynchronous compilation (once). */
export async function init(options: RuntimeOptions = {}): Promise<Runtime> {
  const existing = sharedRuntime();
  if (existing) return existing;
  return setSharedRuntime(await createRuntime(options));
}

/** A separate kernel instance with its own memory and arena (the shared one is untouched). */
export function createRuntimeSync(options: RuntimeOptions = {}): Runtime {
  const maxBytes = readMaxBytes(options);
  return instantiateSync(options.module ?? new WebAssembly.Module(wasmBytes as BufferSource), maxBytes);
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const maxBytes = readMaxBytes(options);
  return instantiate(options.module ?? (await WebAssembly.compile(wasmBytes as BufferSource)), maxBytes);
}

/** The runtime, instantiated synchronously on first use. */
export function runtime(): Runtime {
  return sharedRuntime() ?? initSync();
}
