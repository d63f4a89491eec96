// The `regularizers: { order, lambda, kinetic, jacobian }` shorthand for a terms list (terms.ts'
// termsFromRegularizers converts it when a config is checked: resolveTerms). What each term integrates:
// Each term is one scalar state; its integrand is a mean over batch and features (D = state dimension):
//   rK        Σ ||d^K z/dt^K||² / (batch·D) = (K!)² Σ ||z[K]||² / (batch·D)   (z[K] normalised Taylor coefficient)
//   kinetic   Σ ||f(z, t)||² / (batch·D)                                       (RNODE)
//   jacobian  Σ ||∂f/∂z · ε||² / (batch·D), ε Rademacher [batch, D], drawn once per solve (RNODE)
// Each integral starts at 0 at t0 and runs over |dt| (the integrands carry sign(t1 − t0)); the objective
// adds λ · (the integral at t1), i.e. λ times the batch mean of each example's feature-averaged integral.
import { ArgumentError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import { MAX_ORDER } from './kinds.js';
import {
  checkTerms,
  termsFromRegularizers,
  weightedTerm,
  type RegulariserTermConfig,
  type TermConfig,
  type WeightedTerm,
} from './terms.js';

export { MAX_ORDER };

// K! lives with the solution derivatives; re-exported for callers that import it from here.
export { factorial } from '../taylor/solution.js';

export interface RegularizerConfig {
  /** K of R_K (1..8); omit for none */
  order?: number;
  /** λ for R_K */
  lambda?: number;
  /** λ for the kinetic term (0 or omitted: not integrated) */
  kinetic?: number;
  /** λ for the Jacobian-Frobenius term (0 or omitted: not integrated) */
  jacobian?: number;
}

/** A regulariser with its λ and result name resolved (the one shape of a weighted term: terms.ts' WeightedTerm). */
export type RegularizerTerm = WeightedTerm;

export const REGULARIZER_KEYS = ['order', 'lambda', 'kinetic', 'jacobian'] as const;

export function checkRegularizers(r: RegularizerConfig): void {
  checkKeys(r, REGULARIZER_KEYS, 'regularizers');
  if (r.order !== undefined && (!Number.isInteger(r.order) || r.order < 1 || r.order > MAX_ORDER)) {
    throw new ArgumentError('regularizers.order', `an integer K in 1..${MAX_ORDER}`, r.order);
  }
  for (const key of ['lambda', 'kinetic', 'jacobian'] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      throw new ArgumentError(`regularizers.${key}`, 'a finite non-negative weight', v);
  }
  if (r.lambda !== undefined && r.lambda > 0 && r.order === undefined)
    throw new ArgumentError('regularizers.order', 'the K of R_K when lambda > 0', undefined);
}

/** The integrated terms, in state order. R_K is integrated whenever an order is given (even at λ = 0, for monitoring). */
export function regularizerTerms(r: RegularizerConfig): RegularizerTerm[] {
  return (termsFromRegularizers(r) as RegulariserTermConfig[]).map(weightedTerm);
}

/** The terms list of either form, checked: a list as it is, the shorthand converted (termsFromRegularizers). */
export function resolveTerms(
  terms: RegularizerConfig | readonly TermConfig[],
  argument = 'terms',
): readonly TermConfig[] {
  if (Array.isArray(terms)) {
    checkTerms(terms, argument);
    return terms;
  }
  checkRegularizers(terms as RegularizerConfig);
  return termsFromRegularizers(terms as RegularizerConfig);
}
