// The experiment's data: FFJORD's eight 2-D toy densities (lib/toy_data.py's recipes, re-implemented
// with our seeded Rng; sklearn's make_swiss_roll, make_circles and make_moons written out) and a
// higher-dimensional stand-in for MINIBOONE (below). Every set is a fixed train/test split drawn once
// from one seed, [n, D] row-major.
import { ArgumentError, Rng } from 'taynode';

export const TOY_DATASETS = [
  '8gaussians',
  'pinwheel',
  '2spirals',
  'checkerboard',
  'rings',
  'moons',
  'circles',
  'swissroll',
] as const;
export const HIGH_DIM_DATASETS = ['mixture16'] as const;
export const DATASETS = [...TOY_DATASETS, ...HIGH_DIM_DATASETS] as const;
export type ToyDatasetName = (typeof TOY_DATASETS)[number];
export type DatasetName = (typeof DATASETS)[number];

export interface DensityData {
  name: DatasetName;
  dim: number;
  train: Float64Array;
  test: Float64Array;
  /** the test set's mean −log p under the true density, in the coordinates the flow sees (when known) */
  trueTestNll?: number;
}

const TAU = 2 * Math.PI;

/** n points of a 2-D toy density, [n, 2], as FFJORD's `inf_train_gen` draws a batch of n. */
export function sampleToy(name: ToyDatasetName, n: number, rng: Rng): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('n', 'a positive integer', n);
  const out = new Float64Array(2 * n);
  const put = (i: number, x: number, y: number) => {
    out[2 * i] = x;
    out[2 * i + 1] = y;
  };
  switch (name) {
    case '8gaussians': {
      // centres on the circle of radius 4 every 45°, σ = 0.5, all divided by 1.414
      for (let i = 0; i < n; i++) {
        const k = rng.int(8);
        const a = (k * TAU) / 8;
        // biome-ignore lint/suspicious/noApproximativeNumericConstant: FFJORD's own divisor (1.414, not √2), kept for the same data
        put(i, (4 * Math.cos(a) + 0.5 * rng.normal()) / 1.414, (4 * Math.sin(a) + 0.5 * rng.normal()) / 1.414);
      }
      break;
    }
    case 'pinwheel': {
      // 5 arms: radial N(1, 0.3²), tangential N(0, 0.1²), rotated by the arm's angle + 0.25·exp(radial), ×2
      const perClass = Math.floor(n / 5);
      const rows: [number, number][] = [];
      for (let c = 0; c < 5; c++) {
        for (let j = 0; j < perClass; j++) {
          const r = 1 + 0.3 * rng.normal(),
            s = 0.1 * rng.normal();
          const angle = (c * TAU) / 5 + 0.25 * Math.exp(r);
          rows.push([2 * (r * Math.cos(angle) - s * Math.sin(angle)), 2 * (r * Math.sin(angle) + s * Math.cos(angle))]);
        }
      }
      // n not a multiple of 5: FFJORD returns 5·⌊n/5⌋ points; we top up with arms drawn at random
      while (rows.length < n) {
        const c = rng.int(5),
          r = 1 + 0.3 * rng.normal(),
          s = 0.1 * rng.normal();
        const angle = (c * TAU) / 5 + 0.25 * Math.exp(r);
        rows.push([2 * (r * Math.cos(angle) - s * Math.sin(angle)), 2 * (r * Math.sin(angle) + s * Math.cos(angle))]);
      }
      rng.shuffle(rows);
      rows.forEach(([x, y], i) => put(i, x, y));
      break;
    }
    case '2spirals': {
      const half = Math.floor(n / 2);
      for (let i = 0; i < n; i++) {
        const t = Math.sqrt(rng.uniform()) * 540 * (TAU / 360);
        const sign = i < half ? 1 : -1;
        const x = -Math.cos(t) * t + 0.5 * rng.uniform(),
          y = Math.sin(t) * t + 0.5 * rng.uniform();
        put(i, (sign * x) / 3 + 0.1 * rng.normal(), (sign * y) / 3 + 0.1 * rng.normal());
      }
      break;
    }
    case 'checkerboard': {
      for (let i = 0; i < n; i++) {
        const x1 = 4 * rng.uniform() - 2;
        const x2 = rng.uniform() - 2 * rng.int(2) + (((Math.floor(x1) % 2) + 2) % 2);
        put(i, 2 * x1, 2 * x2);
      }
      break;
    }
    case 'rings': {
      // four circles of radius 3, 2.25, 1.5, 0.75 (FFJORD: 1, 0.75, 0.5, 0.25, ×3), evenly spaced angles, noise 0.08
      const per = Math.floor(n / 4);
      const counts = [n - 3 * per, per, per, per];
      const rows: [number, number][] = [];
      counts.forEach((m, k) => {
        const radius = 3 * (1 - 0.25 * k);
        for (let j = 0; j < m; j++) rows.push([radius * Math.cos((TAU * j) / m), radius * Math.sin((TAU * j) / m)]);
      });
      rng.shuffle(rows);
      rows.forEach(([x, y], i) => put(i, x + 0.08 * rng.normal(), y + 0.08 * rng.normal()));
      break;
    }
    case 'moons': {
      // sklearn make_moons(noise=0.1), then ×2 + (−1, −0.2)
      const outer = Math.floor(n / 2),
        inner = n - outer;
      const rows: [number, number][] = [];
      for (let j = 0; j < outer; j++) {
        const a = outer > 1 ? (Math.PI * j) / (outer - 1) : 0;
        rows.push([Math.cos(a), Math.sin(a)]);
      }
      for (let j = 0; j < inner; j++) {
        const a = inner > 1 ? (Math.PI * j) / (inner - 1) : 0;
        rows.push([1 - Math.cos(a), 1 - Math.sin(a) - 0.5]);
      }
      rng.shuffle(rows);
      rows.forEach(([x, y], i) => put(i, 2 * (x + 0.1 * rng.normal()) - 1, 2 * (y + 0.1 * rng.normal()) - 0.2));
      break;
    }
    case 'circles': {
      // sklearn make_circles(factor=0.5, noise=0.08), then ×3
      const outer = Math.floor(n / 2),
        inner = n - outer;
      const rows: [number, number][] = [];
      for (let j = 0; j < outer; j++) rows.push([Math.cos((TAU * j) / outer), Math.sin((TAU * j) / outer)]);
      for (let j = 0; j < inner; j++) rows.push([0.5 * Math.cos((TAU * j) / inner), 0.5 * Math.sin((TAU * j) / inner)]);
      rng.shuffle(rows);
      rows.forEach(([x, y], i) => put(i, 3 * (x + 0.08 * rng.normal()), 3 * (y + 0.08 * rng.normal())));
      break;
    }
    case 'swissroll': {
      // sklearn make_swiss_roll(noise=1.0): t = 1.5π(1 + 2u), (t cos t, 21u', t sin t) + N(0, 1); keep x and z, /5
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
        rng.uniform(); // the height coordinate, dropped
        put(i, (t * Math.cos(t) + rng.normal()) / 5, (t * Math.sin(t) + rng.normal()) / 5);
      }
      break;
    }
    default:
      throw new ArgumentError('dataset', `one of ${TOY_DATASETS.join(', ')}`, name);
  }
  return out;
}

