// Every kind of term as one registry entry, as JAX's jet has one rule per primitive: the keys its
// configuration takes and their checks, its result name, whether it draws noise, and how it is
// computed (the integrand and its gradient for the integrals beside z; the per-step rule for the step
// terms). checkTerms, termName, termsNeedNoise, the augmented dynamics and the replay's step hook all
// read this table, so a new kind is one entry here (and its integrand's place in the augmented state).
// R_K has both: its estimator decides its role (integrated at every stage, or estimated once per step).
import { ArgumentError } from '../errors.js';
import type { Dynamics } from '../nn/vector-field.js';
import type { Tensor } from '../runtime/tensor.js';
import {
  jacobianFrobeniusRegulariser,
  kineticRegulariser,
  taylorCoefficient,
  taylorRegulariser,
  type GradientRequest,
  type RegulariserResult,
} from './integrands.js';
import { STEP_TERM_RULES, type StepTermRule } from './step-terms.js';
import { TAYLOR_STEP_RULE } from './taylor-step.js';
import type { StepTermConfig, TaylorEstimator, TermConfig, TermKind, TraceEstimatorKind } from './terms.js';

type ConfigOf<K extends TermKind> = Extract<TermConfig, { kind: K }>;

/** A regulariser integrated beside z: c·Σx² of one quantity x (integrands.ts), weighted by λ. */
export interface SquaresIntegrand<K extends TermKind> {
  /** what x is: z[K] of the solution jet, f itself, or the Jacobian–noise product ∂f/∂z·ε */
  readonly quantity: 'taylorCoefficient' | 'velocity' | 'jacobianNoise';
  /** c */
  coefficient(term: ConfigOf<K>): number;
  /** the plain sum c·Σx² of a Dynamics at (t, z) and (if asked) its gradient (`eps`: the noise, for the Jacobian term) */
  evaluate(
    dynamics: Dynamics,
    t: number,
    z: Tensor,
    term: ConfigOf<K>,
    eps: Tensor | null,
    grad?: GradientRequest,
  ): RegulariserResult;
}

/**
 * How a term enters the objective: a λ-weighted scalar integral beside z ('regulariser'), Δlog p per
 * example beside z, its cotangent from the data loss ('logDensity'), or a λ-weighted sum over the
 * solver's accepted steps, computed in the replay ('step').
 */
export type TermRole = 'regulariser' | 'logDensity' | 'step';

export interface TermKindRule<K extends TermKind> {
  readonly kind: K;
  /** its role (R_K's depends on its estimator: a regulariser integrated at the stages, or a step term) */
  role(term: ConfigOf<K>): TermRole;
  readonly required: readonly string[];
  readonly optional: readonly string[];
  /** checks of the kind's own values (lambda and noise are checked alike for every kind) */
  checkValues(term: Record<string, unknown>, at: string): void;
  /** the key of its value in an objective's `regularizers` (the log-density's go to `logDensity`) */
  name(term: ConfigOf<K>): string;
  /** whether it draws noise from the Rng (once per solve) */
  needsNoise(term: ConfigOf<K>): boolean;
  /** the integrand of a regulariser */
  readonly integrand?: SquaresIntegrand<K>;
  /** the per-step rule of a step term (step-terms.ts; R_K's per-step estimators: taylor-step.ts) */
  readonly step?: StepTermRule<Extract<ConfigOf<K>, StepTermConfig>>;
}

/** Highest K of R_K: the jet programs carry K + 1 coefficients and (K!)² grows past f64's comfort. */
export const MAX_ORDER = 8;

const ESTIMATORS: readonly TraceEstimatorKind[] = ['exact', 'hutchinson'];
export const TAYLOR_ESTIMATORS: readonly TaylorEstimator[] = ['stages', 'stepRandom', 'stepStart'];
const noChecks = (): void => {};

export const TERM_KINDS: { readonly [K in TermKind]: TermKindRule<K> } = {
  taylor: {
    kind: 'taylor',
    role: (t) => ((t.estimator ?? 'stages') === 'stages' ? 'regulariser' : 'step'),
    required: ['order'],
    optional: ['lambda', 'estimator'],
    checkValues(t, at) {
      if (!(Number.isInteger(t.order) && (t.order as number) >= 1 && (t.order as number) <= MAX_ORDER)) {
        throw new ArgumentError(`${at}.order`, `an integer K in 1..${MAX_ORDER}`, t.order);
      }
      if (t.estimator !== undefined && !TAYLOR_ESTIMATORS.includes(t.estimator as TaylorEstimator)) {
        throw new ArgumentError(`${at}.estimator`, `one of ${TAYLOR_ESTIMATORS.join(', ')}`, t.estimator);
      }
    },
    name: (t) => `r${t.order}`,
    // stepRandom draws one time per accepted step
    needsNoise: (t) => t.estimator === 'stepRandom',
    step: TAYLOR_STEP_RULE,
    integrand: {
      quantity: 'taylorCoefficient',
      coefficient: (t) => taylorCoefficient(t.order),
      evaluate: (dynamics, t, z, term, _eps, grad) => taylorRegulariser(dynamics, t, z, term.order, grad),
    },
  },
  kinetic: {
    kind: 'kinetic',
    role: () => 'regulariser',
    required: [],
    optional: ['lambda'],
    checkValues: noChecks,
    name: () => 'kinetic',
    needsNoise: () => false,
    integrand: {
      quantity: 'velocity',
      coefficient: () => 1,
      evaluate: (dynamics, t, z, _term, _eps, grad) => kineticRegulariser(dynamics, t, z, grad),
    },
  },
  jacobianFrobenius: {
    kind: 'jacobianFrobenius',
    role: () => 'regulariser',
    required: [],
    optional: ['lambda', 'noise'],
    checkValues: noChecks,
    name: () => 'jacobian',
    needsNoise: () => true,
    integrand: {
      quantity: 'jacobianNoise',
      coefficient: () => 1,
      evaluate(dynamics, t, z, _term, eps, grad) {
        if (!eps) throw new ArgumentError('eps', 'the noise ε [batch, D] of the Jacobian term', eps);
        return jacobianFrobeniusRegulariser(dynamics, t, z, eps, grad);
      },
    },
  },
  logDensity: {
    kind: 'logDensity',
    role: () => 'logDensity',
    required: ['estimator'],
    optional: ['noise'],
    checkValues(t, at) {
      if (!ESTIMATORS.includes(t.estimator as TraceEstimatorKind))
        throw new ArgumentError(`${at}.estimator`, `one of ${ESTIMATORS.join(', ')}`, t.estimator);
    },
    name: () => 'logDensity',
    needsNoise: (t) => t.estimator === 'hutchinson',
  },
  errorEstimate: {
    kind: 'errorEstimate',
    role: () => 'step',
    required: [],
    optional: ['lambda'],
    checkValues: noChecks,
    name: () => 'errorEstimate',
    needsNoise: () => false,
    step: STEP_TERM_RULES.errorEstimate,
  },
  stiffness: {
    kind: 'stiffness',
    role: () => 'step',
    required: [],
    optional: ['lambda'],
    checkValues: noChecks,
    name: () => 'stiffness',
    needsNoise: () => false,
    step: STEP_TERM_RULES.stiffness,
  },
};

export const TERM_KIND_NAMES = Object.keys(TERM_KINDS) as TermKind[];
