// Instantiates the embedded kernel module once. `initSync` suits Node, workers and small scripts;
// `init` compiles asynchronously (browsers' main thread); either may be handed a precompiled
// WebAssembly.Module, which edge runtimes that forbid compiling bytes at run time require.
// Two builds of the same kernels are embedded: the baseline (SIMD) and the relaxed-SIMD one, whose
// multiply-adds may fuse (assembly/fma.ts); the relaxed one is chosen where the host validates relaxed
// SIMD (Chromium; Node 20 behind --experimental-wasm-relaxed-simd), unless `kernels: 'baseline'`.
// (Importing this file embeds the wasm bytes; instance.ts and shared.ts do not.)
import wasmBytes from '../../build/taynode.wasm';
import relaxedWasmBytes from '../../build/taynode-relaxed.wasm';
import { ArgumentError } from '../errors.js';
import { checkOneOf } from '../config/strict.js';
import {
  instantiate,
  instantiateSync,
  readMaxBytes,
  type Runtime,
  type RuntimeOptions as ModuleRuntimeOptions,
} from './instance.js';
import { setSharedRuntime, sharedRuntime, sharedRuntimeOfDtype } from './shared.js';
import { readDtype } from './dtype.js';
import { compiled, compiledSync } from './compiled.js';

export type { Runtime } from './instance.js';

export interface RuntimeOptions extends ModuleRuntimeOptions {
  /**
   * Which embedded build to use (ignored with `module`): 'auto' (default) the relaxed-SIMD build where
   * the host supports relaxed SIMD, else the baseline; 'baseline' always the baseline (results identical
   * on every host); 'relaxed' the relaxed build or an error where unsupported.
   */
  kernels?: KernelBuild;
}

/** 'auto' picks 'relaxed' where supported, else 'baseline'. */
export type KernelBuild = 'auto' | 'baseline' | 'relaxed';
export const KERNEL_BUILDS: readonly KernelBuild[] = ['auto', 'baseline', 'relaxed'];
const OPTION_KEYS = ['maxMemoryBytes', 'module', 'kernels', 'dtype'];

/**
 * A module of one instruction from the relaxed-SIMD proposal (f32x4.relaxed_madd of three v128 constants):
 * a host that validates it runs the relaxed build.
 */
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // types: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // one function of type 0
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00, // code: one body of 59 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // three v128.const 0
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd
  0x0b, // end
]);

let relaxedSupported: boolean | undefined;

/** Whether this host validates relaxed SIMD (checked once). */
export function relaxedSimdSupported(): boolean {
  relaxedSupported ??= typeof WebAssembly.validate === 'function' && WebAssembly.validate(RELAXED_PROBE);
  return relaxedSupported;
}

/** The kernel module's bytes (the baseline build by default), for hosts that compile or cache them themselves. */
export function kernelWasmBytes(build: 'baseline' | 'relaxed' = 'baseline'): Uint8Array {
  checkOneOf(build, ['baseline', 'relaxed'] as const, 'build');
  return build === 'relaxed' ? relaxedWasmBytes : wasmBytes;
}

/** Sets up the shared runtime (once; later calls return it unchanged, refusing a dtype other than its own). */
export function initSync(options: RuntimeOptions = {}): Runtime {
  return sharedRuntimeOfDtype(options.dtype) ?? setSharedRuntime(createRuntimeSync(options));
}

/** Sets up the shared runtime with asynchronous compilation (once). */
export async function init(options: RuntimeOptions = {}): Promise<Runtime> {
  const existing = sharedRuntimeOfDtype(options.dtype);
  if (existing) return existing;
  return setSharedRuntime(await createRuntime(options));
}

/** A separate kernel instance with its own memory and arena (the shared one is untouched). */
export function createRuntimeSync(options: RuntimeOptions = {}): Runtime {
  const maxBytes = readOptions(options);
  const dtype = readDtype(options.dtype);
  if (options.module) return instantiateSync(options.module, maxBytes, 'module', dtype);
  const build = chooseBuild(options.kernels);
  return instantiateSync(
    compiledSync({ key: build, bytes: kernelWasmBytes(build) as BufferSource }),
    maxBytes,
    build,
    dtype,
  );
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const maxBytes = readOptions(options);
  const dtype = readDtype(options.dtype);
  if (options.module) return instantiate(options.module, maxBytes, 'module', dtype);
  const build = chooseBuild(options.kernels);
  return instantiate(
    await compiled({ key: build, bytes: kernelWasmBytes(build) as BufferSource }),
    maxBytes,
    build,
    dtype,
  );
}

/** Every option checked, whichever are used (`kernels` is moot with `module`, but a typo is still an error). */
function readOptions(options: RuntimeOptions): number {
  const maxBytes = readMaxBytes(options, OPTION_KEYS);
  if (options.kernels !== undefined) checkOneOf(options.kernels, KERNEL_BUILDS, 'kernels');
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    throw new ArgumentError(
      'module',
      'a WebAssembly.Module of taynode.wasm (compile the bytes, or omit module for the embedded kernels)',
      options.module,
    );
  }
  return maxBytes;
}

function chooseBuild(kernels: KernelBuild = 'auto'): 'baseline' | 'relaxed' {
  checkOneOf(kernels, KERNEL_BUILDS, 'kernels');
  if (kernels === 'relaxed' && !relaxedSimdSupported()) {
    throw new ArgumentError(
      'kernels',
      "'auto' or 'baseline': this host does not support relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)",
      kernels,
    );
  }
  if (kernels === 'auto') return relaxedSimdSupported() ? 'relaxed' : 'baseline';
  return kernels;
}

/** The runtime, instantiated synchronously on first use. */
export function runtime(): Runtime {
  return sharedRuntime() ?? initSync();
}
