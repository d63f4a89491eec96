export {
  NeuralOde,
  checkConfig,
  ERROR_NORMS,
  CONFIG_KEYS,
  DYNAMICS_CACHE_SIZE,
  GRADIENT_METHODS,
} from './neural-ode.js';
export { checkSolverConfig, SOLVER_CONFIG_KEYS } from './solver-config.js';
export type {
  NeuralOdeConfig,
  SolverConfig,
  ErrorNorm,
  GradientMethod,
  ObjectiveResult,
  ObjectiveOptions,
  ObjectiveAtOptions,
  ObjectiveAtResult,
  PredictOptions,
  ResolvedConfig,
  ForwardPass,
  ForwardOptions,
} from './neural-ode.js';
export { Model, checkModelSpec, modelParamShapes, MAX_BLOCKS } from './model.js';
export type {
  ModelSpec,
  ModelParts,
  Encoder,
  ModelObjectiveOptions,
  ModelObjectiveResult,
  ModelPredictOptions,
} from './model.js';
export { backpropagateSteps, neededStages } from '../gradients/replay.js';
export type { ReplayDynamics, StageTableau } from '../gradients/replay.js';
export { adjointGradient } from '../gradients/adjoint-solve.js';
export type { AdjointOutputs, AdjointResult } from '../gradients/adjoint-solve.js';
export { checkOutputs, checkOutputTimes, placeOutputs, solveTimes } from '../gradients/outputs.js';
export type { OutputCotangents, PlacedOutputs, StepOutputs } from '../gradients/outputs.js';
export { maskedMseLoss } from './series-losses.js';
export type { SeriesLoss, SeriesLossValue, SeriesShape } from './series-losses.js';
export {
  saveModel,
  loadModel,
  loadComposedModel,
  loadWeights,
  type SaveOptions,
  type LoadOptions,
} from './serialize.js';
export {
  mseLoss,
  softmaxCrossEntropyLoss,
  gaussianNllLoss,
  flowNllLoss,
  tapeLoss,
  checkLoss,
  lossFromDescription,
} from './losses.js';
export type { DataLoss, LossDescription, LossValue, TapeLossFunction, TapeLossOptions } from './losses.js';
export { predict } from './predict.js';
