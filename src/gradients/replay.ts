// Discretise-then-optimise through a Runge–Kutta solve: the forward solve (src/ode's odeint with
// recordSteps) keeps each accepted step's start time, size and start state; this replays the steps
// newest first, one at a time, with the dynamics' intermediates kept per stage slot, and reverses them.
// Memory: the checkpoints (accepted steps × state) plus one step's stages, never the whole solve's tape.
// With `stored` (gradient 'backprop', stage-store.ts) the forward solve kept every accepted step's stages
// in slots of their own: the same reverse runs on those slots and nothing is replayed.
//
// All sums over stages are SIMD stage-sum kernels (assembly/rk.ts) on arena buffers, driven by term
// tables like src/ode's stepper. The reverse of a step is the stepper with the tableau transposed:
//   k̄_j = h·(b_j·ȳ + Σ_{i>j} a_ij·ȳ_i),   ȳ ← ȳ + Σ_i ȳ_i,   where ȳ_i = (∂F/∂y at stage i)ᵀ·k̄_i,
// so each stage's cotangent is one gather over the later stages' ȳ_i (one kernel call per stage).
// Outputs at times inside the solve (outputs.ts) are reversed with their step: a dense output
// y(τ) = y0 + h·Σ_j b_j(θ)·k_j (+ h·b_next(θ)·f(t1, y1)) adds ȳτ to ȳ0 and h·b_j(θ)·ȳτ to k̄_j, so it
// becomes one more term in the same gathers; f(t1, y1) (Hermite on non-FSAL methods) is replayed once
// more and its VJP added to ȳ1.
import type { Ptr } from '../autodiff/op.js';
import { ArgumentError } from '../errors.js';
import type { AcceptedSteps } from '../ode/stats.js';
import type { Arena } from '../runtime/arena.js';
import { writeTerms } from '../ode/stepper.js';
import { evaluateTheta, type DenseOutputWeights } from '../ode/tableaus.js';
import type { Runtime } from '../runtime/wasm.js';
import { checkOutputs, placeOutputs, type OutputCotangents, type PlacedOutputs } from './outputs.js';
import type { StepTermsHook } from '../terms/step-terms.js';

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

/**
 * Stages kept by the forward solve instead of replayed (gradient 'backprop'): per accepted step, the
 * slot of each stage's kept evaluation (−1: not evaluated) and of f(t_end, y_end) (−1: none; the next
 * step's stage 0 when there is one). FSAL pairs share a slot between a step's last stage and the next's first.
 */
export interface StoredStages {
  readonly stages: readonly (readonly number[])[];
  readonly ends: readonly number[];
  /** dy = the slot's kept F (z part; the rest zeroed), for step terms, which read the stages' values */
  output(slot: number, dy: Ptr): void;
}

export interface StageTableau {
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly c: readonly number[];
  /** dense-output weights (every src/ode tableau has them): required only for outputs inside steps */
  readonly dense?: Pick<DenseOutputWeights, 'stage' | 'next'>;
}

/** Stages that influence the propagated solution: b ≠ 0 or feeding a later needed stage. */
export function neededStages({ a, b, c }: StageTableau): boolean[] {
  const s = c.length;
  const needed = new Array<boolean>(s).fill(false);
  for (let i = s - 1; i >= 0; i--)
    needed[i] = b[i] !== 0 || needed.some((nd, m) => nd && m > i && (a[m][i] ?? 0) !== 0);
  return needed;
}

/** Stages a dense output inside a step reads as well: b_j(θ) ≢ 0, or feeding such a stage. */
function neededForDense(tableau: StageTableau, dense: Pick<DenseOutputWeights, 'stage'>): boolean[] {
  const b = tableau.b.map((bj, j) => (bj !== 0 || dense.stage[j].some((p) => p !== 0) ? 1 : 0));
  return neededStages({ ...tableau, b });
}

