// Training and evaluating one latent ODE (unregularised, or with λ·R_K on the decoder), as the reference
// trains it: Adamax, lr·0.999^step down to a floor, the KL weight annealed per epoch as
// max(0, 1 − 0.99^(epoch − 10)). Evaluation at the paper's tolerance (1.4e-8): the test set's negative
// ELBO per observed point (KL weight 1, one fixed sample of z0 shared by every model) and masked MSE, and
// the decoder's dopri5 NFE from the posterior mean z0 over [0, tMax]: each test series solved alone
// (the reference vmaps its solver, so every series takes its own steps) and the test set as one batch.
import {
  ArgumentError,
  Rng,
  type Runtime,
  type GradientMethod,
  Adamax,
  MinibatchSampler,
  exponentialDecay,
} from 'taynode';
import { meanAndSd, quantiles } from '../cnf/evaluate.js';
import { makeBatch, windowOf, type LatentBatch, type LatentMode, type Window } from './batches.js';
import type { ChannelSet } from './channels.js';
import { periodicSet, splitIndices, trueDynamicsSolve, type PeriodicSet } from './data.js';
import { channelData, type LatentDataset } from './datasets.js';
import { createLatentOde, withDecoder, type LatentArchitecture, type LatentOde } from './model.js';
import { drawEps, latentObjective } from './objective.js';

export interface LatentSettings {
  // data
  /** periodic (the chirp), physionet-like (synthetic, 24 channels) or physionet (the files in dataDir) */
  dataset: LatentDataset;
  /** the PhysioNet 2012 folder (set-a/ …) for dataset physionet */
  dataDir?: string;
  series: number;
  points: number;
  observed: number;
  tMax: number;
  mode: LatentMode;
  // model
  latent: number;
  gruHidden: number;
  units: number;
  layers: number;
  /** starting log-std of q(z0|x) (the bias of its outputs) */
  initLogStd: number;
  // training
  iterations: number;
  batchSize: number;
  lr: number;
  lrDecay: number;
  lrFloor: number;
  /** samples of z0 per series (3: the importance-weighted bound) */
  samples: number;
  /** observation σ of the likelihood */
  sigma: number;
  // regularisation
  /** K of R_K when `orders` is absent */
  order: number;
  /** the orders K swept, each with every λ (absent: [order]; settings saved before the sweep had none) */
  orders?: number[];
  /** λ sweeps of particular orders, in place of `lambdas` (R_K's scale grows with K) */
  orderLambdas?: Record<number, number[]>;
  lambdas: number[];
  trainTol: number;
  gradient: GradientMethod;
  // evaluation
  evalTol: number;
  /** test series whose decoder is solved alone for the per-trajectory NFE (0: all) */
  nfeSeries: number;
  maxLossRatio: number;
  seed: number;
}

export const DEFAULT_LATENT: LatentSettings = {
  dataset: 'periodic',
  series: 1000,
  points: 100,
  observed: 50,
  tMax: 5,
  mode: 'interp',
  latent: 10,
  gruHidden: 50,
  units: 50,
  layers: 4,
  initLogStd: Math.log(0.1),
  iterations: 1500,
  batchSize: 50,
  lr: 2e-2,
  lrDecay: 0.999,
  lrFloor: 2e-3,
  samples: 1,
  sigma: 0.01,
  order: 2,
  lambdas: [1, 10, 100],
  trainTol: 1e-5,
  gradient: 'checkpoint',
  evalTol: 1.4e-8,
  nfeSeries: 0,
  maxLossRatio: 1.1,
  seed: 0,
};

export interface LatentExperimentData {
  dataset: LatentDataset;
  /** the periodic set and its window (its figures need them); absent for the multichannel sets */
  set?: PeriodicSet;
  window?: Window;
  /** the multichannel sets' series (their figures need them); absent for the periodic set */
  channelSet?: ChannelSet;
  /** observed channels per series */
  channels: number;
  /** every time a series may be observed at, in [0, tMax] */
  times: Float64Array;
  tMax: number;
  /** encoder steps per series */
  steps: number;
  train: Int32Array;
  test: Int32Array;
  testBatch: LatentBatch;
  /** the training batch of these series */
  batch(series: number[]): LatentBatch;
  /** the series' generating ODE: dopri5 NFE at `tol` (undefined where unknown: real data) */
  trueDynamicsNfe?(series: number, tol: number): number;
  /** what trueDynamicsNfe solves, for the JSON */
  trueDynamicsDefinition?: string;
}

