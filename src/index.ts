/**
 * taynode's public API: a curated list of names, grouped by the layer they come from (bottom to top).
 * What is not here is internal (kernel tables, arenas, graph interpreters, the replay machinery, strict
 * configuration helpers) and may change without notice. The CLI (packages/cli) uses nothing else.
 * @module taynode
 */

// Errors: every failure is one of these, naming the argument or (for solves) t, the step and the stats.
export { TaynodeError, ArgumentError, UnknownKeyError, ShapeError, ArenaExhaustedError } from './errors.js';
export { OdeSolverError, MaxStepsError, StepSizeError, NonFiniteError, OverflowError } from './ode/errors.js';
export { SafetensorsError } from './io/safetensors.js';

// Runtime: the wasm kernels (embedded), their memory, tensors, the dtype, seeded randomness.
export {
  init,
  initSync,
  runtime,
  createRuntime,
  createRuntimeSync,
  kernelWasmBytes,
  relaxedSimdSupported,
  KERNEL_BUILDS,
} from './runtime/wasm.js';
export type { Runtime, RuntimeOptions, KernelBuild } from './runtime/wasm.js';
export { DTYPES, type Dtype as RuntimeDtype, type Values } from './runtime/dtype.js';
export { Tensor } from './runtime/tensor.js';
export { Rng } from './random.js';

// Model files: safetensors, as PyTorch writes and reads them.
export { encodeSafetensors, decodeSafetensors, indexSafetensors } from './io/safetensors.js';
export type {
  NamedArray,
  EncodeOptions,
  SafetensorsContents,
  SafetensorsIndex,
  StoredTensor,
} from './io/safetensors.js';

// Automatic differentiation: parameters, the eager tape (losses, encoders, heads), the op registry.
export { Parameter } from './autodiff/parameter.js';
export { zeroGrads, parameterCount, gradNorm, type ParameterLike } from './autodiff/parameters.js';
export { Tape, Var } from './autodiff/tape.js';
export { ops, ACTIVATIONS, type Activation, type OpName } from './autodiff/ops/index.js';
export type { Shape } from './autodiff/op.js';

// Taylor mode: solution derivatives of z' = f(z, t) and the nested-JVP reference they are checked against.
export { solutionJet, factorial } from './taylor/solution.js';
export { nestedSolutionDerivative } from './taylor/nested-jvp.js';

// ODE solvers: explicit Runge–Kutta, adaptive or on a grid, with swappable controller and error norm.
export { odeint } from './ode/odeint.js';
export type { OdeSolution } from './ode/solve.js';
export type { SolveOptions } from './ode/options.js';
export type { Dynamics as OdeDynamics, OdeFunction, ArenaDynamics } from './ode/dynamics.js';
export type { StateInput, BatchArray } from './ode/state.js';
export type { SolverStats, AcceptedSteps } from './ode/stats.js';
export { iController, piController } from './ode/controller.js';
export type {
  StepSizeController,
  ControllerRun,
  ControllerDecision,
  ControllerFactors,
  PiGains,
} from './ode/controller.js';
export { rmsNorm, type NormStrategy, type NormSetup, type NormFunction } from './ode/norm.js';
export { TABLEAUS, METHOD_NAMES, FIXED_METHODS, ADAPTIVE_METHODS, isAdaptive } from './ode/tableaus.js';
export type {
  ButcherTableau,
  DenseOutputWeights,
  ThetaPolynomial,
  MethodName,
  FixedMethod,
  AdaptiveMethod,
} from './ode/tableaus.js';
export type { StageRecorder } from './ode/recorder.js';

// Layers as values, and the vector field f(z, t; θ) built from them or written as code.
export type { Layer, LayerSpec } from './nn/layer.js';
export { graphOps, tapeOps, type NnOps } from './nn/ops.js';
export { linear, concatLinear, type DenseOptions } from './nn/dense.js';
export { concatSquashLinear } from './nn/concat-squash.js';
export { activation } from './nn/activation.js';
export { sequential } from './nn/sequential.js';
export { gruCell, type GruCell } from './nn/gru.js';
export { gruEncoder, type GruEncoder, type GruEncoderSpec } from './nn/gru-encoder.js';
export { createLayer, checkLayerSpec, paramShapes, type CreateOptions } from './nn/spec.js';
export { INITIALISERS, type Initialiser } from './nn/init.js';
export { defineDynamics, layerDynamics, type DynamicsFunction } from './nn/define-dynamics.js';
export { Dynamics } from './nn/vector-field.js';
export {
  mlpDynamics,
  createNetwork,
  NETWORK_ACTIVATIONS,
  type MlpSpec,
  type NetworkSpec,
  type NetworkActivation,
  type Network,
  type Mlp,
  type MlpLayer,
} from './nn/mlp.js';

