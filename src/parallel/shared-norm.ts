// One step-size sequence for a batch split across workers (shared steps): a worker's solves take the
// norm strategy `sharedStepsNorm(sync, batchMeans)` (src/ode/norm.ts), which computes every error norm
// (the step's error ratio and the initial-step heuristic's norms) as its shard's PART of the batch's
// norm and lets the sync combine the parts of every shard into the batch's RMS. Every shard then sees the same ratio,
// its controller makes the same decision, and all shards take the single-thread solve's steps.
// Components are of two kinds: per-example ones (z, Δlog p: a shard holds its own rows', so their
// squares simply add up) and batch means at the end of the state (the regularisers' integrals, one
// scalar per term: a shard's value is its own rows' mean, so the batch's value is the shard-size-
// weighted mean, combined before the square). The single-thread path never comes here.
import type { NormStrategy } from '../ode/norm.js';

/** A shard's part of one error norm. */
export interface NormPart {
  /** Σ r² over the shard's per-example components in the norm (NaN if any component is non-finite) */
  sumSquares: number;
  /** how many per-example components that sum runs over */
  count: number;
  /** for each batch-mean component in the norm: the shard's [v, y0, y1, atol] (v: error or vector normed) */
  means: Float64Array;
  rtol: number;
}

/** Combines the parts of every shard (called in lockstep by all of them) into the batch's RMS. */
export interface StepSync {
  combine(part: NormPart): number;
}

/**
 * The norm strategy of a shard's solves: the batch's RMS of v / (atol + rtol·max(|y0|, |y1|)) over the
 * norm's components, from this shard's part, the state's last `batchMeans` components being batch means
 * (the regularisers' integrals); NaN when any of the n components of y1 is non-finite (as rmsNorm).
 */
export function sharedStepsNorm(sync: StepSync, batchMeans: number): NormStrategy {
  return ({ kernels, arena, atol, atolVector, rtol, components, n }) =>
    (v, y0, y1) => {
      const perExample = Math.min(components, n - batchMeans);
      const meansInNorm = components - perExample;
      // The kernel's RMS squared times its count is the sum of squares (to rounding).
      const rms = perExample > 0 ? kernels.rk_error_ratio(v, y0, y1, atol, atolVector, rtol, perExample) : 0;
      let sumSquares = rms * rms * perExample;
      if (components < n && kernels.all_finite(y1 + kernels.valueBytes * components, n - components) !== 1)
        sumSquares = NaN;
      const values = arena.values;
      const means = new Float64Array(4 * meansInNorm);
      for (let j = 0; j < meansInNorm; j++) {
        const i = perExample + j;
        const at = (ptr: number) => values[ptr / kernels.valueBytes + i];
        means[4 * j] = at(v);
        means[4 * j + 1] = at(y0);
        means[4 * j + 2] = at(y1);
        means[4 * j + 3] = atolVector ? at(atolVector) : atol;
      }
      return sync.combine({ sumSquares, count: perExample, means, rtol });
    };
}

/**
 * The combination every shard computes identically: per-example sums of squares added in shard order,
 * batch means as the shard-size-weighted means of the shards' values (`weights[s]` = rows_s / batch),
 * then the RMS over all the components.
 */
export function combineNormParts(parts: readonly NormPart[], weights: readonly number[]): number {
  let sum = 0,
    count = 0;
  for (const p of parts) {
    sum += p.sumSquares;
    count += p.count;
  }
  const means = parts[0].means.length / 4;
  for (let j = 0; j < means; j++) {
    let v = 0,
      a = 0,
      b = 0;
    parts.forEach((p, s) => {
      v += weights[s] * p.means[4 * j];
      a += weights[s] * p.means[4 * j + 1];
      b += weights[s] * p.means[4 * j + 2];
    });
    const r = v / (parts[0].means[4 * j + 3] + parts[0].rtol * Math.max(Math.abs(a), Math.abs(b)));
    sum += r * r + (b - b + (r - r)); // NaN for a non-finite value, as the kernel
  }
  count += means;
  return count > 0 ? Math.sqrt(sum / count) : 0;
}
