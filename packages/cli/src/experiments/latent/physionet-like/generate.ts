// The PhysioNet-like synthetic set: ICU-stay-like multichannel series from a seed, for the latent ODE when
// the real PhysioNet files are not at hand. Each series is one "stay" of `hours` hours (time t ∈ [0, 1]):
// - a hidden 3-D state z(t) from the autonomous nonlinear ODE of dynamics.ts, with its own ω ~ U[π, 3π],
//   ρ ~ U[0.5, 1.5], κ ~ U[0.5, 3] and y(0) ~ N(0, I) per series (β, γ shared, settings);
// - `channels` read-outs shared by all series, x_c = ½ + ½·tanh(w_c·z + b_c) with w_c ~ N(0, gain²·I)
//   and b_c ~ N(0, 0.5²), observed with noise N(0, noise²): values mostly in (0, 1), as the loader's
//   scaled variables;
// - the first `vitals` channels are charted near-hourly, like vital signs: one charting time per hour at
//   a uniform point of that hour, where each vital is present with its own probability p_c ~ U[0.6, 0.95]
//   (hours·p_c, 29 to 46, observations per stay);
// - the other channels are laboratory values: a series draws blood at Poisson(λ·hours/24) uniform
//   times, λ ~ U[2, 6] a day, and each lab is present at a draw with its own p_c ~ U[0.4, 0.9]
//   (≈ 8·p_c, 3 to 7 on average, per stay of 48 h);
// - times sit on the grid of `quantum` hours (the loader's quantisation); observations of one series
//   at one grid point share a row; a grid point with nothing observed has none.
// Draw order, all from one Rng(seed): read-out weights and biases, the channels' p_c, then per series its
// parameters, y(0), the vitals' times and presence, the draws' count, times and presence, the noise.
import { ArgumentError, Rng } from 'taynode';
import { packChannelSet, type ChannelSet, type SeriesRows } from '../channels.js';
import { hiddenState, type HiddenParameters } from './dynamics.js';

export interface PhysioNetLikeSettings {
  series: number;
  /** channels in all (≥ 20 by default: 8 vitals, 16 labs) */
  channels: number;
  /** channels charted near-hourly; the rest are labs */
  vitals: number;
  /** length of a stay (t = 1) */
  hours: number;
  /** grid step in hours (a divisor of one hour) */
  quantum: number;
  /** standard deviation of the observation noise */
  noise: number;
  /** standard deviation of the read-out weights */
  gain: number;
  beta: number;
  gamma: number;
  seed: number;
}

export const DEFAULT_PHYSIONET_LIKE: PhysioNetLikeSettings = {
  series: 2000,
  channels: 24,
  vitals: 8,
  hours: 48,
  quantum: 0.1,
  noise: 0.01,
  gain: 0.8,
  beta: 0.5,
  gamma: 0.5,
  seed: 0,
};

/** Ranges of the per-series and per-channel draws (documented above; the tests hold the set to them). */
export const PHYSIONET_LIKE_RANGES = {
  omega: [Math.PI, 3 * Math.PI],
  rho: [0.5, 1.5],
  kappa: [0.5, 3],
  vitalPresence: [0.6, 0.95],
  labPresence: [0.4, 0.9],
  labDrawsPerDay: [2, 6],
} as const;

export interface PhysioNetLikeSet extends ChannelSet {
  settings: PhysioNetLikeSettings;
  /** 'vital' or 'lab' per channel */
  kinds: ('vital' | 'lab')[];
  /** probability a channel is present at a charting time (vitals) or a draw (labs) [C] */
  presence: Float64Array;
  /** read-out weights [C, 3] and biases [C] */
  readoutWeight: Float64Array;
  readoutBias: Float64Array;
  /** per series: ω, ρ, κ, y(0) [series, 3], blood draws per day */
  omega: Float64Array;
  rho: Float64Array;
  kappa: Float64Array;
  y0: Float64Array;
  labRate: Float64Array;
  /** the noise-free read-outs at the observed entries [rows, C], 0 elsewhere */
  clean: Float64Array;
}

export function checkPhysioNetLikeSettings(s: PhysioNetLikeSettings): void {
  const int = (name: keyof PhysioNetLikeSettings, min: number) => {
    if (!Number.isSafeInteger(s[name]) || (s[name] as number) < min)
      throw new ArgumentError(name, `an integer ≥ ${min}`, s[name]);
  };
  int('series', 1);
  int('channels', 2);
  int('vitals', 1);
  if (s.vitals >= s.channels)
    throw new ArgumentError('vitals', `fewer than the ${s.channels} channels (at least one lab)`, s.vitals);
  int('hours', 1);
  const perHour = 1 / s.quantum;
  if (!(s.quantum > 0 && s.quantum <= 1) || Math.abs(perHour - Math.round(perHour)) > 1e-9 * perHour)
    throw new ArgumentError('quantum', 'hours dividing one hour into whole steps (1, 0.5, 0.1, 1/60 …)', s.quantum);
  for (const name of ['noise', 'gain', 'beta', 'gamma'] as const) {
    if (!(s[name] >= 0) || !Number.isFinite(s[name])) throw new ArgumentError(name, 'a finite number ≥ 0', s[name]);
  }
  if (!Number.isSafeInteger(s.seed)) throw new ArgumentError('seed', 'a safe integer', s.seed);
}

