// The continuous adjoint (Chen et al. 2018, with the regulariser's integrand inside the backward solve
// as the paper's code does): integrate [z, a, θ̄] from t1 back to t0 with
//   dz/dt = f,   da/dt = −(∂F/∂z)ᵀ[a; w],   dθ̄/dt = −(∂F/∂θ)ᵀ[a; w]
// where F is the augmented dynamics and w the (constant) cotangents of its integrals: the regularisers'
// λ and the per-example cotangent of Δlog p (the data loss's), both in the dynamics' own layout.
// O(1) memory in the number of steps; the gradient matches discretise-then-optimise to the solver's
// tolerance rather than to rounding.
import { ArgumentError } from '../errors.js';
import { odeint } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { SolverStats } from '../ode/stats.js';
import type { ParameterLike } from '../training/parameters.js';
import type { Tensor } from '../runtime/tensor.js';
import type { AugmentedDynamics } from './augmented.js';
import type { Runtime } from '../runtime/wasm.js';

export interface AdjointResult {
  zbar0: Float64Array;
  stats: SolverStats;
}

/** Solve options for the backward solve: those of the forward solve (a fixed grid is reversed). */
export function adjointGradient(
  rt: Runtime,
  dyn: AugmentedDynamics,
  params: readonly ParameterLike[],
  z1: Float64Array,
  zbar1: Float64Array,
  termCotangents: Float64Array,
  t0: number,
  t1: number,
  options: SolveOptions,
  /** ∂L/∂Δlog p per example (with a logDensity term; default zeros) */
  logDensityCotangent: Float64Array = new Float64Array(dyn.layout.logDensity.count),
): AdjointResult {
  const bd = dyn.batch * dyn.d;
  const sized = (name: string, values: Float64Array, count: number) => {
    if (values.length !== count) throw new ArgumentError(name, `${count} values`, values.length);
  };
  sized('z1', z1, bd);
  sized('zbar1', zbar1, bd);
  sized('termCotangents', termCotangents, dyn.terms.length);
  sized('logDensityCotangent', logDensityCotangent, dyn.layout.logDensity.count);
  const p = params.reduce((n, q) => n + q.value.size, 0);
  const { arena, kernels } = rt;
  return arena.scope(() => {
    // The dynamics' own layout [z | integrals] for the point and [a | w] for the cotangent; the adjoint
    // state [z, a, θ̄] is read and written by offset (kernel calls only: the dynamics may grow memory).
    const yAug = arena.alloc(dyn.stateSize);
    const dyAug = arena.alloc(dyn.stateSize);
    const dyBar = arena.alloc(dyn.stateSize);
    const zBar = arena.alloc(dyn.stateSize);
    arena.f64.set(logDensityCotangent, dyBar / 8 + dyn.layout.logDensity.offset);
    arena.f64.set(termCotangents, dyBar / 8 + dyn.layout.terms.offset);
    const f = {
      evaluate(t: number, y: Tensor, dy: Tensor): void {
        kernels.copy(yAug, y.offset, bd);
        kernels.copy(dyBar, y.offset + 8 * bd, bd);
        const mark = arena.mark(); // the stage's values, kept for its VJP
        dyn.replayStage(t, yAug, dyAug, 0);
        kernels.copy(dy.offset, dyAug, bd);
        for (const q of params) kernels.fill(q.grad.offset, 0, q.value.size);
        kernels.fill(zBar, 0, dyn.stateSize);
        dyn.replayVjp(0, dyBar, zBar);
        arena.reset(mark);
        kernels.scale(dy.offset + 8 * bd, zBar, -1, bd);
        let at = dy.offset + 16 * bd;
        for (const q of params) {
          kernels.scale(at, q.grad.offset, -1, q.value.size);
          at += 8 * q.value.size;
        }
      },
    };
    const start = new Float64Array(2 * bd + p);
    start.set(z1, 0);
    start.set(zbar1, bd);
    const backward: SolveOptions = { ...options, recordSteps: false, runtime: rt };
    // The forward's error-norm selection names components of its own layout; [z, a, θ̄] has another.
    delete backward.errorComponents;
    if (options.grid) backward.grid = Array.from(options.grid).reverse();
    const solution = odeint(f, start, [t1, t0], backward);
    const end = solution.ys[1];
    let at = 2 * bd;
    for (const q of params) {
      q.grad.copyFrom(end.subarray(at, at + q.value.size));
      at += q.value.size;
    }
    return { zbar0: end.slice(bd, 2 * bd), stats: solution.stats };
  });
}