/**
 * `mixture16`, the stand-in for MINIBOONE (43-D, which cannot be downloaded here): a mixture of 8 equally
 * weighted Gaussians in 16 dimensions, each with its own rotated, anisotropic covariance Q_k·S_k²·Q_kᵀ
 * (scales in [0.3, 1]) around a centre at radius 4 in a random direction. The structure is drawn from
 * the seed alone. Like MINIBOONE's standardised features it is real-valued, multimodal and correlated
 * across every dimension; unlike it, its density is known, so the test set's true NLL bounds what a
 * flow can reach. At D = 16 the exact trace costs 16 Jacobian columns per evaluation, so training uses
 * Hutchinson's estimator as FFJORD does on tabular data (evaluation keeps the exact trace).
 */
export interface GaussianMixture {
  dim: number;
  centres: Float64Array[];
  /** each component's rotation Q_k (row-major) and axis scales S_k */
  rotations: Float64Array[];
  scales: Float64Array[];
}

export function mixture16(seed: number): GaussianMixture {
  const dim = 16,
    rng = new Rng(seed + 7919);
  const centres: Float64Array[] = [],
    rotations: Float64Array[] = [],
    scales: Float64Array[] = [];
  for (let k = 0; k < 8; k++) {
    const v = rng.fill(new Float64Array(dim), (r) => r.normal());
    const norm = Math.hypot(...v);
    centres.push(v.map((x) => (4 * x) / norm));
    rotations.push(randomRotation(dim, rng));
    scales.push(rng.fill(new Float64Array(dim), (r) => r.uniformIn(0.3, 1)));
  }
  return { dim, centres, rotations, scales };
}