/**
 * Reverse of the recorded steps (discretise-then-optimise): given ȳ at the end, returns ȳ at the start.
 * For each step, newest first, the stages are replayed from the checkpoint (forward, slot i per stage)
 * and then reversed. Step sizes and accept/reject decisions are held fixed. Returns evaluations made.
 *
 * `outputs` adds the loss's cotangents of the state at times inside the solve (a time series): each
 * time is placed in the step odeint's dense output placed it in (steps.tEnd, as odeint records it,
 * marks the last step's exact end), and is reversed with that step; the tableau then needs its `dense`
 * weights. A time at the start adds to the returned ȳ; one at a step's end to that step's ȳ1; a
 * Hermite output (non-FSAL methods) costs one more evaluation, at (t1, y1), in that step (slot
 * `stages`), counted in nfe. ȳ at t_end may come as ybarEnd, as an output at t_end, or both.
 * Arena: everything lives in one scope of its own (the dynamics may allocate in nested scopes).
 */
export function backpropagateSteps(
  rt: Runtime,
  dyn: ReplayDynamics,
  steps: AcceptedSteps,
  tableau: StageTableau,
  ybarEnd: Float64Array,
  outputs?: OutputCotangents,
  stepTerms?: StepTermsHook,
  stored?: StoredStages,
): { ybar: Float64Array; nfe: number; stepTermValues: number[] } {
  const n = ybarEnd.length;
  const { a, b, c, dense } = tableau;
  const s = c.length;
  const count = steps.t.length;
  if (steps.y.length !== count)
    throw new ArgumentError('steps', 'a record with a start state per step (solve with recordSteps)', steps.y.length);
  if (steps.h.length !== count) throw new ArgumentError('steps.h', `a step size per step (${count})`, steps.h.length);
  steps.y.forEach((y, i) => {
    if (y.length !== n) throw new ArgumentError(`steps.y[${i}]`, `a state of ${n} values`, y.length);
  });
  if (stored && (stored.stages.length !== count || stored.ends.length !== count))
    throw new ArgumentError('stored', `the stages of ${count} steps`, stored.stages.length);
  const ends = Array.from(steps.t, (_, i) =>
    i + 1 < count ? steps.t[i + 1] : (steps.tEnd ?? steps.t[i] + steps.h[i]),
  );
  const placed = outputs === undefined ? null : placeChecked(outputs, n, steps.t, steps.h, ends);
  const anyInside = placed?.steps.some((p) => p.inside.length > 0);
  if (anyInside && !dense)
    throw new ArgumentError(
      'tableau.dense',
      'dense-output weights (as src/ode tableaus carry) for outputs inside steps',
      undefined,
    );
  // Stages a step term reads (dopri5's 7th, b = 0, for the error estimate) are replayed and reversed too.
  const extra = stepTerms?.stages ?? [];
  const withTerms = (use: boolean[]) =>
    stepTerms ? neededStages({ ...tableau, b: tableau.b.map((_bj, j) => (use[j] || extra[j] ? 1 : 0)) }) : use;
  const needed = withTerms(neededStages(tableau));
  const denseNeeded = anyInside ? withTerms(neededForDense(tableau, dense!)) : needed;
  const stepTermValues: number[] = [];
  const hermiteNext = anyInside && dense!.next !== null ? dense!.next : null;
  const identity = Array.from({ length: s }, (_, i) => i);
  const { arena, kernels } = rt;
  return arena.scope(() => {
    const y0 = arena.alloc(n);
    const stage = arena.alloc(n);
    const ybar = arena.alloc(n);
    const kbar = arena.alloc(n);
    const k = Array.from({ length: s }, () => arena.alloc(n));
    const stageBar = Array.from({ length: s }, () => arena.alloc(n));
    // Forward row i: y0 + h·Σ_j a_ij k_j (a needed stage only reads needed stages).
    const rows = a.map((row) => writeTerms(arena, row, k));
    const plain = reverseTables(arena, tableau, needed, ybar, stageBar, []);
    // y1 = y0 + h·Σ b_j k_j and f(t1, y1), for Hermite outputs only.
    const solution = hermiteNext ? writeTerms(arena, b, k) : null;
    const y1 = hermiteNext ? arena.alloc(n) : 0;
    const f1 = hermiteNext ? arena.alloc(n) : 0;
    const f1bar = hermiteNext ? arena.alloc(n) : 0;
    arena.write(ybar, ybarEnd);
    let nfe = 0;
    for (let step = count - 1; step >= 0; step--) {
      const t = steps.t[step],
        h = steps.h[step];
      const here = placed?.steps[step];
      const mark = arena.mark(); // the stages' kept values and this step's output tables live until it is reversed
      if (here && here.atEnd.length > 0)
        addCotangents(
          rt,
          ybar,
          here.atEnd.map((m) => outputs!.cotangents[m]),
        );
      const inside = here?.inside ?? [];
      const use = inside.length > 0 ? denseNeeded : needed;
      // Slot of stage i's kept values: the replay's own slot i, or the forward solve's stored one.
      const slot = stored ? storedSlots(stored, step, use) : identity;
      if (!stored || stepTerms) arena.write(y0, steps.y[step]);
      for (let i = 0; i < s; i++) {
        if (!use[i]) continue;
        if (stored) {
          if (stepTerms) stored.output(slot[i], k[i]);
          continue;
        }
        kernels.rk_stage_sum(stage, y0, h, rows[i].ptr, rows[i].count, n);
        dyn.stage(t + c[i] * h, stage, k[i], i);
        nfe++;
      }
      // Step terms: their values, and their cotangents as the start of each k̄_i and an extra ȳ0.
      const termKbar: Ptr[] = [];
      let termY0bar = 0;
      if (stepTerms) {
        for (let i = 0; i < s; i++)
          if (use[i]) {
            termKbar[i] = arena.alloc(n);
            kernels.fill(termKbar[i], 0, n);
          }
        termY0bar = arena.alloc(n);
        kernels.fill(termY0bar, 0, n);
        const values = stepTerms.step({
          index: step,
          t,
          h,
          y0,
          k: k.map((p, i) => (use[i] ? p : undefined)),
          kbar: termKbar.map((p, i) => (use[i] ? p : undefined)),
          y0bar: termY0bar,
        });
        values.forEach((v, j) => {
          stepTermValues[j] = (stepTermValues[j] ?? 0) + v;
        });
      }
      let tables = plain;
      if (inside.length > 0) {
        const outs = inside.map(({ index, theta }) => {
          const bar = arena.alloc(n);
          arena.write(bar, outputs!.cotangents[index]);
          return {
            bar,
            weights: dense!.stage.map((p) => evaluateTheta(p, theta)),
            next: hermiteNext ? evaluateTheta(hermiteNext, theta) : 0,
          };
        });
        if (hermiteNext) {
          // f̄1 = h·Σ_m b_next(θ_m)·ȳ_m, reversed through f(t1, y1) into ȳ1 before the stages read it.
          const nextTerms = writeTerms(
            arena,
            outs.map((o) => o.next),
            outs.map((o) => o.bar),
          );
          kernels.rk_stage_sum(f1bar, 0, h, nextTerms.ptr, nextTerms.count, n);
          if (stored) {
            if (stored.ends[step] < 0)
              throw new ArgumentError(
                'stored.ends',
                `f(t_end, y_end) of step ${step} (it has an output inside)`,
                stored.ends[step],
              );
            dyn.vjp(stored.ends[step], f1bar, ybar);
          } else {
            kernels.rk_stage_sum(y1, y0, h, solution!.ptr, solution!.count, n);
            dyn.stage(ends[step], y1, f1, s);
            nfe++;
            dyn.vjp(s, f1bar, ybar);
          }
        }
        tables = reverseTables(arena, tableau, use, ybar, stageBar, outs);
      }
      for (let i = s - 1; i >= 0; i--) {
        if (!use[i]) continue;
        kernels.rk_stage_sum(kbar, stepTerms ? termKbar[i] : 0, h, tables.columns[i].ptr, tables.columns[i].count, n);
        kernels.fill(stageBar[i], 0, n);
        dyn.vjp(slot[i], kbar, stageBar[i]);
      }
      kernels.rk_stage_sum(ybar, ybar, 1, tables.update.ptr, tables.update.count, n);
      if (stepTerms) {
        const add = writeTerms(arena, [1], [termY0bar]);
        kernels.rk_stage_sum(ybar, ybar, 1, add.ptr, add.count, n);
      }
      arena.reset(mark);
    }
    if (placed && placed.atStart.length > 0)
      addCotangents(
        rt,
        ybar,
        placed.atStart.map((m) => outputs!.cotangents[m]),
      );
    return { ybar: arena.read(ybar, n), nfe, stepTermValues };
  });
}

