// The terms integrated beside z or summed over the solver's steps: each kind one registry entry.
export {
  TERM_KINDS,
  MAX_ORDER,
  TAYLOR_ESTIMATORS,
  type TermKindRule,
  type TermRole,
  type SquaresIntegrand,
} from './kinds.js';
export { checkTerms, termsFromRegularizers, termName, termsNeedNoise, isStepTerm, termRole } from './terms.js';
export type { TermConfig, TermKind, NoiseKind, TraceEstimatorKind, TaylorEstimator, WeightedTerm } from './terms.js';
export { regularizerTerms, checkRegularizers, resolveTerms, REGULARIZER_KEYS } from './regularizers.js';
export type { RegularizerConfig, RegularizerTerm } from './regularizers.js';
export { taylorRegulariser, kineticRegulariser, jacobianFrobeniusRegulariser } from './integrands.js';
export type { GradientRequest, RegulariserResult } from './integrands.js';
export { NegativeTrace } from './trace.js';
export { STEP_TERM_KINDS, type StepTermKind } from './step-terms.js';
export type { AugmentedDynamics, StateLayout, StatePart } from './augmented.js';
export { GraphAugmentedDynamics } from './graph-augmented.js';