/** n draws [n, D]: a component uniformly, then c_k + Q_k·(S_k ⊙ ε). */
export function sampleMixture(m: GaussianMixture, n: number, rng: Rng): Float64Array {
  const D = m.dim,
    out = new Float64Array(n * D),
    e = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const k = rng.int(m.centres.length);
    for (let c = 0; c < D; c++) e[c] = m.scales[k][c] * rng.normal();
    for (let r = 0; r < D; r++) {
      let s = m.centres[k][r];
      for (let c = 0; c < D; c++) s += m.rotations[k][r * D + c] * e[c];
      out[i * D + r] = s;
    }
  }
  return out;
}

/** log p(x) of each row under the mixture (log-sum-exp over the components). */
export function mixtureLogDensity(m: GaussianMixture, x: Float64Array): Float64Array {
  const D = m.dim,
    K = m.centres.length,
    n = x.length / D;
  const out = new Float64Array(n),
    logs = new Float64Array(K);
  const logNorm = m.scales.map((s) => -s.reduce((a, v) => a + Math.log(v), 0) - 0.5 * D * Math.log(2 * Math.PI));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let q = 0;
      for (let c = 0; c < D; c++) {
        // u = Q_kᵀ (x − c_k), then (u / s)²
        let u = 0;
        for (let r = 0; r < D; r++) u += m.rotations[k][r * D + c] * (x[i * D + r] - m.centres[k][r]);
        q += (u / m.scales[k][c]) ** 2;
      }
      logs[k] = logNorm[k] - 0.5 * q - Math.log(K);
    }
    const top = Math.max(...logs);
    out[i] = top + Math.log(logs.reduce((a, v) => a + Math.exp(v - top), 0));
  }
  return out;
}

/** A D×D orthogonal matrix from Gram–Schmidt on Gaussian columns (row-major). */
export function randomRotation(D: number, rng: Rng): Float64Array {
  const cols: Float64Array[] = [];
  for (let c = 0; c < D; c++) {
    const v = rng.fill(new Float64Array(D), (r) => r.normal());
    for (const u of cols) {
      let dot = 0;
      for (let i = 0; i < D; i++) dot += u[i] * v[i];
      for (let i = 0; i < D; i++) v[i] -= dot * u[i];
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  const q = new Float64Array(D * D);
  for (let r = 0; r < D; r++) for (let c = 0; c < D; c++) q[r * D + c] = cols[c][r];
  return q;
}

/** Column means and standard deviations of [n, D] rows. */
export function columnMoments(x: Float64Array, D: number): { mean: Float64Array; std: Float64Array } {
  const n = x.length / D;
  const mean = new Float64Array(D),
    std = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mean[d] += x[i * D + d] / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) std[d] += (x[i * D + d] - mean[d]) ** 2 / n;
  return { mean, std: std.map(Math.sqrt) };
}

/** The named set's train and test splits, both from `seed` (the test set from a separate stream). */
export function makeDataset(name: string, trainSize: number, testSize: number, seed: number): DensityData {
  if (!(DATASETS as readonly string[]).includes(name))
    throw new ArgumentError('dataset', `one of ${DATASETS.join(', ')}`, name);
  for (const [arg, v] of [
    ['trainSize', trainSize],
    ['testSize', testSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(arg, 'a positive integer', v);
  }
  const trainRng = new Rng(seed + 101),
    testRng = new Rng(seed + 202);
  if (name === 'mixture16') {
    const m = mixture16(seed);
    const train = sampleMixture(m, trainSize, trainRng),
      test = sampleMixture(m, testSize, testRng);
    const logp = mixtureLogDensity(m, test);
    // standardise both splits with the training split's moments (as MINIBOONE's preprocessing does);
    // the density of y = (x − μ)/σ is p(x)·Π σ, so the true NLL shifts by −Σ log σ
    const { mean, std } = columnMoments(train, 16);
    for (const x of [train, test]) for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean[i % 16]) / std[i % 16];
    const trueTestNll = -logp.reduce((a, v) => a + v, 0) / testSize - std.reduce((a, v) => a + Math.log(v), 0);
    return { name, dim: 16, train, test, trueTestNll };
  }
  const toy = name as ToyDatasetName;
  return { name: toy, dim: 2, train: sampleToy(toy, trainSize, trainRng), test: sampleToy(toy, testSize, testRng) };
}
