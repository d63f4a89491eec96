// Argument checks for the kernel runtime, so a missing or foreign runtime fails with an ArgumentError
// naming the argument instead of a TypeError deep inside a kernel call, or silent writes to the wrong
// module's memory.
import { ArgumentError } from '../errors.js';
import { Arena } from './arena.js';
import type { Kernels } from './kernels.js';
import type { Runtime } from './wasm.js';

/** `rt` is a Runtime: kernels with their memory, and an arena over that same memory. */
export function checkRuntime(rt: unknown, name: string): asserts rt is Runtime {
  const candidate = rt as Partial<Runtime> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    !(candidate.arena instanceof Arena) ||
    !isKernels(candidate.kernels)
  ) {
    throw new ArgumentError(name, 'a Runtime (from initSync(), init() or createRuntimeSync())', rt);
  }
}

/** `kernels` is a runtime's kernel table (runtime.kernels). */
export function checkKernels(kernels: unknown, name: string): asserts kernels is Kernels {
  if (!isKernels(kernels)) throw new ArgumentError(name, "a runtime's kernels (runtime.kernels)", kernels);
}

/** True when the arena hands out memory of this kernel instance (a tensor there is visible to its kernels). */
export function sameMemory(arena: Arena, kernels: Kernels): boolean {
  return arena.memory === kernels.memory;
}

function isKernels(value: unknown): value is Kernels {
  const k = value as Partial<Kernels> | null | undefined;
  // valueBytes: a runtime's table (raw module exports lack it, and their offsets would be computed as NaN).
  return (
    typeof k === 'object' &&
    k !== null &&
    k.memory instanceof WebAssembly.Memory &&
    typeof k.heapBase === 'function' &&
    (k.valueBytes === 4 || k.valueBytes === 8)
  );
}

type ParamsInMemory = readonly { name: string; value: { arena: Arena }; grad: { arena: Arena } }[];

/** The first parameter (value or gradient) outside the memory of `kernels`, if any. */
export function foreignParam<P extends ParamsInMemory[number]>(params: readonly P[], kernels: Kernels): P | undefined {
  return params.find((p) => !sameMemory(p.value.arena, kernels) || !sameMemory(p.grad.arena, kernels));
}

/**
 * Every parameter lives in the memory of `rt`: a layer built on another runtime would have its
 * offsets read (and its gradients written) in this runtime's memory, corrupting it silently.
 */
export function checkParamsOn(rt: Runtime, params: ParamsInMemory, name: string): void {
  const p = foreignParam(params, rt.kernels);
  if (p) throw new ArgumentError(name, `parameters on the same runtime (${p.name} lives in another runtime's memory)`);
}
