// Dense output inside an accepted step: y(t0 + θh) = y0 + h·Σ_j b_j(θ) k_j (+ h·b_next(θ)·f(t1, y1) for
// Hermite on non-FSAL methods), one stage-sum kernel call per requested time.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import { evaluateTheta, type ButcherTableau } from './tableaus.js';

export class DenseOutput {
  private readonly table: number;
  /** where interpolated states are written */
  readonly out: number;

  constructor(
    private readonly kernels: Kernels,
    private readonly arena: Arena,
    private readonly tableau: ButcherTableau,
    private readonly n: number,
  ) {
    this.table = arena.allocBytes(8 * 2 * (tableau.stages + 1)); // an f64 term table whatever the dtype
    this.out = arena.alloc(n);
  }

  /** Whether the interpolant needs f(t1, y1) in a buffer of its own. */
  get needsNext(): boolean {
    return this.tableau.dense.next !== null;
  }

  /** Writes y(t0 + θh) into `out`. `next` is the buffer holding f(t1, y1) when needsNext. */
  evaluate(y0: number, h: number, theta: number, stages: readonly number[], next: number): number {
    const f64 = this.arena.f64;
    const base = this.table / 8;
    let count = 0;
    const put = (c: number, ptr: number) => {
      if (c === 0) return;
      f64[base + 2 * count] = c;
      f64[base + 2 * count + 1] = ptr;
      count++;
    };
    const { stage, next: nextWeights } = this.tableau.dense;
    for (let j = 0; j < stage.length; j++) put(evaluateTheta(stage[j], theta), stages[j]);
    if (nextWeights) put(evaluateTheta(nextWeights, theta), next);
    this.kernels.rk_stage_sum(this.out, y0, h, this.table, count, this.n);
    return this.out;
  }
}
