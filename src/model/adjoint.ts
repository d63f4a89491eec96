// The continuous adjoint (Chen et al. 2018, with the regulariser's integrand inside the backward solve
// as the paper's code does): integrate [z, a, θ̄] from t1 back to t0 with
//   dz/dt = f,   da/dt = −(∂F/∂z)ᵀ[a; w],   dθ̄/dt = −(∂F/∂θ)ᵀ[a; w]
// where F is the augmented dynamics and w the (constant) cotangents of the regulariser integrals.
// O(1) memory in the number of steps; the gradient matches discretise-then-optimise to the solver's
// tolerance rather than to rounding.
import { odeint } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { SolverStats } from '../ode/stats.js';
import type { Parameter } from '../training/parameters.js';
import type { AugmentedDynamics } from './augmented-dynamics.js';

export interface AdjointResult {
  zbar0: Float64Array;
  stats: SolverStats;
}

/** Solve options for the backward solve: those of the forward solve (a fixed grid is reversed). */
export function adjointGradient(
  dyn: AugmentedDynamics,
  params: readonly Parameter[],
  z1: Float64Array,
  zbar1: Float64Array,
  termCotangents: Float64Array,
  t0: number,
  t1: number,
  options: SolveOptions,
): AdjointResult {
  const bd = z1.length;
  const p = params.reduce((n, q) => n + q.value.size, 0);
  const yAug = new Float64Array(dyn.stateSize);
  const dyAug = new Float64Array(dyn.stateSize);
  const dyBar = new Float64Array(dyn.stateSize);
  dyBar.set(termCotangents, bd);
  const zBar = new Float64Array(dyn.stateSize);
  const f = (t: number, y: Float64Array, dy: Float64Array): void => {
    yAug.set(y.subarray(0, bd));
    dyn.evaluate(t, yAug, dyAug, 0);
    dy.set(dyAug.subarray(0, bd), 0);
    for (const q of params) q.grad.data.fill(0);
    dyBar.set(y.subarray(bd, 2 * bd));
    zBar.fill(0);
    dyn.vjp(0, dyBar, zBar);
    for (let i = 0; i < bd; i++) dy[bd + i] = -zBar[i];
    let at = 2 * bd;
    for (const q of params) {
      const g = q.grad.data;
      for (let i = 0; i < g.length; i++) dy[at + i] = -g[i];
      at += g.length;
    }
  };
  const start = new Float64Array(2 * bd + p);
  start.set(z1, 0);
  start.set(zbar1, bd);
  const backward: SolveOptions = { ...options, recordSteps: false };
  if (options.grid) backward.grid = Array.from(options.grid).reverse();
  const solution = odeint(f, start, [t1, t0], backward);
  const end = solution.ys[1];
  let at = 2 * bd;
  for (const q of params) {
    const g = q.grad.data;
    g.set(end.subarray(at, at + g.length));
    at += g.length;
  }
  return { zbar0: end.slice(bd, 2 * bd), stats: solution.stats };
}
