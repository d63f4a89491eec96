export { Arena } from './arena.js';
export { Tensor, assertSameShape } from './tensor.js';
export { init, initSync, runtime, createRuntime, createRuntimeSync, kernelWasmBytes } from './wasm.js';
export type { Runtime, RuntimeOptions } from './wasm.js';
export type { Kernels } from './kernels.js';
export { checkRuntime, checkKernels } from './check.js';
