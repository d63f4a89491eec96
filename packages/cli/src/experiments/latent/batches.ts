// What the model sees of a set of series. Interpolation: the encoder reads every observed point and the
// loss reconstructs the same points. Extrapolation: the encoder reads the observed points of the first
// half of the grid (t < tMax/2) and the loss is on the observed points of the second half.
// The encoder reads each series' own observations in its window, in time order, as [x, 1, Δt] with Δt
// the gap to the series' next observation (0 for the last), and the GRU runs over them backwards in
// time. The reference's LatentGRU means to keep its state at unobserved grid points (its test also
// counts Δt, so in practice it steps at nearly every point); visiting only the observations is that
// intent, and halves the sequence the GRU must remember across. Rows are padded at the late end with [0, 0, 0] to the longest series (extrapolation
// windows hold different counts); the mask feature tells padding from data.
import { ArgumentError } from 'taynode';
import type { PeriodicSet } from './data.js';

export type LatentMode = 'interp' | 'extrap';
export const LATENT_MODES: readonly LatentMode[] = ['interp', 'extrap'];

/** Grid indices the encoder reads and those the loss scores; `steps`: the most observations any series has in the encoder's part. */
export interface Window {
  encoder: number[];
  loss: number[];
  steps: number;
}

export function windowOf(set: PeriodicSet, mode: LatentMode): Window {
  const all = Array.from(set.times, (_, i) => i);
  const points = set.times.length;
  const steps = (encoder: number[]) => {
    let most = 0;
    for (let s = 0; s < set.settings.series; s++)
      most = Math.max(
        most,
        encoder.reduce((n, g) => n + set.mask[s * points + g], 0),
      );
    if (most === 0)
      throw new ArgumentError('mode', `observations for the encoder (no series has any in the ${mode} window)`, mode);
    return most;
  };
  if (mode === 'interp') return { encoder: all, loss: all, steps: steps(all) };
  if (mode !== 'extrap') throw new ArgumentError('mode', "'interp' or 'extrap'", mode);
  const half = set.settings.tMax / 2;
  const encoder = all.filter((i) => set.times[i] < half),
    loss = all.filter((i) => set.times[i] >= half);
  if (encoder.length === 0 || loss.length === 0)
    throw new ArgumentError('mode', 'a grid with points on both sides of tMax/2 for extrapolation', mode);
  return { encoder, loss, steps: steps(encoder) };
}

/** Features per encoder step: value, mask, Δt. */
export const ENCODER_FEATURES = 3;

export interface LatentBatch {
  size: number;
  /** encoder input [size, steps·3]: each series' observations in time order, then padding */
  x: Float64Array;
  /** decoder output times: the grid times where any series of the batch is scored, increasing */
  times: number[];
  /** [times, size]: the observed values there (0 where unobserved) */
  target: Float64Array;
  /** [times, size]: 1 where scored */
  mask: Float64Array;
  /** Σ mask */
  observed: number;
  /** the series' indices in the set */
  series: Int32Array;
}

export function makeBatch(set: PeriodicSet, window: Window, series: ArrayLike<number>): LatentBatch {
  const points = set.times.length;
  const size = series.length;
  if (size === 0) throw new ArgumentError('series', 'at least one series', size);
  const steps = window.steps;
  const x = new Float64Array(size * steps * ENCODER_FEATURES);
  for (let b = 0; b < size; b++) {
    const s = series[b];
    const seen = window.encoder.filter((g) => set.mask[s * points + g] === 1);
    if (seen.length > steps)
      throw new ArgumentError(
        'series',
        `series with at most ${steps} observations in the encoder's window (the window's steps)`,
        seen.length,
      );
    seen.forEach((g, k) => {
      const next = seen[k + 1];
      const at = (b * steps + k) * ENCODER_FEATURES;
      x[at] = set.values[s * points + g];
      x[at + 1] = 1;
      x[at + 2] = next === undefined ? 0 : set.times[next] - set.times[g];
    });
  }
  const scored = window.loss.filter((g) => Array.from(series).some((s) => set.mask[s * points + g] === 1));
  const target = new Float64Array(scored.length * size),
    mask = new Float64Array(scored.length * size);
  let observed = 0;
  scored.forEach((g, m) => {
    for (let b = 0; b < size; b++) {
      const s = series[b];
      const on = set.mask[s * points + g];
      mask[m * size + b] = on;
      target[m * size + b] = on * set.values[s * points + g];
      observed += on;
    }
  });
  return { size, x, times: scored.map((g) => set.times[g]), target, mask, observed, series: Int32Array.from(series) };
}
