// One generic explicit Runge–Kutta step over arena buffers, for any tableau.
// Each tableau row becomes a term table (see assembly/rk.ts) written once per solve, so a stage costs
// one stage-sum kernel call plus one evaluation of f. An accepted step swaps buffers instead of copying
// them (`advance`: y1 becomes y0, and for FSAL pairs k_s becomes k_1), rewriting the few stage pointers
// the term tables hold; so y0, y1 and k[] name different buffers from step to step.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Evaluator } from './dynamics.js';
import type { ButcherTableau } from './tableaus.js';

interface TermTable {
  ptr: number;
  count: number;
  /** the stage index of each entry, to rewrite its pointer after a swap */
  stages: number[];
}

export class RkStepper {
  /** k[j]: stage j (k[0] = f(t, y0) must be valid before attempt) */
  readonly k: number[];
  /** start state of the step */
  y0: number;
  /** trial end state */
  y1: number;
  /** h·Σ (b_j − b̂_j) k_j (adaptive methods) */
  readonly err: number;
  /** stage state y0 + h·Σ a_ij k_j */
  readonly stageY: number;
  private readonly rows: TermTable[];
  private readonly solution: TermTable;
  private readonly error: TermTable | null;

  constructor(
    readonly kernels: Kernels,
    readonly arena: Arena,
    readonly tableau: ButcherTableau,
    readonly n: number,
  ) {
    const s = tableau.stages;
    this.k = Array.from({ length: s }, () => arena.alloc(n));
    this.y0 = arena.alloc(n);
    this.y1 = arena.alloc(n);
    this.stageY = arena.alloc(n);
    this.err = tableau.bError ? arena.alloc(n) : 0;
    this.rows = tableau.a.map((row) => writeTerms(arena, row, this.k));
    this.solution = writeTerms(arena, tableau.b, this.k);
    this.error = tableau.bError ? writeTerms(arena, tableau.bError, this.k) : null;
  }

  /**
   * Stages 2..s, the trial state y1 and (adaptive methods) the error estimate, for a step of signed
   * size h from (t, y0). k[0] must hold f(t, y0).
   */
  attempt(f: Evaluator, t: number, h: number): void {
    const { kernels, tableau, k, n } = this;
    const s = tableau.stages;
    for (let i = 1; i < s; i++) {
      const row = this.rows[i];
      if (tableau.fsal && i === s - 1) {
        // The last row is b: the stage state is y1 itself, and f(t1, y1) the next step's k1.
        kernels.rk_stage_sum(this.y1, this.y0, h, row.ptr, row.count, n);
        f.call(t + h, this.y1, k[i], i);
      } else {
        kernels.rk_stage_sum(this.stageY, this.y0, h, row.ptr, row.count, n);
        f.call(t + tableau.c[i] * h, this.stageY, k[i], i);
      }
    }
    if (!tableau.fsal) kernels.rk_stage_sum(this.y1, this.y0, h, this.solution.ptr, this.solution.count, n);
    if (this.error) kernels.rk_stage_sum(this.err, 0, h, this.error.ptr, this.error.count, n);
  }

  /**
   * Makes the accepted trial state the next step's start by swapping y0 and y1, and (FSAL pairs) its
   * last stage the next step's first by swapping k_1 and k_s: no copy of the state.
   */
  advance(): void {
    [this.y0, this.y1] = [this.y1, this.y0];
    const { k, tableau } = this;
    if (!tableau.fsal) return;
    const s = tableau.stages;
    [k[0], k[s - 1]] = [k[s - 1], k[0]];
    const f64 = this.arena.f64;
    for (const table of [...this.rows, this.solution, ...(this.error ? [this.error] : [])]) {
      table.stages.forEach((stage, j) => {
        f64[table.ptr / 8 + 2 * j + 1] = k[stage];
      }); // the table stays f64
    }
  }
}

/** Packs the nonzero (coefficient, stage pointer) pairs of one row into an arena term table (f64 whatever the dtype). */
export function writeTerms(arena: Arena, coefficients: readonly number[], stages: readonly number[]): TermTable {
  const nonzero = coefficients.map((c, j) => [c, stages[j], j] as const).filter(([c]) => c !== 0);
  const ptr = arena.allocBytes(8 * Math.max(2, 2 * nonzero.length));
  const f64 = arena.f64;
  nonzero.forEach(([c, p], j) => {
    f64[ptr / 8 + 2 * j] = c;
    f64[ptr / 8 + 2 * j + 1] = p;
  });
  return { ptr, count: nonzero.length, stages: nonzero.map(([, , j]) => j) };
}
