// Multichannel series observed sparsely on a shared time grid: what the PhysioNet loader and the
// PhysioNet-like generator both produce. Stored by rows (the grid points where a series has any
// observation), not densely: 8000 ICU stays × 481 grid points × 37 variables would be 1.1 GB of mostly
// zeros in Float64. A batch is made dense on the union of its series' times (denseSeries), as the
// latent-ODE reference's collate function does; for one channel and all series that dense form is the
// periodic set's [series, points] layout.
import { ArgumentError, ShapeError } from 'taynode';

export interface ChannelSet {
  /** channel names [C] */
  channels: string[];
  /** the shared grid, strictly increasing, in [0, tMax] */
  times: Float64Array;
  tMax: number;
  /** rows of series s are rowStart[s] ≤ r < rowStart[s + 1], in time order [series + 1] */
  rowStart: Int32Array;
  /** grid index of each row [rows] */
  rowGrid: Int32Array;
  /** observed values [rows, C], 0 where unobserved */
  values: Float64Array;
  /** 1 where observed, else 0 [rows, C] */
  mask: Uint8Array;
}

/** One series before packing: its rows' grid indices (increasing), values and mask [rows, C]. */
export interface SeriesRows {
  grid: Int32Array;
  values: Float64Array;
  mask: Uint8Array;
}

export const seriesCount = (set: ChannelSet): number => set.rowStart.length - 1;

/** The most rows any series has: the encoder's sequence length for the interpolation task. */
export function maxRows(set: ChannelSet): number {
  let most = 0;
  for (let s = 0; s < seriesCount(set); s++) most = Math.max(most, set.rowStart[s + 1] - set.rowStart[s]);
  return most;
}

/** Packs per-series rows into one set (checked: see checkChannelSet). */
export function packChannelSet(
  channels: string[],
  times: Float64Array,
  tMax: number,
  series: SeriesRows[],
): ChannelSet {
  const C = channels.length;
  const rowStart = new Int32Array(series.length + 1);
  series.forEach((s, i) => {
    rowStart[i + 1] = rowStart[i] + s.grid.length;
  });
  const rows = rowStart[series.length];
  const rowGrid = new Int32Array(rows),
    values = new Float64Array(rows * C),
    mask = new Uint8Array(rows * C);
  series.forEach((s, i) => {
    if (s.values.length !== s.grid.length * C || s.mask.length !== s.grid.length * C)
      throw new ShapeError(
        `series ${i}: expected ${s.grid.length} × ${C} values and mask entries, got ${s.values.length} and ${s.mask.length}`,
      );
    rowGrid.set(s.grid, rowStart[i]);
    values.set(s.values, rowStart[i] * C);
    mask.set(s.mask, rowStart[i] * C);
  });
  const set = { channels, times, tMax, rowStart, rowGrid, values, mask };
  checkChannelSet(set);
  return set;
}

/** The invariants every consumer relies on; an ArgumentError naming the first broken one. */
export function checkChannelSet(set: ChannelSet): void {
  const C = set.channels.length;
  if (C < 1) throw new ArgumentError('channels', 'at least one channel', C);
  const G = set.times.length;
  if (!(set.tMax > 0) || !Number.isFinite(set.tMax)) throw new ArgumentError('tMax', 'a finite end time > 0', set.tMax);
  for (let g = 0; g < G; g++) {
    if (!(set.times[g] >= 0 && set.times[g] <= set.tMax) || (g > 0 && !(set.times[g] > set.times[g - 1])))
      throw new ArgumentError(`times[${g}]`, `a strictly increasing grid in [0, ${set.tMax}]`, set.times[g]);
  }
  const rows = set.rowGrid.length;
  if (set.rowStart[0] !== 0 || set.rowStart[set.rowStart.length - 1] !== rows)
    throw new ArgumentError('rowStart', `offsets from 0 to the ${rows} rows`, set.rowStart);
  if (set.values.length !== rows * C || set.mask.length !== rows * C)
    throw new ShapeError(
      `values and mask: expected ${rows} × ${C} entries, got ${set.values.length} and ${set.mask.length}`,
    );
  for (let s = 0; s < seriesCount(set); s++) {
    for (let r = set.rowStart[s]; r < set.rowStart[s + 1]; r++) {
      const g = set.rowGrid[r];
      if (!(g >= 0 && g < G) || (r > set.rowStart[s] && !(g > set.rowGrid[r - 1])))
        throw new ArgumentError(
          `series ${s} row ${r - set.rowStart[s]}`,
          `grid indices increasing within [0, ${G})`,
          g,
        );
      let any = false;
      for (let c = 0; c < C; c++) {
        const m = set.mask[r * C + c],
          v = set.values[r * C + c];
        if (m !== 0 && m !== 1) throw new ArgumentError(`series ${s} row ${r - set.rowStart[s]} mask`, '0 or 1', m);
        if (!Number.isFinite(v) || (m === 0 && v !== 0))
          throw new ArgumentError(
            `series ${s} row ${r - set.rowStart[s]} channel ${set.channels[c]}`,
            m ? 'a finite value' : '0 where unobserved',
            v,
          );
        any ||= m === 1;
      }
      if (!any)
        throw new ArgumentError(
          `series ${s} row ${r - set.rowStart[s]}`,
          'at least one observed channel (a row exists only where something was observed)',
          0,
        );
    }
  }
}

/** A batch of series made dense on the union of their times. */
export interface DenseSeries {
  /** grid indices in the union, increasing [T] */
  grid: Int32Array;
  /** their times [T] */
  times: Float64Array;
  /** [series, T, C] */
  values: Float64Array;
  /** [series, T, C] */
  mask: Float64Array;
}

export function denseSeries(set: ChannelSet, series: ArrayLike<number>): DenseSeries {
  const C = set.channels.length,
    n = series.length,
    count = seriesCount(set);
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(series[i]) || series[i] < 0 || series[i] >= count)
      throw new ArgumentError(`series[${i}]`, `a series index in [0, ${count})`, series[i]);
  const used = new Uint8Array(set.times.length);
  for (let i = 0; i < n; i++)
    for (let r = set.rowStart[series[i]]; r < set.rowStart[series[i] + 1]; r++) used[set.rowGrid[r]] = 1;
  const position = new Int32Array(set.times.length).fill(-1);
  const grid: number[] = [];
  used.forEach((u, g) => {
    if (u) {
      position[g] = grid.length;
      grid.push(g);
    }
  });
  const T = grid.length;
  const values = new Float64Array(n * T * C),
    mask = new Float64Array(n * T * C);
  for (let i = 0; i < n; i++) {
    for (let r = set.rowStart[series[i]]; r < set.rowStart[series[i] + 1]; r++) {
      const at = (i * T + position[set.rowGrid[r]]) * C;
      for (let c = 0; c < C; c++) {
        values[at + c] = set.values[r * C + c];
        mask[at + c] = set.mask[r * C + c];
      }
    }
  }
  return { grid: Int32Array.from(grid), times: Float64Array.from(grid, (g) => set.times[g]), values, mask };
}

/** Observations of channel c in series s (a count per series and channel: the sets' density statistics). */
export function observationCount(set: ChannelSet, s: number, c: number): number {
  const C = set.channels.length;
  let n = 0;
  for (let r = set.rowStart[s]; r < set.rowStart[s + 1]; r++) n += set.mask[r * C + c];
  return n;
}
