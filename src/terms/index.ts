export type { AugmentedDynamics, StateLayout, StatePart } from './augmented.js';
export { GraphAugmentedDynamics } from './graph-augmented.js';
export { regularizerTerms, checkRegularizers, MAX_ORDER, REGULARIZER_KEYS } from './regularizers.js';
export type { RegularizerConfig, RegularizerTerm } from './regularizers.js';
export { checkTerms, termsFromRegularizers, termName, termsNeedNoise, isStepTerm } from './terms.js';
export { STEP_TERM_KINDS, type StepTermKind } from './step-terms.js';
export type { TermConfig, TermKind, NoiseKind, TraceEstimatorKind } from './terms.js';
export { NegativeTrace } from './trace.js';
