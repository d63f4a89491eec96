// How a batch is cut across a pool's workers and put back together: contiguous row ranges as even as
// possible (the first shards take the extra rows), one noise seed per shard drawn in shard order, and
// the shard-size-weighted mean that turns per-shard means into the batch's mean.
import type { Rng } from '../random.js';

export interface Shard {
  /** first row of the batch */
  start: number;
  /** rows */
  count: number;
}

/** `batch` rows cut into min(parts, batch) contiguous shards whose sizes differ by at most one. */
export function splitRows(batch: number, parts: number): Shard[] {
  const n = Math.min(parts, batch);
  const base = Math.floor(batch / n),
    extra = batch % n;
  const shards: Shard[] = [];
  let start = 0;
  for (let s = 0; s < n; s++) {
    const count = base + (s < extra ? 1 : 0);
    shards.push({ start, count });
    start += count;
  }
  return shards;
}

/** A shard's rows of a row-major [batch, width] array (a copy, safe to transfer). */
export function shardRows(data: Float64Array, width: number, shard: Shard): Float64Array {
  return data.slice(shard.start * width, (shard.start + shard.count) * width);
}

/** One 32-bit seed per shard, drawn from `rng` in shard order: the same rng state gives the same seeds. */
export function shardSeeds(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng.nextUint32());
}

/** Σ_s (rows_s / batch)·values_s: the batch mean from per-shard means. */
export function weightedMean(values: readonly number[], shards: readonly Shard[], batch: number): number {
  let sum = 0;
  shards.forEach((shard, s) => {
    sum += (shard.count / batch) * values[s];
  });
  return sum;
}

/**
 * Per-shard outputs [times, rows_s, width] put back as the batch's [times, batch, width] (each
 * shard's rows in their place at every time).
 */
export function joinTimeMajor(
  parts: readonly Float64Array[],
  shards: readonly Shard[],
  times: number,
  width: number,
  batch: number,
): Float64Array {
  const out = new Float64Array(times * batch * width);
  shards.forEach((shard, s) => {
    const rows = shard.count * width;
    for (let m = 0; m < times; m++)
      out.set(parts[s].subarray(m * rows, (m + 1) * rows), (m * batch + shard.start) * width);
  });
  return out;
}
