// The reference floor for the decoder's NFE on the PhysioNet-like set: what dopri5 needs to solve each
// series' own generating ODE (dynamics.ts, in the hidden coordinates z) over [0, 1] at a tolerance, as
// trueDynamicsNfe is for the periodic set. A latent ODE that learned exactly this process, in these
// coordinates, would take as many steps; a model may take fewer in coordinates of its own or at a
// smaller latent amplitude (absolute tolerance), so it is a reference, not a strict bound.
import { ArgumentError } from 'taynode';
import { hiddenSolve } from './dynamics.js';
import { hiddenParameters, type PhysioNetLikeSet } from './generate.js';

/** Mean and standard deviation of the generating ODE's dopri5 NFE at rtol = atol = tol over `series`. */
export function generatingNfe(
  set: PhysioNetLikeSet,
  series: ArrayLike<number>,
  tol: number,
): { mean: number; sd: number } {
  if (series.length === 0) throw new ArgumentError('series', 'at least one series', 0);
  const nfe = Array.from(
    series,
    (b) => hiddenSolve(set.y0.subarray(3 * b, 3 * b + 3), hiddenParameters(set, b), tol).stats.nfe,
  );
  const mean = nfe.reduce((a, n) => a + n, 0) / nfe.length;
  return { mean, sd: Math.sqrt(nfe.reduce((a, n) => a + (n - mean) ** 2, 0) / nfe.length) };
}
