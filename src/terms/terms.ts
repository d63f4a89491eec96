// The integral terms that ride along the solve, as a list: regularisers (one scalar integral each,
// weighted by λ in the objective) and the CNF log-density (one integral per example, its cotangent
// supplied by the data loss). Validation is strict, every rejection naming the term and the key, so a
// typo (`lamda`) is an error rather than a silently unweighted term.
import { ArgumentError } from '../errors.js';
import { MAX_ORDER, type RegularizerConfig } from './regularizers.js';
export type { RegularizerTerm } from './regularizers.js';

export type NoiseKind = 'rademacher' | 'gaussian';
export type TraceEstimatorKind = 'exact' | 'hutchinson';

export type TermConfig =
  /** R_K: mean over batch and features of (d^K z/dt^K)² */
  | { kind: 'taylor'; order: number; lambda?: number }
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

/** Terms summed over the solver's accepted steps in the replay, not integrated in the state. */
export type StepTermConfig = Extract<TermConfig, { kind: 'errorEstimate' | 'stiffness' }>;
export type IntegralTermConfig = Exclude<TermConfig, StepTermConfig>;

export function isStepTerm(term: TermConfig): term is StepTermConfig {
  return term.kind === 'errorEstimate' || term.kind === 'stiffness';
}

export type TermKind = TermConfig['kind'];

const KEYS: Record<TermKind, { required: readonly string[]; optional: readonly string[] }> = {
  taylor: { required: ['order'], optional: ['lambda'] },
  kinetic: { required: [], optional: ['lambda'] },
  jacobianFrobenius: { required: [], optional: ['lambda', 'noise'] },
  logDensity: { required: ['estimator'], optional: ['noise'] },
  errorEstimate: { required: [], optional: ['lambda'] },
  stiffness: { required: [], optional: ['lambda'] },
};
const KINDS = Object.keys(KEYS) as TermKind[];
const NOISES: readonly NoiseKind[] = ['rademacher', 'gaussian'];
const ESTIMATORS: readonly TraceEstimatorKind[] = ['exact', 'hutchinson'];

/** The result key of a regulariser term (the names the regularizers config always had). */
export function termName(term: Exclude<TermConfig, { kind: 'logDensity' }>): string {
  if (term.kind === 'taylor') return `r${term.order}`;
  if (term.kind === 'errorEstimate' || term.kind === 'stiffness') return term.kind;
  return term.kind === 'kinetic' ? 'kinetic' : 'jacobian';
}

/** Throws an ArgumentError naming `argument[i].key` unless `terms` is a valid list (at most one of each kind). */
export function checkTerms(terms: unknown, argument = 'terms'): asserts terms is TermConfig[] {
  if (!Array.isArray(terms)) throw new ArgumentError(argument, 'an array of terms { kind, … }', terms);
  const seen = new Set<string>();
  terms.forEach((term: unknown, i) => {
    const at = `${argument}[${i}]`;
    if (typeof term !== 'object' || term === null) throw new ArgumentError(at, `a term { kind: ${KINDS.join(' | ')}, … }`, term);
    const t = term as Record<string, unknown>;
    if (!KINDS.includes(t.kind as TermKind)) throw new ArgumentError(`${at}.kind`, `one of ${KINDS.join(', ')}`, t.kind);
    const kind = t.kind as TermKind;
    const { required, optional } = KEYS[kind];
    for (const key of Object.keys(t)) {
      if (key !== 'kind' && !required.includes(key) && !optional.includes(key)) {
        throw new ArgumentError(`${at}.${key}`, `no such key for a ${kind} term (it takes ${[...required, ...optional].join(', ') || 'no other key'})`, t[key]);
      }
    }
    for (const key of required) if (t[key] === undefined) throw new ArgumentError(`${at}.${key}`, `a value (required for a ${kind} term)`, undefined);
    if (seen.has(kind)) throw new ArgumentError(`${at}.kind`, `at most one ${kind} term`, kind);
    seen.add(kind);
    if (t.lambda !== undefined && !(typeof t.lambda === 'number' && Number.isFinite(t.lambda) && t.lambda >= 0)) {
      throw new ArgumentError(`${at}.lambda`, 'a finite non-negative weight', t.lambda);
    }
    if (t.noise !== undefined && !NOISES.includes(t.noise as NoiseKind)) throw new ArgumentError(`${at}.noise`, `one of ${NOISES.join(', ')}`, t.noise);
    if (kind === 'taylor' && !(Number.isInteger(t.order) && (t.order as number) >= 1 && (t.order as number) <= MAX_ORDER)) {
      throw new ArgumentError(`${at}.order`, `an integer K in 1..${MAX_ORDER}`, t.order);
    }
    if (kind === 'logDensity' && !ESTIMATORS.includes(t.estimator as TraceEstimatorKind)) {
      throw new ArgumentError(`${at}.estimator`, `one of ${ESTIMATORS.join(', ')}`, t.estimator);
    }
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

/** Whether any term draws noise from the Rng (once per solve). */
export function termsNeedNoise(terms: readonly TermConfig[]): boolean {
  return terms.some((t) => t.kind === 'jacobianFrobenius' || (t.kind === 'logDensity' && t.estimator === 'hutchinson'));
}