export function latentData(s: LatentSettings): LatentExperimentData {
  // settings saved before datasets existed are the periodic set's
  if ((s.dataset ?? 'periodic') !== 'periodic') return channelData(s);
  const set = periodicSet({
    series: s.series,
    points: s.points,
    tMax: s.tMax,
    observed: s.observed,
    noise: 0.01,
    offsetStd: 0.1,
    freqLow: 0.4,
    freqHigh: 0.8,
    seed: s.seed + 7919,
  });
  const window = windowOf(set, s.mode);
  const { train, test } = splitIndices(s.series, 0.8);
  return {
    dataset: 'periodic',
    set,
    window,
    channels: 1,
    times: set.times,
    tMax: s.tMax,
    steps: window.steps,
    train,
    test,
    testBatch: makeBatch(set, window, test),
    batch: (series) => makeBatch(set, window, series),
    trueDynamicsNfe: (b, tol) => trueDynamicsSolve(set, b, tol).stats.nfe,
    trueDynamicsDefinition: "the series' generating process as a 3-state ODE (a rotation at 2π·f(t), f linear in t)",
  };
}

/** The orders K the experiment sweeps. */
export const sweptOrders = (s: LatentSettings): number[] => s.orders ?? [s.order];

/** Refuses a λ sweep for an order the experiment does not sweep (it would never run). */
export function checkOrderLambdas(orders: number[], orderLambdas: Record<number, number[]> | undefined): void {
  for (const K of Object.keys(orderLambdas ?? {}).map(Number))
    if (!orders.includes(K))
      throw new ArgumentError('--order-lambdas', `an order that is swept (${orders.join(', ')})`, K);
}

/** The λ swept with R_K: the order's own list if it has one, else `lambdas`. */
export const lambdasOf = (s: LatentSettings, order: number): number[] => s.orderLambdas?.[order] ?? s.lambdas;

export function architecture(s: LatentSettings, channels = 1): LatentArchitecture {
  return {
    latent: s.latent,
    gruHidden: s.gruHidden,
    readoutHidden: 50,
    units: s.units,
    layers: s.layers,
    initLogStd: s.initLogStd,
    channels,
  };
}

/** max(0, 1 − 0.99^(epoch − 10)): the reference's KL annealing. */
export function klWeight(epoch: number): number {
  return Math.max(0, 1 - 0.99 ** (epoch - 10));
}

export interface LatentRecord {
  iteration: number;
  epoch: number;
  loss: number;
  negElbo: number;
  mse: number;
  kl: number;
  klWeight: number;
  rK?: number;
  nfeForward: number;
  nfeBackward: number;
  lr: number;
}

/** A sample of per-series NFE summarised: mean, sample sd (n − 1; NaN for one series), median and p90 (linear interpolation between order statistics). */
export interface NfeSummary {
  mean: number;
  sd: number;
  median: number;
  p90: number;
}

export function summariseNfe(values: readonly number[]): NfeSummary {
  const { mean, sd } = meanAndSd(values);
  const [median, p90] = quantiles(values, [0.5, 0.9]);
  return { mean, sd, median, p90 };
}

