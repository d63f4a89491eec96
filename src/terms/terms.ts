// The terms that ride along the solve, as a list of one shape, `{ kind, lambda?, … }`, from the
// configuration to the integration: regularisers (one scalar integral each, weighted by λ in the
// objective), the CNF log-density (one integral per example, its cotangent supplied by the data loss)
// and the step terms (sums over the solver's accepted steps). Each kind's rules are one entry of
// kinds.ts' TERM_KINDS. Validation is strict, every rejection naming the term and the key, so a typo
// (`lamda`) is an error rather than a silently unweighted term.
import { ArgumentError } from '../errors.js';
import { TERM_KINDS, TERM_KIND_NAMES, type TermRole } from './kinds.js';
import type { RegularizerConfig } from './regularizers.js';

export type NoiseKind = 'rademacher' | 'gaussian';
export type TraceEstimatorKind = 'exact' | 'hutchinson';
/**
 * How R_K's integral is computed: 'stages' integrates the integrand beside z at every RK stage (the
 * exact RK quadrature; the default); 'stepRandom' and 'stepStart' evaluate it once per accepted step in
 * the backward pass (taylor-step.ts): at one uniform random time per step along the dense output
 * (unbiased), or at the step's start (a left Riemann sum, biased O(h)).
 */
export type TaylorEstimator = 'stages' | 'stepRandom' | 'stepStart';

export type TermConfig =
  /** R_K: mean over batch and features of (d^K z/dt^K)², integrated over the stages (default) or estimated once per accepted step */
  | { kind: 'taylor'; order: number; lambda?: number; estimator?: TaylorEstimator }
  /** RNODE's kinetic energy: mean of f² */
  | { kind: 'kinetic'; lambda?: number }
  /** RNODE's Jacobian-Frobenius estimate: mean of (∂f/∂z·ε)², ε drawn once per solve */
  | { kind: 'jacobianFrobenius'; lambda?: number; noise?: NoiseKind }
  /** CNF: Δlog p = −∫ tr(∂f/∂z) dt per example; `exact` (D jets, small D) or Hutchinson's εᵀ(∂f/∂z)ε */
  | { kind: 'logDensity'; estimator: TraceEstimatorKind; noise?: NoiseKind }
  /** ERNODE: Σ over accepted steps of the solver's error ratio over z × |h| (step-terms.ts; checkpoint replay only: evaluated only when a gradient is taken) */
  | { kind: 'errorEstimate'; lambda?: number }
  /** SRNODE: Σ over accepted steps of the stiffness estimate ρ × |h| (step-terms.ts; dopri5/tsit5, checkpoint replay only: evaluated only when a gradient is taken) */
  | { kind: 'stiffness'; lambda?: number };

/**
 * Terms summed over the solver's accepted steps in the replay, not integrated in the state: the step
 * terms, and R_K with a per-step estimator (isStepTerm tells which).
 */
export type StepTermConfig = Extract<TermConfig, { kind: 'errorEstimate' | 'stiffness' | 'taylor' }>;
/** Terms integrated in the state (R_K with the 'stages' estimator among them; isStepTerm tells which). */
export type IntegralTermConfig = Exclude<TermConfig, { kind: 'errorEstimate' | 'stiffness' }>;

export function isStepTerm(term: TermConfig): term is StepTermConfig {
  return termRole(term) === 'step';
}

/** How a term enters the objective (its kind's `role`, which for R_K depends on its estimator). */
export function termRole(term: TermConfig): TermRole {
  return (TERM_KINDS[term.kind].role as (t: TermConfig) => TermRole)(term);
}

export type TermKind = TermConfig['kind'];

/** The regularisers: λ-weighted scalar integrals beside z. */
export type RegulariserTermConfig = Extract<TermConfig, { kind: 'taylor' | 'kinetic' | 'jacobianFrobenius' }>;

