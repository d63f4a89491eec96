// The ODE solver layer's public API.
export { odeint } from './odeint.js';
export type { OdeSolution } from './solve.js';
export type { SolveOptions } from './options.js';
export type { Dynamics, OdeFunction, ArenaDynamics } from './dynamics.js';
export type { StateInput, BatchArray } from './state.js';
export type { SolverStats, AcceptedSteps } from './stats.js';
export { OdeSolverError, MaxStepsError, StepSizeError, NonFiniteError, OverflowError } from './errors.js';
export { iController, piController } from './controller.js';
export type {
  StepSizeController,
  ControllerRun,
  ControllerDecision,
  ControllerFactors,
  PiGains,
} from './controller.js';
export { TABLEAUS, METHOD_NAMES, FIXED_METHODS, ADAPTIVE_METHODS, isAdaptive, evaluateTheta } from './tableaus.js';
export type {
  ButcherTableau,
  DenseOutputWeights,
  MethodName,
  FixedMethod,
  AdaptiveMethod,
  ThetaPolynomial,
} from './tableaus.js';
export { RkStepper } from './stepper.js';
export { PROBE, STEP_END } from './recorder.js';
export type { StageRecorder } from './recorder.js';