/** The stored slots of a step's used stages (each must have been kept). */
function storedSlots(stored: StoredStages, step: number, use: readonly boolean[]): readonly number[] {
  const slots = stored.stages[step];
  use.forEach((u, i) => {
    if (u && !(slots[i] >= 0))
      throw new ArgumentError(
        `stored.stages[${step}][${i}]`,
        'the slot of a kept evaluation (the reverse reads that stage)',
        slots[i],
      );
  });
  return slots;
}

function placeChecked(
  outputs: OutputCotangents,
  n: number,
  t: Float64Array,
  h: Float64Array,
  ends: number[],
): PlacedOutputs {
  if (t.length === 0) {
    // No step, so no [t0, t_end] to check times against: only an empty series fits.
    if (typeof outputs !== 'object' || outputs === null)
      throw new ArgumentError('outputs', '{ times, cotangents }', outputs);
    if (outputs.times?.length)
      throw new ArgumentError('outputs.times', 'no times: the record holds no steps', outputs.times.length);
    return { atStart: [], steps: [] };
  }
  checkOutputs(outputs, n, t[0], ends[ends.length - 1]);
  return placeOutputs(outputs.times, t, h, ends);
}

/**
 * Term tables reversing one step with `outs` outputs inside it (cotangent buffer, b_j(θ) per stage):
 * column j: k̄_j = h·(b_j·ȳ + Σ_m b_j(θ_m)·ȳ_m + Σ_{i>j} a_ij·ȳ_i);   update: ȳ + Σ_i ȳ_i + Σ_m ȳ_m.
 */