/**
 * A regulariser as the augmented dynamics integrate it: its configuration with λ resolved (0 when
 * omitted) and its result name (termName), so the objective weights and reports it without a second shape.
 */
export type WeightedTerm = RegulariserTermConfig & { lambda: number; name: string };

const NOISES: readonly NoiseKind[] = ['rademacher', 'gaussian'];

/** The result key of a term (the names the regularizers config always had: r<K>, kinetic, jacobian, …). */
export function termName(term: Exclude<TermConfig, { kind: 'logDensity' }>): string {
  return (TERM_KINDS[term.kind].name as (t: TermConfig) => string)(term);
}

/** A regulariser term with its defaults resolved (see WeightedTerm). */
export function weightedTerm(term: RegulariserTermConfig): WeightedTerm {
  return { ...term, lambda: term.lambda ?? 0, name: termName(term) };
}

/** Throws an ArgumentError naming `argument[i].key` unless `terms` is a valid list (at most one of each kind). */
export function checkTerms(terms: unknown, argument = 'terms'): asserts terms is TermConfig[] {
  if (!Array.isArray(terms)) throw new ArgumentError(argument, 'an array of terms { kind, … }', terms);
  const seen = new Set<string>();
  terms.forEach((term: unknown, i) => {
    const at = `${argument}[${i}]`;
    if (typeof term !== 'object' || term === null)
      throw new ArgumentError(at, `a term { kind: ${TERM_KIND_NAMES.join(' | ')}, … }`, term);
    const t = term as Record<string, unknown>;
    if (!TERM_KIND_NAMES.includes(t.kind as TermKind))
      throw new ArgumentError(`${at}.kind`, `one of ${TERM_KIND_NAMES.join(', ')}`, t.kind);
    const kind = t.kind as TermKind;
    const { required, optional, checkValues } = TERM_KINDS[kind];
    for (const key of Object.keys(t)) {
      if (key !== 'kind' && !required.includes(key) && !optional.includes(key)) {
        throw new ArgumentError(
          `${at}.${key}`,
          `no such key for a ${kind} term (it takes ${[...required, ...optional].join(', ') || 'no other key'})`,
          t[key],
        );
      }
    }
    for (const key of required)
      if (t[key] === undefined)
        throw new ArgumentError(`${at}.${key}`, `a value (required for a ${kind} term)`, undefined);
    if (seen.has(kind)) throw new ArgumentError(`${at}.kind`, `at most one ${kind} term`, kind);
    seen.add(kind);
    if (t.lambda !== undefined && !(typeof t.lambda === 'number' && Number.isFinite(t.lambda) && t.lambda >= 0)) {
      throw new ArgumentError(`${at}.lambda`, 'a finite non-negative weight', t.lambda);
    }
    if (t.noise !== undefined && !NOISES.includes(t.noise as NoiseKind))
      throw new ArgumentError(`${at}.noise`, `one of ${NOISES.join(', ')}`, t.noise);
    checkValues(t, at);
  });
}

/**
 * The terms list the `regularizers: { order, lambda, kinetic, jacobian }` config stands for: R_K whenever
 * an order is given (λ = 0 monitors it), kinetic and Jacobian only at a positive weight; in that order.
 */
export function termsFromRegularizers(r: RegularizerConfig): TermConfig[] {
  const terms: TermConfig[] = [];
  if (r.order !== undefined) terms.push({ kind: 'taylor', order: r.order, lambda: r.lambda ?? 0 });
  if (r.kinetic) terms.push({ kind: 'kinetic', lambda: r.kinetic });
  if (r.jacobian) terms.push({ kind: 'jacobianFrobenius', lambda: r.jacobian, noise: 'rademacher' });
  return terms;
}

/** Whether any term draws noise from the Rng (once per solve; stepRandom once per accepted step). */
export function termsNeedNoise(terms: readonly TermConfig[]): boolean {
  return terms.some((t) => (TERM_KINDS[t.kind].needsNoise as (term: TermConfig) => boolean)(t));
}
