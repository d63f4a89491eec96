// odeint's adaptive loop (src/ode/solve.ts) over a layer table: every stage is one net_stage call
// (the stage sum and the whole layer stack), the step-size control stays here. It takes the steps
// odeint takes with the same tableau, options and dynamics, decision for decision (the same kernels
// compute the stage sums, the error ratio and the initial-step norms; the controller is src/ode's),
// so NFE and accepted/rejected counts match; z(t1) alone is written out (the fast path's only output).
import type { Runtime } from '../runtime/wasm.js';
import { MaxStepsError, NonFiniteError, StepSizeError } from '../ode/errors.js';
import { ArgumentError } from '../errors.js';
import type { ResolvedOptions } from '../ode/options.js';
import { emptyStats, type SolverStats } from '../ode/stats.js';
import type { LayerTable } from './layer-table.js';

interface Terms {
  ptr: number;
  count: number;
  stages: number[];
  coefficients: number[];
}

type TableauTerms = { rows: Terms[]; solution: Terms; error: Terms; entries: number };
const termsCache = new WeakMap<ResolvedOptions['tableau'], TableauTerms>();

/**
 * A tableau's rows, solution and error weights as nonzero (coefficient, stage) lists, `entries` all of
 * them; built once per tableau (each solve sets `ptr`, where its arena holds that table this time).
 */
function termsOf(tab: ResolvedOptions['tableau']): TableauTerms {
  let cached = termsCache.get(tab);
  if (!cached) termsCache.set(tab, (cached = buildTerms(tab)));
  return cached;
}

function buildTerms(tab: ResolvedOptions['tableau']): TableauTerms {
  const terms = (coefficients: readonly number[]): Terms => {
    const nonzero = coefficients.map((c, j) => [c, j] as const).filter(([c]) => c !== 0);
    return { ptr: 0, count: nonzero.length, stages: nonzero.map(([, j]) => j), coefficients: nonzero.map(([c]) => c) };
  };
  const rows = tab.a.map(terms),
    solution = terms(tab.b),
    error = terms(tab.bError!);
  return {
    rows,
    solution,
    error,
    entries: [...rows, solution, error].reduce((sum, t) => sum + Math.max(1, t.count), 0),
  };
}

export interface FusedSolution {
  z1: Float64Array;
  stats: SolverStats;
}