// Terms integrated beside z (R_K, kinetic, Jacobian, log-density) or summed over the steps (ERNODE, SRNODE).
export {
  TERM_KINDS,
  MAX_ORDER,
  TAYLOR_ESTIMATORS,
  type TermKindRule,
  type TermRole,
  type SquaresIntegrand,
} from './terms/kinds.js';
export {
  checkTerms,
  type TermConfig,
  type RegulariserTermConfig,
  type TaylorEstimator,
  type TermKind,
  type NoiseKind,
  type TraceEstimatorKind,
  type WeightedTerm,
} from './terms/terms.js';
export { resolveTerms, type RegularizerConfig } from './terms/regularizers.js';
export { taylorRegulariser, kineticRegulariser, jacobianFrobeniusRegulariser } from './terms/integrands.js';
export type { GradientRequest, RegulariserResult } from './terms/integrands.js';
export { STEP_TERM_KINDS, type StepTermKind } from './terms/step-terms.js';

// Gradients through the solver: checkpointed replay, backprop through stored stages, the adjoint.
export { GRADIENT_METHODS, type GradientMethod, type StateNorm } from './gradients/method.js';

// Models: the ODE block, composed models (encoder → blocks → head), losses, files.
export { NeuralOde } from './model/neural-ode.js';
export type {
  NeuralOdeConfig,
  SolverConfig,
  ErrorNorm,
  ObjectiveResult,
  ObjectiveOptions,
  ObjectiveAtOptions,
  ObjectiveAtResult,
  PredictOptions,
  ForwardPass,
  ForwardOptions,
  ResolvedConfig,
} from './model/neural-ode.js';
export { Model, MAX_BLOCKS } from './model/model.js';
export type {
  ModelSpec,
  ModelParts,
  Encoder,
  ModelObjectiveOptions,
  ModelObjectiveResult,
  ModelPredictOptions,
} from './model/model.js';
export { mseLoss, softmaxCrossEntropyLoss, gaussianNllLoss, flowNllLoss, tapeLoss } from './model/losses.js';
export type { DataLoss, LossDescription, LossValue, TapeLossFunction, TapeLossOptions } from './model/losses.js';
export { maskedMseLoss, type SeriesLoss, type SeriesLossValue, type SeriesShape } from './model/series-losses.js';
export {
  saveModel,
  loadModel,
  loadComposedModel,
  loadWeights,
  type SaveOptions,
  type LoadOptions,
} from './model/serialize.js';
export { predict } from './model/predict.js';

// Inference at batch 1: the fused layer-table path predict takes where it applies (result.path says).
export { FUSED_MAX_BATCH, type InferencePath } from './inference/index.js';

// Both cores: a pool of workers, each with its own runtime and copies of the models.
export { createWorkerPool, WorkerPool, WorkerError, MAX_POOL_WORKERS, MAX_POOL_MODELS } from './parallel/pool.js';
export type {
  WorkerPoolOptions,
  PoolObjectiveOptions,
  PoolObjectiveResult,
  PoolObjectiveAtOptions,
  PoolObjectiveAtResult,
  PoolPredictOptions,
  PoolPredictResult,
  PoolStepSizes,
  ShardObjective,
} from './parallel/pool.js';
export { servePoolWorker } from './parallel/serve.js';

// Training: optimisers, schedules, minibatches, the loop, λ tuned to an NFE budget, metrics.
export { Adam, type AdamOptions } from './training/adam.js';
export { Adamax, type AdamaxOptions } from './training/adamax.js';
export { Sgd, type SgdOptions } from './training/sgd.js';
export type { Optimizer } from './training/optimizer.js';
export {
  constantSchedule,
  piecewiseConstant,
  piecewiseLinear,
  exponentialDecay,
  type Schedule,
} from './training/schedules.js';
export { MinibatchSampler, gatherRows, type MinibatchOptions } from './training/minibatches.js';
export { MetricsLog, type IterationMetrics } from './training/metrics.js';
export { train, type Dataset, type TrainOptions, type PooledTrainOptions } from './training/loop.js';
export {
  LambdaController,
  measureNfe,
  type LambdaControlOptions,
  type ControlledModel,
} from './training/lambda-control.js';
