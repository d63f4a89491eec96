// Discretise-then-optimise through a Runge–Kutta solve: the forward solve (src/ode's odeint with
// recordSteps) keeps each accepted step's start time, size and start state; this replays the steps
// newest first, one at a time, with the dynamics' intermediates kept per stage slot, and reverses them.
// Memory: the checkpoints (accepted steps × state) plus one step's stages, never the whole solve's tape.
import { ArgumentError } from '../errors.js';
import type { AcceptedSteps } from '../ode/stats.js';

/** dy = F(t, y) at stage `slot` (the dynamics keep that evaluation's intermediates for `vjp`). */
export type SlottedDynamics = (t: number, y: Float64Array, dy: Float64Array, slot: number) => void;

export interface StageTableau {
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly c: readonly number[];
}

/**
 * Reverse of the recorded steps (discretise-then-optimise): given ȳ at the end, returns ȳ at the start.
 * For each step, newest first, the stages are replayed from the checkpoint (forward, slot i per stage)
 * and then reversed; `vjp(slot, k̄, ȳ)` must add (∂F/∂y)ᵀk̄ at that slot's stage to ȳ (and accumulate
 * parameter gradients). Step sizes and accept/reject decisions are held fixed. Returns evaluations made.
 */
export function backpropagateSteps(
  f: SlottedDynamics,
  vjp: (slot: number, kbar: Float64Array, ybarOut: Float64Array) => void,
  steps: AcceptedSteps,
  tableau: StageTableau,
  ybarEnd: Float64Array,
): { ybar: Float64Array; nfe: number } {
  const n = ybarEnd.length;
  const { a, b, c } = tableau;
  const s = c.length;
  // Stages that influence the propagated solution: b ≠ 0 or feeding a later needed stage.
  const needed = new Array<boolean>(s).fill(false);
  for (let i = s - 1; i >= 0; i--) needed[i] = b[i] !== 0 || needed.some((nd, m) => nd && m > i && (a[m][i] ?? 0) !== 0);
  const k = Array.from({ length: s }, () => new Float64Array(n));
  const kbar = Array.from({ length: s }, () => new Float64Array(n));
  const stage = new Float64Array(n);
  const ybar = ybarEnd.slice();
  const stageBar = new Float64Array(n);
  let nfe = 0;
  if (steps.y.length !== steps.t.length) throw new ArgumentError('steps', 'a record with a start state per step (solve with recordSteps)', steps.y.length);
  for (let sIdx = steps.t.length - 1; sIdx >= 0; sIdx--) {
    const t = steps.t[sIdx], h = steps.h[sIdx], y = steps.y[sIdx];
    if (y.length !== n) throw new ArgumentError(`steps.y[${sIdx}]`, `a state of ${n} values`, y.length);
    for (let i = 0; i < s; i++) {
      if (!needed[i]) continue;
      stage.set(y);
      for (let j = 0; j < i; j++) {
        const w = h * a[i][j];
        if (w !== 0) { const kj = k[j]; for (let m = 0; m < n; m++) stage[m] += w * kj[m]; }
      }
      f(t + c[i] * h, stage, k[i], i);
      nfe++;
    }
    for (let i = 0; i < s; i++) {
      const w = h * b[i];
      const kb = kbar[i];
      for (let m = 0; m < n; m++) kb[m] = w * ybar[m];
    }
    for (let i = s - 1; i >= 0; i--) {
      if (!needed[i]) continue;
      stageBar.fill(0);
      vjp(i, kbar[i], stageBar);
      for (let m = 0; m < n; m++) ybar[m] += stageBar[m];
      for (let j = 0; j < i; j++) {
        const w = h * a[i][j];
        if (w !== 0) { const kb = kbar[j]; for (let m = 0; m < n; m++) kb[m] += w * stageBar[m]; }
      }
    }
  }
  return { ybar, nfe };
}