function reverseTables(
  arena: Arena,
  { a, b }: StageTableau,
  needed: readonly boolean[],
  ybar: Ptr,
  stageBar: readonly Ptr[],
  outs: readonly { bar: Ptr; weights: readonly number[] }[],
) {
  const later = (j: number) => stageBar.map((_, i) => (i > j && needed[i] ? (a[i][j] ?? 0) : 0));
  const columns = b.map((bj, j) =>
    writeTerms(
      arena,
      [bj, ...outs.map((o) => o.weights[j]), ...later(j)],
      [ybar, ...outs.map((o) => o.bar), ...stageBar],
    ),
  );
  const update = writeTerms(
    arena,
    [...stageBar.map((_, i) => (needed[i] ? 1 : 0)), ...outs.map(() => 1)],
    [...stageBar, ...outs.map((o) => o.bar)],
  );
  return { columns, update };
}

/** ȳ += Σ cotangents (one kernel call; the copies are freed on return). */
function addCotangents(rt: Runtime, ybar: Ptr, cotangents: readonly Float64Array[]): void {
  const { arena, kernels } = rt;
  arena.scope(() => {
    const bars = cotangents.map((c) => {
      const bar = arena.alloc(c.length);
      arena.write(bar, c);
      return bar;
    });
    const terms = writeTerms(
      arena,
      bars.map(() => 1),
      bars,
    );
    kernels.rk_stage_sum(ybar, ybar, 1, terms.ptr, terms.count, cotangents[0].length);
  });
}
