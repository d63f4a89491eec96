// Discretise-then-optimise through a Runge–Kutta solve: the forward solve (src/ode's odeint with
// recordSteps) keeps each accepted step's start time, size and start state; this replays the steps
// newest first, one at a time, with the dynamics' intermediates kept per stage slot, and reverses them.
// Memory: the checkpoints (accepted steps × state) plus one step's stages, never the whole solve's tape.
//
// All sums over stages are SIMD stage-sum kernels (assembly/rk.ts) on arena buffers, driven by term
// tables like src/ode's stepper. The reverse of a step is the stepper with the tableau transposed:
//   k̄_j = h·(b_j·ȳ + Σ_{i>j} a_ij·ȳ_i),   ȳ ← ȳ + Σ_i ȳ_i,   where ȳ_i = (∂F/∂y at stage i)ᵀ·k̄_i,
// so each stage's cotangent is one gather over the later stages' ȳ_i (one kernel call per stage).
import type { Ptr } from '../autodiff/op.js';
import { ArgumentError } from '../errors.js';
import type { AcceptedSteps } from '../ode/stats.js';
import { writeTerms } from '../ode/stepper.js';
import type { Runtime } from '../runtime/wasm.js';

/** The dynamics as the replay drives them, on arena buffers (byte offsets of n f64 values). */
export interface ReplayDynamics {
  /**
   * dy = F(t, y) at stage `slot`; what `vjp` needs for that slot may be kept in the caller's arena
   * scope (the replay frees it once the step is reversed).
   */
  stage(t: number, y: Ptr, dy: Ptr, slot: number): void;
  /** Adds (∂F/∂y)ᵀ·k̄ at that slot's stage to ȳ (and accumulates parameter gradients). */
  vjp(slot: number, kbar: Ptr, ybar: Ptr): void;
}

export interface StageTableau {
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly c: readonly number[];
}

/** Stages that influence the propagated solution: b ≠ 0 or feeding a later needed stage. */
export function neededStages({ a, b, c }: StageTableau): boolean[] {
  const s = c.length;
  const needed = new Array<boolean>(s).fill(false);
  for (let i = s - 1; i >= 0; i--) needed[i] = b[i] !== 0 || needed.some((nd, m) => nd && m > i && (a[m][i] ?? 0) !== 0);
  return needed;
}

/**
 * Reverse of the recorded steps (discretise-then-optimise): given ȳ at the end, returns ȳ at the start.
 * For each step, newest first, the stages are replayed from the checkpoint (forward, slot i per stage)
 * and then reversed. Step sizes and accept/reject decisions are held fixed. Returns evaluations made.
 * Arena: everything lives in one scope of its own (the dynamics may allocate in nested scopes).
 */
export function backpropagateSteps(
  rt: Runtime,
  dyn: ReplayDynamics,
  steps: AcceptedSteps,
  tableau: StageTableau,
  ybarEnd: Float64Array,
): { ybar: Float64Array; nfe: number } {
  const n = ybarEnd.length;
  const { a, b, c } = tableau;
  const s = c.length;
  if (steps.y.length !== steps.t.length) throw new ArgumentError('steps', 'a record with a start state per step (solve with recordSteps)', steps.y.length);
  if (steps.h.length !== steps.t.length) throw new ArgumentError('steps.h', `a step size per step (${steps.t.length})`, steps.h.length);
  steps.y.forEach((y, i) => { if (y.length !== n) throw new ArgumentError(`steps.y[${i}]`, `a state of ${n} values`, y.length); });
  const needed = neededStages(tableau);
  const { arena, kernels } = rt;
  return arena.scope(() => {
    const y0 = arena.alloc(n);
    const stage = arena.alloc(n);
    const ybar = arena.alloc(n);
    const kbar = arena.alloc(n);
    const k = Array.from({ length: s }, () => arena.alloc(n));
    const stageBar = Array.from({ length: s }, () => arena.alloc(n));
    const keep = (coefficient: number, i: number) => (needed[i] ? coefficient : 0);
    // Forward row i: y0 + h·Σ_j a_ij k_j. Reverse column j: h·(b_j ȳ + Σ_{i>j} a_ij ȳ_i). Update: ȳ + Σ_i ȳ_i.
    const rows = a.map((row) => writeTerms(arena, row.map(keep), k));
    const columns = b.map((bj, j) => writeTerms(arena, [bj, ...stageBar.map((_, i) => (i > j ? keep(a[i][j] ?? 0, i) : 0))], [ybar, ...stageBar]));
    const update = writeTerms(arena, stageBar.map((_, i) => keep(1, i)), stageBar);
    arena.f64.set(ybarEnd, ybar / 8);
    let nfe = 0;
    for (let step = steps.t.length - 1; step >= 0; step--) {
      const t = steps.t[step], h = steps.h[step];
      arena.f64.set(steps.y[step], y0 / 8);
      const mark = arena.mark(); // what the stages keep for their VJPs lives until the step is reversed
      for (let i = 0; i < s; i++) {
        if (!needed[i]) continue;
        kernels.rk_stage_sum(stage, y0, h, rows[i].ptr, rows[i].count, n);
        dyn.stage(t + c[i] * h, stage, k[i], i);
        nfe++;
      }
      for (let i = s - 1; i >= 0; i--) {
        if (!needed[i]) continue;
        kernels.rk_stage_sum(kbar, 0, h, columns[i].ptr, columns[i].count, n);
        kernels.fill(stageBar[i], 0, n);
        dyn.vjp(i, kbar, stageBar[i]);
      }
      arena.reset(mark);
      kernels.rk_stage_sum(ybar, ybar, 1, update.ptr, update.count, n);
    }
    return { ybar: arena.f64.slice(ybar / 8, ybar / 8 + n), nfe };
  });
}
