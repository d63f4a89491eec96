// The wasm module's exports: every kernel file re-exported from here (asc's single entry).
// Kernels follow the ABI in DESIGN.md: byte offsets in, i32 sizes, no allocation, no callbacks.
export * from "./gemm";
export * from "./elementwise";
export * from "./activations";
export * from "./reductions";
export * from "./taylor";
export * from "./rk";
export * from "./trace";
export * from "./optim";
export * from "./inference";
// f32 twins (f32 tensors; accumulations that steer the solver stay f64)
export * from "./gemm-f32";
export * from "./activations-f32";
export * from "./rk-f32";
export * from "./optim-f32";
export * from "./elementwise-f32";
export * from "./reductions-f32";
export * from "./taylor-f32";
export * from "./autodiff-support-f32";
export * from "./trace-f32";
export * from "./inference-f32";

/** First byte the host's arena may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
