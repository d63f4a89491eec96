/**
 * taynode/infer: load a saved model and predict, nothing else. The kernels are not embedded: hand
 * init() the compiled module, the bytes of taynode.wasm or a URL to fetch them from, which keeps the
 * browser bundle small (BENCHMARKS.md, "Bundle sizes"). Every name here means the same as in the full
 * library, except that init/initSync/createRuntime/createRuntimeSync require a source.
 * @module taynode/infer
 */
export { init, initSync, createRuntime, createRuntimeSync, type KernelSource } from './runtime/external.js';
export type { Runtime } from './runtime/instance.js';
export { loadModel, loadComposedModel, loadWeights, type LoadOptions } from './model/serialize.js';
export { predict } from './model/predict.js';
export { NeuralOde, type PredictOptions, type NeuralOdeConfig, type SolverConfig } from './model/neural-ode.js';
export { Model, type ModelPredictOptions, type ModelSpec } from './model/model.js';
export type { InferencePath } from './inference/index.js';
export type { SolverStats } from './ode/stats.js';
export { TaynodeError, ArgumentError, UnknownKeyError, ShapeError, ArenaExhaustedError } from './errors.js';
export { SafetensorsError } from './io/safetensors.js';
export { OdeSolverError, MaxStepsError, StepSizeError, NonFiniteError, OverflowError } from './ode/errors.js';
