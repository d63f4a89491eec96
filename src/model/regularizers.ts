// Which regularisers ride along the solve as extra states, and their weights.
// Integrands, per example b (D = state dimension; averaged over features as the paper's code does):
//   rK        ||d^K z/dt^K||² / D = (K!)² ||z[K]||² / D        (z[K] the normalised Taylor coefficient)
//   kinetic   ||f(z, t)||² / D                                   (RNODE)
//   jacobian  ||∂f/∂z · ε||² / D, ε Rademacher [batch, D], drawn once per solve (RNODE)
// Each integral starts at 0 at t0; the objective adds λ · (mean over the batch of the integral at t1).
import { ArgumentError } from '../errors.js';

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

export interface RegularizerTerm {
  name: string;
  lambda: number;
}

export const MAX_ORDER = 8;

export function checkRegularizers(r: RegularizerConfig): void {
  if (r.order !== undefined && (!Number.isInteger(r.order) || r.order < 1 || r.order > MAX_ORDER)) {
    throw new ArgumentError('regularizers.order', `an integer K in 1..${MAX_ORDER}`, r.order);
  }
  for (const key of ['lambda', 'kinetic', 'jacobian'] as const) {
    const v = r[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new ArgumentError(`regularizers.${key}`, 'a finite non-negative weight', v);
  }
  if (r.lambda !== undefined && r.lambda > 0 && r.order === undefined) throw new ArgumentError('regularizers.order', 'the K of R_K when lambda > 0', undefined);
}

/** The integrated terms, in state order. R_K is integrated whenever an order is given (even at λ = 0, for monitoring). */
export function regularizerTerms(r: RegularizerConfig): RegularizerTerm[] {
  const terms: RegularizerTerm[] = [];
  if (r.order !== undefined) terms.push({ name: `r${r.order}`, lambda: r.lambda ?? 0 });
  if (r.kinetic) terms.push({ name: 'kinetic', lambda: r.kinetic });
  if (r.jacobian) terms.push({ name: 'jacobian', lambda: r.jacobian });
  return terms;
}

export function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}
