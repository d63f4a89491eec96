// The continuous adjoint (Chen et al. 2018, with the regulariser's integrand inside the backward solve
// as the paper's code does): integrate [z, a, θ̄] from t1 back to t0 with
//   dz/dt = f,   da/dt = −(∂F/∂z)ᵀ[a; w],   dθ̄/dt = −(∂F/∂θ)ᵀ[a; w]
// where F is the augmented dynamics and w the (constant) cotangents of the regulariser integrals.
// O(1) memory in the number of steps; the gradient matches discretise-then-optimise to the solver's
// tolerance rather than to rounding.
import { odeint } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { SolverStats } from '../ode/stats.js';
import type { ParameterLike } from '../training/parameters.js';
import type { Tensor } from '../runtime/tensor.js';
import type { AugmentedDynamics } from './augmented.js';

export interface AdjointResult {
  zbar0: Float64Array;
  stats: SolverStats;
}

/** Solve options for the backward solve: those of the forward solve (a fixed grid is reversed). */
export function adjointGradient(
  dyn: AugmentedDynamics,
  params: readonly ParameterLike[],
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
  const result = new Float64Array(2 * bd + p);
  // The tensor form: the backend may allocate (and grow memory) inside, so the state is read before
  // and the derivative written after, through fresh views.
  const f = {
    evaluate(t: number, y: Tensor, dy: Tensor): void {
      const yData = y.data;
      yAug.set(yData.subarray(0, bd));
      dyBar.set(yData.subarray(bd, 2 * bd));
      dyn.evaluate(t, yAug, dyAug, 0);
      result.set(dyAug.subarray(0, bd), 0);
      for (const q of params) q.grad.data.fill(0);
      zBar.fill(0);
      dyn.vjp(0, dyBar, zBar);
      for (let i = 0; i < bd; i++) result[bd + i] = -zBar[i];
      let at = 2 * bd;
      for (const q of params) {
        const g = q.grad.data;
        for (let i = 0; i < g.length; i++) result[at + i] = -g[i];
        at += g.length;
      }
      dy.data.set(result);
    },
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
