// One step-size sequence for a batch split across workers (src/parallel's shared steps): while a
// StepSync is active, every adaptive solve on this thread computes its error norms (the step's error
// ratio and the initial-step heuristic's norms) as its shard's PART of the batch's norm and lets the
// sync combine the parts of every shard into the batch's RMS. Every shard then sees the same ratio,
// its controller makes the same decision, and all shards take the single-thread solve's steps.
// Components are of two kinds: per-example ones (z, Δlog p: a shard holds its own rows', so their
// squares simply add up) and batch means at the end of the state (the regularisers' integrals, one
// scalar per term: a shard's value is its own rows' mean, so the batch's value is the shard-size-
// weighted mean, combined before the square). Without an active sync nothing here runs (the
// single-thread path is untouched).
import type { Kernels } from '../runtime/kernels.js';
import type { Values } from '../runtime/dtype.js';

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

let active: StepSync | null = null;
let meanComponents = 0;

/** Runs `work` with `sync` combining every adaptive solve's norms (the worker side of a pool). */
export function withStepSync<T>(sync: StepSync, work: () => T): T {
  const outer = active;
  active = sync;
  try {
    return work();
  } finally {
    active = outer;
  }
}

/** Runs `work` (a solve) telling a StepSync that the state's last `count` components are batch means. */
export function withBatchMeans<T>(count: number, work: () => T): T {
  const outer = meanComponents;
  meanComponents = count;
  try {
    return work();
  } finally {
    meanComponents = outer;
  }
}

/** The active sync with what it needs to know of this solve's state, or null (the single-thread path). */
export function activeStepSync(): { sync: StepSync; means: number } | null {
  return active ? { sync: active, means: meanComponents } : null;
}

/**
 * The batch's RMS of v / (atol + rtol·max(|y0|, |y1|)) over the first `count` of `n` components, from
 * this shard's part; NaN when any of the n components of y1 is non-finite (as RkStepper.errorRatio).
 */
export function sharedNorm(
  kernels: Kernels, values: Values, sync: { sync: StepSync; means: number },
  v: number, y0: number, y1: number, atol: number, atolVector: number, rtol: number, count: number, n: number,
): number {
  const perExample = Math.min(count, n - sync.means);
  const meansInNorm = count - perExample;
  // The kernel's RMS squared times its count is the sum of squares (to rounding).
  const rms = perExample > 0 ? kernels.rk_error_ratio(v, y0, y1, atol, atolVector, rtol, perExample) : 0;
  let sumSquares = rms * rms * perExample;
  if (count < n && kernels.all_finite(y1 + kernels.valueBytes * count, n - count) !== 1) sumSquares = NaN;
  const means = new Float64Array(4 * meansInNorm);
  for (let j = 0; j < meansInNorm; j++) {
    const i = perExample + j;
    const at = (ptr: number) => values[ptr / kernels.valueBytes + i];
    means[4 * j] = at(v);
    means[4 * j + 1] = at(y0);
    means[4 * j + 2] = at(y1);
    means[4 * j + 3] = atolVector ? at(atolVector) : atol;
  }
  return sync.sync.combine({ sumSquares, count: perExample, means, rtol });
}

/**
 * The combination every shard computes identically: per-example sums of squares added in shard order,
 * batch means as the shard-size-weighted means of the shards' values (`weights[s]` = rows_s / batch),
 * then the RMS over all the components.
 */
export function combineNormParts(parts: readonly NormPart[], weights: readonly number[]): number {
  let sum = 0, count = 0;
  for (const p of parts) {
    sum += p.sumSquares;
    count += p.count;
  }
  const means = parts[0].means.length / 4;
  for (let j = 0; j < means; j++) {
    let v = 0, a = 0, b = 0;
    parts.forEach((p, s) => {
      v += weights[s] * p.means[4 * j];
      a += weights[s] * p.means[4 * j + 1];
      b += weights[s] * p.means[4 * j + 2];
    });
    const r = v / (parts[0].means[4 * j + 3] + parts[0].rtol * Math.max(Math.abs(a), Math.abs(b)));
    sum += r * r + ((b - b) + (r - r)); // NaN for a non-finite value, as the kernel
  }
  count += means;
  return count > 0 ? Math.sqrt(sum / count) : 0;
}
