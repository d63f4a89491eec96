// The interpolation task on a multichannel set (the latent-ODE paper's PhysioNet task): the encoder reads
// every observed row of a series and the loss reconstructs the same observed points. The batch has the
// periodic set's LatentBatch layout with a channel axis: the encoder reads each series' rows in time
// order as [x_1..x_C, m_1..m_C, Δt] (Δt to the series' next row, 0 for the last), padded at the late end
// with zeros to `steps` rows; target and mask are [times, size, C] on the union of the batch's times. For
// C = 1 every row is observed and this is exactly the periodic set's [x, 1, Δt] and [times, size].
import { ArgumentError } from 'taynode';
import type { LatentBatch } from './batches.js';
import { denseSeries, maxRows, seriesCount, type ChannelSet } from './channels.js';

/** Encoder features per row for C channels: values, mask, Δt. */
export const channelFeatures = (channels: number): number => 2 * channels + 1;

export interface ChannelBatch extends LatentBatch {
  channels: number;
  /** encoder rows per series (the longest series of the set) */
  steps: number;
}

/** The interpolation batch of `series`; `steps` (default: the set's longest series) fixes the encoder's length. */
export function makeChannelBatch(set: ChannelSet, series: ArrayLike<number>, steps = maxRows(set)): ChannelBatch {
  const size = series.length,
    C = set.channels.length,
    F = channelFeatures(C);
  if (size === 0) throw new ArgumentError('series', 'at least one series', size);
  const count = seriesCount(set);
  const x = new Float64Array(size * steps * F);
  for (let b = 0; b < size; b++) {
    const s = series[b];
    if (!Number.isInteger(s) || s < 0 || s >= count)
      throw new ArgumentError(`series[${b}]`, `a series index in [0, ${count})`, s);
    const first = set.rowStart[s],
      rows = set.rowStart[s + 1] - first;
    if (rows > steps) throw new ArgumentError('steps', `at least the ${rows} rows of series ${s}`, steps);
    for (let k = 0; k < rows; k++) {
      const r = first + k,
        at = (b * steps + k) * F;
      for (let c = 0; c < C; c++) {
        x[at + c] = set.values[r * C + c];
        x[at + C + c] = set.mask[r * C + c];
      }
      x[at + 2 * C] = k + 1 < rows ? set.times[set.rowGrid[r + 1]] - set.times[set.rowGrid[r]] : 0;
    }
  }
  // [series, T, C] → [T, series, C]: the decoder's output layout (time-major, then batch)
  const dense = denseSeries(set, series);
  const T = dense.times.length;
  const target = new Float64Array(T * size * C),
    mask = new Float64Array(T * size * C);
  let observed = 0;
  for (let b = 0; b < size; b++) {
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < C; c++) {
        const from = (b * T + t) * C + c,
          to = (t * size + b) * C + c;
        target[to] = dense.values[from];
        mask[to] = dense.mask[from];
        observed += dense.mask[from];
      }
    }
  }
  return {
    size,
    channels: C,
    steps,
    x,
    times: Array.from(dense.times),
    target,
    mask,
    observed,
    series: Int32Array.from(series),
  };
}