/** Poisson(mean) by counting uniform products above e^−mean (Knuth; means here are ≤ 12). */
function poisson(rng: Rng, mean: number): number {
  const limit = Math.exp(-mean);
  let n = 0;
  for (let p = rng.uniform(); p > limit; p *= rng.uniform()) n++;
  return n;
}

export function physionetLikeSet(settings: PhysioNetLikeSettings): PhysioNetLikeSet {
  checkPhysioNetLikeSettings(settings);
  const s = settings,
    C = s.channels,
    R = PHYSIONET_LIKE_RANGES;
  const rng = new Rng(s.seed);
  const perHour = Math.round(1 / s.quantum),
    points = s.hours * perHour + 1;
  const times = Float64Array.from({ length: points }, (_, g) => g / (points - 1));
  const kinds = Array.from({ length: C }, (_, c) => (c < s.vitals ? ('vital' as const) : ('lab' as const)));
  const readoutWeight = Float64Array.from({ length: C * 3 }, () => s.gain * rng.normal());
  const readoutBias = Float64Array.from({ length: C }, () => 0.5 * rng.normal());
  const presence = Float64Array.from(kinds, (k) => {
    const [low, high] = k === 'vital' ? R.vitalPresence : R.labPresence;
    return rng.uniformIn(low, high);
  });
  const n = s.series;
  const omega = new Float64Array(n),
    rho = new Float64Array(n),
    kappa = new Float64Array(n),
    y0 = new Float64Array(3 * n),
    labRate = new Float64Array(n);
  const rows: SeriesRows[] = [],
    cleanRows: Float64Array[] = [];
  for (let b = 0; b < n; b++) {
    omega[b] = rng.uniformIn(...R.omega);
    rho[b] = rng.uniformIn(...R.rho);
    kappa[b] = rng.uniformIn(...R.kappa);
    for (let k = 0; k < 3; k++) y0[3 * b + k] = rng.normal();
    const p: HiddenParameters = { omega: omega[b], rho: rho[b], kappa: kappa[b], beta: s.beta, gamma: s.gamma };
    // grid index → channels present there
    const present = new Map<number, Uint8Array>();
    const at = (g: number) => present.get(g) ?? present.set(g, new Uint8Array(C)).get(g)!;
    for (let h = 0; h < s.hours; h++) {
      const g = h * perHour + rng.int(perHour);
      for (let c = 0; c < s.vitals; c++) if (rng.uniform() < presence[c]) at(g)[c] = 1;
    }
    labRate[b] = rng.uniformIn(...R.labDrawsPerDay);
    const draws = poisson(rng, (labRate[b] * s.hours) / 24);
    for (let d = 0; d < draws; d++) {
      const g = rng.int(points);
      for (let c = s.vitals; c < C; c++) if (rng.uniform() < presence[c]) at(g)[c] = 1;
    }
    const grid = Int32Array.from(
      [...present.entries()]
        .filter(([, m]) => m.some((v) => v))
        .map(([g]) => g)
        .sort((a, c) => a - c),
    );
    const values = new Float64Array(grid.length * C),
      mask = new Uint8Array(grid.length * C),
      clean = new Float64Array(grid.length * C);
    grid.forEach((g, r) => {
      const z = hiddenState(y0.subarray(3 * b, 3 * b + 3), p, times[g]);
      const m = present.get(g)!;
      for (let c = 0; c < C; c++) {
        if (!m[c]) continue;
        const w = readoutWeight.subarray(3 * c, 3 * c + 3);
        const x = 0.5 + 0.5 * Math.tanh(w[0] * z[0] + w[1] * z[1] + w[2] * z[2] + readoutBias[c]);
        clean[r * C + c] = x;
        values[r * C + c] = x + s.noise * rng.normal();
        mask[r * C + c] = 1;
      }
    });
    rows.push({ grid, values, mask });
    cleanRows.push(clean);
  }
  const names = kinds.map((k, c) => (k === 'vital' ? `vital-${c + 1}` : `lab-${c - s.vitals + 1}`));
  const set = packChannelSet(names, times, 1, rows);
  const clean = new Float64Array(set.values.length);
  cleanRows.forEach((c, b) => clean.set(c, set.rowStart[b] * C));
  return {
    ...set,
    settings: { ...s },
    kinds,
    presence,
    readoutWeight,
    readoutBias,
    omega,
    rho,
    kappa,
    y0,
    labRate,
    clean,
  };
}

/** Series b's hidden parameters. */
export function hiddenParameters(set: PhysioNetLikeSet, b: number): HiddenParameters {
  return {
    omega: set.omega[b],
    rho: set.rho[b],
    kappa: set.kappa[b],
    beta: set.settings.beta,
    gamma: set.settings.gamma,
  };
}
