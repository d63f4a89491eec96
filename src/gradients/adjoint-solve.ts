// The continuous adjoint (Chen et al. 2018, with the regulariser's integrand inside the backward solve
// as the paper's code does): integrate [z, a, θ̄] from t1 back to t0 with
//   dz/dt = f,   da/dt = −(∂F/∂z)ᵀ[a; w],   dθ̄/dt = −(∂F/∂θ)ᵀ[a; w]
// where F is the augmented dynamics and w the (constant) cotangents of its integrals: the regularisers'
// λ and the per-example cotangent of Δlog p (the data loss's), both in the dynamics' own layout.
// O(1) memory in the number of steps; the gradient matches discretise-then-optimise to the solver's
// tolerance rather than to rounding. A loss on z at output times inside [t0, t1] is taken as
// torchdiffeq's odeint_adjoint does: the backward solve stops at each output time (newest first) and
// adds that output's cotangent to a; z may restart there from the forward solution.
// Parameter gradients ACCUMULATE into Parameter.grad, as the checkpointed replay's do: the integrated
// θ̄ is added to what the gradients held before the call (they serve as scratch during the solve).
import { ArgumentError } from '../errors.js';
import { odeint } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import { emptyStats, type SolverStats } from '../ode/stats.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import type { Tensor } from '../runtime/tensor.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import type { Runtime } from '../runtime/wasm.js';
import { checkOutputs, type OutputCotangents } from './outputs.js';

export interface AdjointResult {
  zbar0: Float64Array;
  /** the backward solves' statistics, summed over the pieces between output times */
  stats: SolverStats;
}

/** Cotangents of z (batch × D values each, like zbar1) at output times within [t0, t1]. */
export interface AdjointOutputs extends OutputCotangents {
  /**
   * z at each time from the forward solve (optional): the backward solve's z restarts from it there,
   * as torchdiffeq's odeint_adjoint does, rather than carrying the backward integration's own error.
   */
  readonly states?: readonly Float64Array[];
}

/**
 * ∂L/∂z(t0) (returned) and ∂L/∂θ (written to each parameter's grad) for a loss with cotangent zbar1
 * of z(t1), termCotangents of the integrals at t1 (λ per term), and optionally `outputs`: cotangents
 * of z at times inside [t0, t1] (monotone from t0 to t1; times at t1 add to zbar1, at t0 to zbar0).
 * Solve options: those of the forward solve; a fixed grid is reversed, and between output times its
 * points inside each piece are used, with the output times as extra boundaries.
 */
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
  outputs?: AdjointOutputs,
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
  if (outputs !== undefined) checkAdjointOutputs(outputs, bd, t0, t1);
  const p = params.reduce((n, q) => n + q.value.size, 0);
  const { arena, kernels } = rt;
  const before = params.map((q) => q.grad.toFloat64Array()); // the evaluations below use the gradients as scratch
  return arena.scope(() => {
    // The dynamics' own layout [z | integrals] for the point and [a | w] for the cotangent; the adjoint
    // state [z, a, θ̄] is read and written by offset (kernel calls only: the dynamics may grow memory).
    const yAug = arena.alloc(dyn.stateSize);
    const dyAug = arena.alloc(dyn.stateSize);
    const dyBar = arena.alloc(dyn.stateSize);
    const zBar = arena.alloc(dyn.stateSize);
    const b = kernels.valueBytes;
    arena.write(dyBar + b * dyn.layout.logDensity.offset, logDensityCotangent);
    arena.write(dyBar + b * dyn.layout.terms.offset, termCotangents);
    const f = {
      evaluate(t: number, y: Tensor, dy: Tensor): void {
        kernels.copy(yAug, y.offset, bd);
        kernels.copy(dyBar, y.offset + b * bd, bd);
        const mark = arena.mark(); // the stage's values, kept for its VJP
        dyn.replayStage(t, yAug, dyAug, 0);
        kernels.copy(dy.offset, dyAug, bd);
        for (const q of params) kernels.fill(q.grad.offset, 0, q.value.size);
        kernels.fill(zBar, 0, dyn.stateSize);
        dyn.replayVjp(0, dyBar, zBar);
        arena.reset(mark);
        kernels.scale(dy.offset + b * bd, zBar, -1, bd);
        let at = dy.offset + 2 * b * bd;
        for (const q of params) {
          kernels.scale(at, q.grad.offset, -1, q.value.size);
          at += b * q.value.size;
        }
      },
    };
    const state = new Float64Array(2 * bd + p);
    state.set(z1, 0);
    state.set(zbar1, bd);
    const backward: SolveOptions = { ...options, recordSteps: false, runtime: rt };
    // The forward's error-norm selection names components of its own layout; [z, a, θ̄] has another.
    delete backward.errorComponents;
    const stats = emptyStats();
    let now = t1;
    const solveTo = (to: number) => {
      if (to === now) return;
      if (options.grid) backward.grid = pieceOfGrid(options.grid, now, to);
      const piece = odeint(f, state, [now, to], backward);
      state.set(piece.ys[1]);
      if (stats.acceptedSteps === 0) stats.initialStep = piece.stats.initialStep;
      for (const key of ['nfe', 'acceptedSteps', 'rejectedSteps', 'nonFiniteRejections'] as const)
        stats[key] += piece.stats[key];
      now = to;
    };
    for (let m = (outputs?.times.length ?? 0) - 1; m >= 0; m--) {
      solveTo(outputs!.times[m]);
      if (outputs!.states) state.set(outputs!.states[m], 0);
      const cotangent = outputs!.cotangents[m];
      for (let i = 0; i < bd; i++) state[bd + i] += cotangent[i];
    }
    solveTo(t0);
    let at = 2 * bd;
    params.forEach((q, i) => {
      const prior = before[i];
      q.grad.copyFrom(state.subarray(at, at + q.value.size).map((g, j) => g + prior[j]));
      at += q.value.size;
    });
    return { zbar0: state.slice(bd, 2 * bd), stats };
  });
}

function checkAdjointOutputs(outputs: AdjointOutputs, bd: number, t0: number, t1: number): void {
  checkOutputs(outputs, bd, t0, t1);
  const { states, times } = outputs;
  if (states === undefined) return;
  if (!Array.isArray(states) || states.length !== times.length) {
    throw new ArgumentError(
      'outputs.states',
      `an array of one state per time (${times.length})`,
      Array.isArray(states) ? states.length : states,
    );
  }
  states.forEach((z, m) => {
    if (!(z instanceof Float64Array) || z.length !== bd)
      throw new ArgumentError(`outputs.states[${m}]`, `a Float64Array of ${bd} values`, z);
  });
}

/** The backward piece from `from` to `to` of a forward grid: its points strictly between, framed by both. */
function pieceOfGrid(grid: ArrayLike<number>, from: number, to: number): number[] {
  const [lo, hi] = from < to ? [from, to] : [to, from];
  const inside = Array.from(grid).filter((t) => t > lo && t < hi);
  if (from > to) inside.reverse();
  return [from, ...inside, to];
}
