export { Arena } from './arena.js';
export { Tensor, assertSameShape } from './tensor.js';
export {
  init,
  initSync,
  runtime,
  createRuntime,
  createRuntimeSync,
  kernelWasmBytes,
  relaxedSimdSupported,
  KERNEL_BUILDS,
} from './wasm.js';
export type { Runtime, RuntimeOptions, KernelBuild } from './wasm.js';
export type { Kernels } from './kernels.js';
export { checkRuntime, checkKernels } from './check.js';
export { DTYPES } from './dtype.js';
export type { Dtype as RuntimeDtype, Values } from './dtype.js';
