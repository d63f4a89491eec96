// The whole latent experiment from settings: the data, one unregularised run and one run per order K and
// λ, the choice of the reported run across them, the figures, and the JSON figures (what `taynode
// latent` writes).
import type { Runtime } from 'taynode';
import { renderSvg } from '../../plots.js';
import { latentPanel, latentTrajectoriesSpec, lossNfeSpec, reconstructionRows, reconstructionsSpec } from './plots.js';
import {
  channelReconstructionRows,
  channelReconstructionsSpec,
  latentTimePanel,
  latentTimeSpec,
  mostObservedChannels,
} from './plots-channels.js';
import {
  chooseLatentRun,
  lambdasOf,
  latentData,
  sweptOrders,
  trainLatent,
  trueDynamicsNfe,
  type LatentExperimentData,
  type LatentRecord,
  type LatentRun,
  type LatentSettings,
  type NfeSummary,
} from './run.js';

export interface LatentHooks {
  /** where the figures go: `write(name, data)` returns the file's path (an OutputDir) */
  output: { write(name: string, data: string): string };
  command: string;
  onRunStart?: (name: string) => void;
  onIteration?: (name: string, r: LatentRecord) => void;
  onRunEnd?: (name: string, run: LatentRun) => void;
  /** test series shown in the figures (default 6 and 4 of them; 4 and 2 for the multichannel sets) */
  shown?: { trajectories: number; reconstructions: number };
}

export interface LatentOutputs {
  unreg: LatentRun;
  reg: LatentRun;
  runs: LatentRun[];
  figures: ReturnType<typeof latentFigures>;
  svgs: string[];
}

const runName = (order: number, lambda: number) => (lambda === 0 ? 'unregularised' : `R_${order} λ=${lambda}`);

/** Every 10th record and the last: the training curves without the bulk. */
function thin(log: LatentRecord[]): LatentRecord[] {
  return log.filter((_r, i) => i % 10 === 0 || i === log.length - 1);
}

export function latentFigures(
  s: LatentSettings,
  unreg: LatentRun,
  reg: LatentRun,
  regs: LatentRun[],
  withinBudget: boolean,
  command: string,
  truth: { evalTol: NfeSummary; trainTol: NfeSummary; definition?: string },
) {
  const nfeRatio = unreg.nfe / reg.nfe;
  const lossIncrease = (reg.loss - unreg.loss) / Math.abs(unreg.loss);
  const summary = (r: LatentRun) => ({
    lambda: r.lambda,
    order: r.order,
    loss: r.loss,
    mse: r.mse,
    kl: r.kl,
    nfe: r.nfe,
    nfe_sd: r.nfeSd,
    nfe_median: r.nfeMedian,
    nfe_p90: r.nfeP90,
    nfe_batch: r.nfeBatch,
    nfe_train_tol: r.nfeTrainTol,
    ...r.rKs,
    latent_rms: r.latentRms,
    readout_norm: r.readoutNorm,
    final_train_loss: r.log[r.log.length - 1]?.negElbo,
    train_seconds: r.trainSeconds,
    eval_seconds: r.evalSeconds,
    seconds_per_iteration: r.trainSeconds / Math.max(1, r.log.length),
    nfe_per_series: r.nfePerSeries,
    curve: thin(r.log),
  });
  const orders = sweptOrders(s);
  return {
    dataset: s.dataset,
    nfe_unreg: unreg.nfe,
    nfe_reg: reg.nfe,
    nfe_unreg_sd: unreg.nfeSd,
    nfe_reg_sd: reg.nfeSd,
    loss_unreg: unreg.loss,
    loss_reg: reg.loss,
    mse_unreg: unreg.mse,
    mse_reg: reg.mse,
    lambda: reg.lambda,
    order: reg.order,
    orders,
    nfe_ratio: nfeRatio,
    loss_increase: lossIncrease,
    mse_ratio: reg.mse / unreg.mse,
    nfe_batch_unreg: unreg.nfeBatch,
    nfe_batch_reg: reg.nfeBatch,
    ...Object.fromEntries(orders.map((K) => [`r${K}_unreg`, unreg.rKs[`r${K}`]])),
    [`r${reg.order}_reg`]: reg.rK,
    test_series: unreg.testSeries,
    nfe_series: unreg.nfeSeries,
    nfe_train_tol_unreg: unreg.nfeTrainTol,
    nfe_train_tol_reg: reg.nfeTrainTol,
    nfe_true_dynamics: truth.evalTol.mean,
    nfe_true_dynamics_sd: truth.evalTol.sd,
    nfe_true_dynamics_train_tol: truth.trainTol.mean,
    eval_tol: s.evalTol,
    target_met: nfeRatio >= 2 && lossIncrease <= 0.1,
    chosen_within_loss_budget: withinBudget,
    loss_definition:
      'test negative ELBO per observed point over every test series (test_series of them, as one batch): −(Σ masked Gaussian log-likelihood, σ = sigma)/(observed points) + KL(q(z0|x) || N(0, I)) averaged over series and latent dimensions (KL weight 1), one fixed sample of z0; dopri5 at eval_tol; mse_* over the same points',
    nfe_definition: `decoder dopri5 NFE over [0, t_max] from the posterior mean z0 at eval_tol: each of nfe_series test series (all test_series unless --nfe-series limits them) solved alone, nfe_* their mean, nfe_*_sd their sample sd (n − 1), per run nfe_median, nfe_p90 (linear interpolation) and nfe_per_series; the test set as one batch (nfe_batch_*); nfe_train_tol_*: per series at the training tolerance; nfe_true_dynamics*: ${truth.definition ?? 'none (real data)'}, per series over the same test series, mean (and sd) at eval_tol and mean at the training tolerance`,
    order_definition:
      "order: K of the chosen run, chosen across every order and λ (the fewest NFE within the loss budget); sweep[].order: K the run trained with (null for λ = 0, trained once: every order's baseline); r<K>_unreg: R_K of the λ = 0 model for each swept K",
    sweep: [summary(unreg), ...regs.map(summary)],
    settings: { ...s },
    total_seconds: [unreg, ...regs].reduce((t, r) => t + r.trainSeconds + r.evalSeconds, 0),
    command,
    date: new Date().toISOString(),
  };
}

