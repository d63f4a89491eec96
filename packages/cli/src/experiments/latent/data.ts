// The latent-ODE paper's synthetic "periodic" set (Rubanova et al. 2019; the easy-neural-ode reference
// generates the same): every series shares one grid of time points (the first at 0, the rest uniform
// in [0, tMax], sorted); each is a sine whose frequency moves linearly in time from a start to an end
// value (both U[freqLow, freqHigh]), amplitude 1, offset 1 + N(0, offsetStd); the phase is the left
// Riemann sum of 2π·freq(t)·dt over the grid, as the reference integrates it. Noise noise·U[0, 1) is
// added to every point but the first. Each series then keeps `observed` of the grid points (different
// per series) under a mask.
import { ArgumentError, Rng, odeint, type SolverStats } from 'taynode';

export interface PeriodicSettings {
  /** number of series */
  series: number;
  /** grid points per series, the first at t = 0 */
  points: number;
  /** the grid's end */
  tMax: number;
  /** grid points each series keeps (irregular sampling) */
  observed: number;
  /** weight of the U[0, 1) observation noise */
  noise: number;
  /** standard deviation of the offset around 1 */
  offsetStd: number;
  freqLow: number;
  freqHigh: number;
  seed: number;
}

export const DEFAULT_PERIODIC: PeriodicSettings = {
  series: 1000,
  points: 100,
  tMax: 5,
  observed: 50,
  noise: 0.01,
  offsetStd: 0.1,
  freqLow: 0.4,
  freqHigh: 0.8,
  seed: 0,
};

export interface PeriodicSet {
  settings: PeriodicSettings;
  /** the shared grid [points] */
  times: Float64Array;
  /** noisy values [series, points] */
  values: Float64Array;
  /** noise-free values [series, points] */
  clean: Float64Array;
  /** 1 where the series is observed, else 0 [series, points] */
  mask: Float64Array;
  startFreq: Float64Array;
  endFreq: Float64Array;
  offset: Float64Array;
}

/** The noise-free series for one draw of (start, end frequency, offset) on a grid. */
export function periodicSeries(
  times: ArrayLike<number>,
  startFreq: number,
  endFreq: number,
  offset: number,
): Float64Array {
  const n = times.length;
  const t0 = times[0],
    span = times[n - 1] - t0;
  const out = new Float64Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const freq = span > 0 ? startFreq + ((endFreq - startFreq) * (times[i] - t0)) / span : startFreq;
    if (i > 0) phase += 2 * Math.PI * freq * (times[i] - times[i - 1]);
    out[i] = offset + Math.sin(phase);
  }
  return out;
}

export function checkPeriodicSettings(s: PeriodicSettings): void {
  const int = (name: keyof PeriodicSettings, min: number) => {
    if (!Number.isInteger(s[name]) || (s[name] as number) < min)
      throw new ArgumentError(name, `an integer ≥ ${min}`, s[name]);
  };
  int('series', 1);
  int('points', 2);
  int('observed', 1);
  if (s.observed > s.points) throw new ArgumentError('observed', `at most the ${s.points} grid points`, s.observed);
  if (!Number.isSafeInteger(s.seed)) throw new ArgumentError('seed', 'a safe integer', s.seed);
  const finiteAtLeast = (name: keyof PeriodicSettings, min: number, strict: boolean) => {
    const v = s[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? !(v > min) : !(v >= min)))
      throw new ArgumentError(name, `a finite number ${strict ? '>' : '≥'} ${min}`, v);
  };
  finiteAtLeast('tMax', 0, true);
  finiteAtLeast('noise', 0, false);
  finiteAtLeast('offsetStd', 0, false);
  finiteAtLeast('freqLow', 0, false);
  if (!(s.freqHigh >= s.freqLow) || !Number.isFinite(s.freqHigh))
    throw new ArgumentError('freqHigh', `a finite frequency ≥ freqLow = ${s.freqLow}`, s.freqHigh);
}

/** The whole set, drawn from one Rng seeded by settings.seed: grid, then per series its parameters, noise and mask. */
export function periodicSet(settings: PeriodicSettings): PeriodicSet {
  checkPeriodicSettings(settings);
  const { series, points, tMax, observed } = settings;
  const rng = new Rng(settings.seed);
  const rest = Float64Array.from({ length: points - 1 }, () => rng.uniformIn(0, tMax)).sort();
  const times = new Float64Array(points);
  times.set(rest, 1);
  const values = new Float64Array(series * points),
    clean = new Float64Array(series * points),
    mask = new Float64Array(series * points);
  const startFreq = new Float64Array(series),
    endFreq = new Float64Array(series),
    offset = new Float64Array(series);
  const order = Int32Array.from({ length: points }, (_, i) => i);
  for (let b = 0; b < series; b++) {
    startFreq[b] = rng.uniformIn(settings.freqLow, settings.freqHigh);
    endFreq[b] = rng.uniformIn(settings.freqLow, settings.freqHigh);
    offset[b] = 1 + settings.offsetStd * rng.normal();
    const row = periodicSeries(times, startFreq[b], endFreq[b], offset[b]);
    clean.set(row, b * points);
    for (let i = 0; i < points; i++) values[b * points + i] = row[i] + (i > 0 ? settings.noise * rng.uniform() : 0);
    // `observed` distinct grid points: the head of a fresh shuffle
    rng.shuffle(order);
    for (let k = 0; k < observed; k++) mask[b * points + order[k]] = 1;
  }
  return { settings: { ...settings }, times, values, clean, mask, startFreq, endFreq, offset };
}

/** The first round(fraction·series) series for training, the rest for testing. */
export function splitIndices(series: number, trainFraction = 0.8): { train: Int32Array; test: Int32Array } {
  const nTrain = Math.round(trainFraction * series);
  if (nTrain < 1 || nTrain >= series)
    throw new ArgumentError(
      'trainFraction',
      `a split leaving both parts non-empty for ${series} series`,
      trainFraction,
    );
  return {
    train: Int32Array.from({ length: nTrain }, (_, i) => i),
    test: Int32Array.from({ length: series - nTrain }, (_, i) => nTrain + i),
  };
}

/**
 * The generating process of series `b` as an ODE, solved by dopri5 at `tol` over [0, tMax]: the phase as
 * a unit rotation (u, v) = (sin φ, cos φ) at angular speed 2π·f(t), with f itself a state moving
 * linearly: u' = 2πf·v, v' = −2πf·u, f' = (f1 − f0)/tMax; x = offset + u. Its NFE is a reference for
 * what the data's oscillation costs in unit-amplitude coordinates, not a strict floor: a latent ODE may
 * take fewer steps by rotating at a smaller amplitude (the absolute tolerance then dominates the error
 * norm) or, at the price of the fit, more slowly.
 */
export function trueDynamicsSolve(
  set: PeriodicSet,
  b: number,
  tol: number,
  times?: number[],
): { x: number[]; stats: SolverStats } {
  const { tMax } = set.settings;
  const f0 = set.startFreq[b],
    slope = (set.endFreq[b] - f0) / tMax;
  const ts = times ?? [0, tMax];
  const r = odeint(
    (_t, y, dy) => {
      const w = 2 * Math.PI * y[2];
      dy[0] = w * y[1];
      dy[1] = -w * y[0];
      dy[2] = slope;
    },
    [0, 1, f0],
    ts,
    { method: 'dopri5', rtol: tol, atol: tol },
  );
  return { x: r.ys.map((y) => set.offset[b] + y[0]), stats: r.stats };
}