/** Integrates z' = f(t, z) from t0 to t1 for `batch` rows of `stateSize` values (opts: adaptive, resolved by src/ode). */
export function fusedSolve(
  rt: Runtime,
  table: LayerTable,
  batch: number,
  z0: Float64Array,
  t0: number,
  t1: number,
  opts: ResolvedOptions,
): FusedSolution {
  const { arena, kernels: k } = rt;
  const n = z0.length;
  return arena.scope(() => {
    const tab = opts.tableau;
    const s = tab.stages;
    const { rows, solution, error, entries } = termsOf(tab);
    // One allocation for the table, the workspace, the stages, y0, y1, the stage state, err, atol and the term tables.
    const vb = arena.valueBytes,
      vec = Math.ceil((n * vb) / 16) * 16,
      words = Math.ceil((table.words.length * 4) / 16) * 16;
    const base = arena.allocBytes(
      words + table.workBytes + (s + 4 + (opts.atolVector ? 1 : 0)) * vec + 16 * (entries + 1),
    );
    const tablePtr = base,
      work = base + words;
    let at = work + table.workBytes;
    const next = () => {
      const p = at;
      at += vec;
      return p;
    };
    const ks: number[] = [];
    for (let i = 0; i < s; i++) ks.push(next());
    let y0 = next(),
      y1 = next();
    const stageY = next(),
      err = next();
    const atolVector = opts.atolVector ? next() : 0;
    const probe = { ptr: at, count: 1 };
    at += 16;
    const all = [...rows, solution, error];
    for (const t of all) {
      t.ptr = at;
      at += 16 * Math.max(1, t.count);
    }
    new Uint32Array(arena.memory.buffer, tablePtr, table.words.length).set(table.words);
    if (opts.atolVector) arena.write(atolVector, opts.atolVector);
    arena.write(y0, z0);
    // Term tables [c, ptr, …] (f64 whatever the dtype), as stepper.ts writes them, rewritten after k_1 and k_s swap.
    const writeTables = () => {
      const f64 = arena.f64;
      for (let i = 0; i < all.length; i++) {
        const t = all[i],
          p = t.ptr / 8;
        for (let e = 0; e < t.count; e++) {
          f64[p + 2 * e] = t.coefficients[e];
          f64[p + 2 * e + 1] = ks[t.stages[e]];
        }
      }
    };
    writeTables();

    const stats = emptyStats();
    let nfe = 0,
      attempts = 0;
    const snapshot = (): SolverStats => ({ ...stats, nfe });
    const evaluate = (t: number, y: number, out: number) => {
      nfe++;
      k.net_eval(tablePtr, table.count, work, t, y, out, batch);
    };
    const ratioOf = (v: number, a: number, b: number, count: number) =>
      k.rk_error_ratio(v, a, b, opts.atol, atolVector, opts.rtol, count);
    const finite = (p: number) => k.all_finite(p, n) === 1;

    let t = t0;
    evaluate(t, y0, ks[0]);
    if (!finite(ks[0])) throw new NonFiniteError('f(t0, y0) is not finite', t, 0, snapshot());
    const direction = Math.sign(t1 - t0);
    const tEnd = t1;

    // Hairer's initial step (src/ode/initial-step.ts), the same kernel calls in the same order.
    let magnitude = opts.firstStep;
    if (magnitude === null) {
      const norm = (v: number) => ratioOf(v, y0, y0, opts.errorComponents);
      const d0 = norm(y0),
        d1 = norm(ks[0]);
      let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
      h0 = Math.min(h0, opts.maxStep);
      const scratchF = ks[Math.min(1, s - 1)];
      const f64 = arena.f64;
      f64[probe.ptr / 8] = 1;
      f64[probe.ptr / 8 + 1] = ks[0];
      nfe++;
      k.net_stage(
        tablePtr,
        table.count,
        work,
        t0 + direction * h0,
        y0,
        direction * h0,
        probe.ptr,
        1,
        stageY,
        scratchF,
        batch,
        n,
      );
      f64[probe.ptr / 8] = -1;
      k.rk_stage_sum(stageY, scratchF, 1, probe.ptr, 1, n);
      const d2 = norm(stageY) / h0;
      const d12 = Math.max(d1, d2);
      if (!Number.isFinite(d2)) magnitude = h0;
      else {
        const h1 = d12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / d12) ** (1 / (tab.order + 1));
        magnitude = Math.min(100 * h0, h1, opts.maxStep);
      }
    }
    let h = direction * Math.min(magnitude, opts.maxStep);
    stats.initialStep = h;
    const control = opts.controller.start(Math.min(tab.order, tab.embeddedOrder ?? tab.order));
    let k1Valid = true,
      lastNonFinite = false;
    while (t !== tEnd) {
      const remaining = tEnd - t;
      let last = false;
      if (Math.abs(h) >= Math.abs(remaining) * (1 - 1e-12)) {
        h = remaining;
        last = true;
      }
      checkStep(t, h, last, lastNonFinite);
      if (!k1Valid) {
        evaluate(t, y0, ks[0]);
        k1Valid = true;
      }
      // the attempt (stepper.ts): stages 2..s, y1, the error estimate
      for (let i = 1; i < s; i++) {
        const row = rows[i];
        nfe++;
        if (tab.fsal && i === s - 1)
          k.net_stage(tablePtr, table.count, work, t + h, y0, h, row.ptr, row.count, y1, ks[i], batch, n);
        else
          k.net_stage(
            tablePtr,
            table.count,
            work,
            t + tab.c[i] * h,
            y0,
            h,
            row.ptr,
            row.count,
            stageY,
            ks[i],
            batch,
            n,
          );
      }
      if (!tab.fsal) k.rk_stage_sum(y1, y0, h, solution.ptr, solution.count, n);
      k.rk_stage_sum(err, 0, h, error.ptr, error.count, n);
      attempts++;
      let ratio = ratioOf(err, y0, y1, opts.errorComponents);
      if (
        opts.errorComponents < n &&
        k.all_finite(y1 + k.valueBytes * opts.errorComponents, n - opts.errorComponents) !== 1
      )
        ratio = NaN;
      const decision = control.adapt(Math.abs(h), ratio);
      if (!(decision.next > 0))
        throw new ArgumentError('controller', 'adapt() to propose a positive next step', decision.next);
      if (decision.accept) {
        t = last ? tEnd : t + h;
        stats.acceptedSteps++;
        [y0, y1] = [y1, y0];
        if (tab.fsal) {
          [ks[0], ks[s - 1]] = [ks[s - 1], ks[0]];
          writeTables();
        } else k1Valid = false;
        lastNonFinite = false;
      } else {
        stats.rejectedSteps++;
        lastNonFinite = !Number.isFinite(ratio);
        if (lastNonFinite) stats.nonFiniteRejections++;
      }
      h = direction * Math.min(decision.next, opts.maxStep);
    }
    return { z1: arena.read(y0, n), stats: snapshot() };

    function checkStep(tNow: number, hNow: number, isLast: boolean, nonFinite: boolean): void {
      if (attempts >= opts.maxSteps)
        throw new MaxStepsError(`maxSteps (${opts.maxSteps}) reached before t = ${tEnd}`, tNow, attempts, snapshot());
      const underflow = tNow + hNow === tNow || Math.abs(hNow) <= 4 * Number.EPSILON * Math.abs(tNow);
      const belowMin = !isLast && Math.abs(hNow) < opts.minStep;
      if (!underflow && !belowMin) return;
      if (nonFinite) {
        throw new NonFiniteError(
          `the trial state was non-finite and shrinking the step to |h| = ${Math.abs(hNow)} did not help`,
          tNow,
          attempts,
          snapshot(),
        );
      }
      if (underflow)
        throw new StepSizeError(
          'underflow',
          hNow,
          `step size underflow: |h| = ${Math.abs(hNow)} no longer changes t`,
          tNow,
          attempts,
          snapshot(),
        );
      throw new StepSizeError(
        'below-min-step',
        hNow,
        `step size |h| = ${Math.abs(hNow)} fell below minStep = ${opts.minStep}`,
        tNow,
        attempts,
        snapshot(),
      );
    }
  });
}