export async function runLatentExperiment(rt: Runtime, s: LatentSettings, hooks: LatentHooks): Promise<LatentOutputs> {
  const data = latentData(s);
  const orders = sweptOrders(s);
  const runOne = (order: number, lambda: number): LatentRun => {
    const name = runName(order, lambda);
    hooks.onRunStart?.(name);
    const run = trainLatent(rt, { ...s, order }, data, lambda, (r) => hooks.onIteration?.(name, r));
    hooks.onRunEnd?.(name, run);
    return run;
  };
  // λ = 0 trains no regulariser: one run is every order's baseline
  const unreg = runOne(orders[0], 0);
  const regs = orders.flatMap((K) => lambdasOf(s, K).map((lambda) => runOne(K, lambda)));
  const { run: reg, withinBudget } = chooseLatentRun(unreg, regs, s.maxLossRatio);
  const truth = {
    evalTol: trueDynamicsNfe(data, s.nfeSeries, s.evalTol),
    trainTol: trueDynamicsNfe(data, s.nfeSeries, s.trainTol),
    definition: data.trueDynamicsDefinition,
  };
  const figures = latentFigures(s, unreg, reg, regs, withinBudget, hooks.command, truth);

  const test = Array.from(data.test);
  const regLabel = `R_${reg.order}, λ = ${reg.lambda}`;
  const svgs: string[] = [];
  const write = async (name: string, spec: Parameters<typeof renderSvg>[0]) =>
    svgs.push(hooks.output.write(name, await renderSvg(spec)));
  const { set, window, channelSet } = data;
  const shownTrajectories = (n: number) => test.slice(0, hooks.shown?.trajectories ?? n);
  const shownReconstructions = (n: number) => test.slice(0, hooks.shown?.reconstructions ?? n);
  const reported = (r: LatentRun) => ({ nfe: r.nfe, what: `${r.nfeSeries} test series` });
  // the periodic set's single channel: its latent phase plane and its series against the noise-free curve
  if (set && window)
    await write(
      'latent-trajectories.svg',
      latentTrajectoriesSpec([
        latentPanel(unreg.model, set, window, shownTrajectories(6), 'unregularised', s.evalTol, reported(unreg)),
        latentPanel(reg.model, set, window, shownTrajectories(6), regLabel, s.evalTol, reported(reg)),
      ]),
    );
  // the multichannel sets: the first latent dimensions against time
  if (channelSet) {
    const batch = data.batch(shownTrajectories(4));
    await write(
      'latent-trajectories.svg',
      latentTimeSpec([
        latentTimePanel(unreg.model, batch, 'unregularised', s.evalTol, reported(unreg)),
        latentTimePanel(reg.model, batch, regLabel, s.evalTol, reported(reg)),
      ]),
    );
  }
  await write(
    'latent-loss-nfe.svg',
    lossNfeSpec(
      [unreg, ...regs].map((r) => ({
        label: r.lambda === 0 ? 'unregularised' : `λ = ${r.lambda}`,
        lambda: r.lambda,
        order: r.order,
        nfe: r.nfe,
        loss: r.loss,
      })),
      s.dataset,
      s.evalTol,
    ),
  );
  if (set && window) {
    const series = shownReconstructions(4);
    const rows = [
      ...reconstructionRows(unreg.model, 'unregularised', set, window, series),
      ...reconstructionRows(reg.model, regLabel, set, window, series),
    ];
    const what =
      s.mode === 'interp' ? 'reconstructions of the observed points' : 'extrapolations (the encoder sees t < t_max/2)';
    await write(
      'latent-reconstructions.svg',
      reconstructionsSpec(rows, `Test series: ${what}; dashed: noise-free series`, ['unregularised', regLabel]),
    );
  }
  if (channelSet)
    await write(
      'latent-reconstructions.svg',
      channelFigure(data, channelSet, unreg, reg, regLabel, shownReconstructions(2)),
    );
  return { unreg, reg, runs: [unreg, ...regs], figures, svgs };
}

/** Reconstructions of a multichannel set: the 4 channels observed most in the series shown, both models. */
function channelFigure(
  data: LatentExperimentData,
  set: NonNullable<LatentExperimentData['channelSet']>,
  unreg: LatentRun,
  reg: LatentRun,
  regLabel: string,
  series: number[],
) {
  const batch = data.batch(series);
  const channels = mostObservedChannels(set, series, 4);
  const rows = [
    ...channelReconstructionRows(unreg.model, 'unregularised', set, batch, channels),
    ...channelReconstructionRows(reg.model, regLabel, set, batch, channels),
  ];
  return channelReconstructionsSpec(
    rows,
    "Test series: the decoded channels (line, from the posterior mean) and the observed points (dots), the set's 4 channels observed most in them",
    ['unregularised', regLabel],
  );
}