export interface LatentEvaluation {
  /** test negative ELBO per observed point (KL weight 1, one fixed sample) over the whole test set */
  loss: number;
  mse: number;
  kl: number;
  /** mean decoder NFE over the test series solved alone */
  nfe: number;
  /** the decoder NFE of each of those series, in test order */
  nfePerSeries: number[];
  nfeSd: number;
  nfeMedian: number;
  nfeP90: number;
  /** test series the loss and MSE were evaluated over (all of them) */
  testSeries: number;
  /** NFE of the test set solved as one batch */
  nfeBatch: number;
  /** R_K (K = settings.order) of the trained decoder over [0, tMax] from the test posterior means (mean over series and dims) */
  rK: number;
  /** the same for every probed order, keyed r<K> */
  rKs: Record<string, number>;
  /** series solved alone for `nfe` */
  nfeSeries: number;
  /** the same per-series NFE at the training tolerance */
  nfeTrainTol: number;
  /** RMS of the latent state z over the test series (posterior means) at the grid times */
  latentRms: number;
  /** Frobenius norm of the read-out's weight (L → 1): with latentRms, how the latent scale is shared out */
  readoutNorm: number;
}

export interface LatentRun extends LatentEvaluation {
  lambda: number;
  /** K of the R_K it trained with (null for λ = 0: no regulariser) */
  order: number | null;
  model: LatentOde;
  log: LatentRecord[];
  trainSeconds: number;
  evalSeconds: number;
}

const dopri5 = (tol: number) => ({ method: 'dopri5' as const, rtol: tol, atol: tol });

/** `probeOrders`: the orders K whose R_K is measured on the trained decoder (default: s.order, the run's own). */
export function evaluateLatent(
  model: LatentOde,
  data: LatentExperimentData,
  s: LatentSettings,
  probeOrders: number[] = [s.order],
): LatentEvaluation {
  const evalModel = withDecoder(model, { solver: { ...dopri5(s.evalTol), errorNorm: 'state' }, terms: [] });
  const batch = data.testBatch;
  // the same ε for every model: the comparison differs only in the weights
  const eps = drawEps(new Rng(s.seed + 104729), 1, batch.size, s.latent);
  const r = latentObjective(evalModel, batch, { eps, klWeight: 1, sigma: s.sigma, gradient: false });
  const count = s.nfeSeries > 0 ? Math.min(s.nfeSeries, batch.size) : batch.size;
  const L = s.latent;
  const nfePerSeries: number[] = [];
  let nfeTrainSum = 0;
  for (let b = 0; b < count; b++) {
    const z0 = r.mean.slice(b * L, (b + 1) * L);
    nfePerSeries.push(model.decoder.predict(z0, { solver: dopri5(s.evalTol) }).stats.nfe);
    nfeTrainSum += model.decoder.predict(z0, { solver: dopri5(s.trainTol) }).stats.nfe;
  }
  const nfe = summariseNfe(nfePerSeries);
  const nfeBatch = model.decoder.predict(r.mean, { solver: dopri5(s.evalTol) }).stats.nfe;
  const grid = Array.from(data.times);
  const zs = model.decoder.predict(r.mean, { times: grid, solver: dopri5(s.trainTol) }).zs;
  const latentRms = Math.sqrt(zs.reduce((a, z) => a + z * z, 0) / zs.length);
  const w = model.readout.params[0].value.toFloat64Array();
  const readoutNorm = Math.sqrt(w.reduce((a, v) => a + v * v, 0));
  const rKs: Record<string, number> = {};
  for (const K of new Set([s.order, ...probeOrders])) {
    const probe = withDecoder(model, {
      solver: { ...dopri5(s.evalTol), errorNorm: 'state' },
      terms: [{ kind: 'taylor', order: K, lambda: 0 }],
    });
    rKs[`r${K}`] = probe.decoder.forward(r.mean).result.regularizers[`r${K}`];
  }
  return {
    loss: r.negElbo,
    mse: r.mse,
    kl: r.kl,
    nfe: nfe.mean,
    nfePerSeries,
    nfeSd: nfe.sd,
    nfeMedian: nfe.median,
    nfeP90: nfe.p90,
    testSeries: batch.size,
    nfeBatch,
    rK: rKs[`r${s.order}`],
    rKs,
    nfeSeries: count,
    nfeTrainTol: nfeTrainSum / count,
    latentRms,
    readoutNorm,
  };
}

export function trainLatent(
  rt: Runtime,
  s: LatentSettings,
  data: LatentExperimentData,
  lambda: number,
  onIteration?: (r: LatentRecord) => void,
): LatentRun {
  if (!(lambda >= 0)) throw new ArgumentError('lambda', 'a weight ≥ 0', lambda);
  // the same initial weights, batches and ε for every λ: only the regulariser differs
  const model = createLatentOde(
    rt,
    architecture(s, data.channels),
    {
      tMax: data.tMax,
      order: s.order,
      lambda,
      samples: s.samples,
      solver: dopri5(s.trainTol),
      gradient: s.gradient,
    },
    data.steps,
    new Rng(s.seed),
  );
  const schedule = exponentialDecay(s.lr, s.lrDecay, Math.min(s.lrFloor, s.lr));
  const optimizer = new Adamax(rt.kernels, model.params, { lr: schedule });
  const sampler = new MinibatchSampler(
    data.train.length,
    Math.min(s.batchSize, data.train.length),
    new Rng(s.seed + 17),
  );
  const noise = new Rng(s.seed + 29);
  const log: LatentRecord[] = [];
  const start = performance.now();
  for (let it = 0; it < s.iterations; it++) {
    const rows = sampler.next();
    const batch = data.batch(Array.from(rows, (i) => data.train[i]));
    const epoch = sampler.epoch;
    const c = klWeight(epoch);
    const lr = optimizer.currentRate();
    const r = latentObjective(model, batch, {
      eps: drawEps(noise, s.samples, batch.size, s.latent),
      klWeight: c,
      sigma: s.sigma,
    });
    if (!Number.isFinite(r.loss))
      throw new ArgumentError(
        'training',
        `a finite loss (iteration ${it} gave ${r.loss}; try a smaller --lr or a tighter --train-tol)`,
        r.loss,
      );
    optimizer.step();
    const record: LatentRecord = {
      iteration: it,
      epoch,
      loss: r.loss,
      negElbo: r.negElbo,
      mse: r.mse,
      kl: r.kl,
      klWeight: c,
      ...(lambda > 0 ? { rK: r.regularizers[`r${s.order}`] } : {}),
      nfeForward: r.nfeForward,
      nfeBackward: r.nfeBackward,
      lr,
    };
    log.push(record);
    onIteration?.(record);
  }
  const trainSeconds = (performance.now() - start) / 1000;
  const evalStart = performance.now();
  // λ = 0's model is every order's baseline: its R_K is measured for each swept K
  const ev = evaluateLatent(model, data, s, lambda > 0 ? [s.order] : sweptOrders(s));
  return {
    lambda,
    order: lambda > 0 ? s.order : null,
    model,
    log,
    ...ev,
    trainSeconds,
    evalSeconds: (performance.now() - evalStart) / 1000,
  };
}

/** The regularised run to report: the fewest NFE among runs within the loss budget, else the lowest loss. */
export function chooseLatentRun(
  unreg: LatentRun,
  regs: LatentRun[],
  maxLossRatio: number,
): { run: LatentRun; withinBudget: boolean } {
  // the loss may be negative (a log-density): the budget is on the increase, relative to |unreg|
  const budget = unreg.loss + (maxLossRatio - 1) * Math.abs(unreg.loss);
  const ok = regs.filter((r) => r.loss <= budget);
  if (ok.length)
    return {
      run: ok.reduce((a, b) => (b.nfe < a.nfe || (b.nfe === a.nfe && b.loss < a.loss) ? b : a)),
      withinBudget: true,
    };
  return { run: regs.reduce((a, b) => (b.loss < a.loss ? b : a)), withinBudget: false };
}

/** The dopri5 NFE of the series' true generating ODE over the first `count` test series (0: all), at `tol` (NaN for real data). */
export function trueDynamicsNfe(data: LatentExperimentData, count: number, tol: number): NfeSummary {
  const solve = data.trueDynamicsNfe;
  if (!solve) return { mean: NaN, sd: NaN, median: NaN, p90: NaN };
  const n = Math.min(count > 0 ? count : data.test.length, data.test.length);
  return summariseNfe(Array.from(data.test.subarray(0, n), (b) => solve(b, tol)));
}
