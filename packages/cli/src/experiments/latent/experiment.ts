// The whole latent experiment from settings: the data, one unregularised run and one run per λ, the
// choice of the reported λ, the figures, and the JSON figures (what `taynode latent` writes).
import type { Runtime } from 'taynode';
import { renderSvg } from '../../plots.js';
import { latentPanel, latentTrajectoriesSpec, lossNfeSpec, reconstructionRows, reconstructionsSpec } from './plots.js';
import {
  chooseLatentRun,
  latentData,
  trainLatent,
  trueDynamicsNfe,
  type LatentRecord,
  type LatentRun,
  type LatentSettings,
} from './run.js';

export interface LatentHooks {
  /** where the figures go: `write(name, data)` returns the file's path (an OutputDir) */
  output: { write(name: string, data: string): string };
  command: string;
  onRunStart?: (name: string) => void;
  onIteration?: (name: string, r: LatentRecord) => void;
  onRunEnd?: (name: string, run: LatentRun) => void;
  /** test series shown in the figures (default 6 and 4 of them) */
  shown?: { trajectories: number; reconstructions: number };
}

export interface LatentOutputs {
  unreg: LatentRun;
  reg: LatentRun;
  runs: LatentRun[];
  figures: ReturnType<typeof latentFigures>;
  svgs: string[];
}

const runName = (s: LatentSettings, lambda: number) => (lambda === 0 ? 'unregularised' : `R_${s.order} λ=${lambda}`);

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
  truth: { evalTol: number; trainTol: number; definition?: string },
) {
  const nfeRatio = unreg.nfe / reg.nfe;
  const lossIncrease = (reg.loss - unreg.loss) / Math.abs(unreg.loss);
  const summary = (r: LatentRun) => ({
    lambda: r.lambda,
    loss: r.loss,
    mse: r.mse,
    kl: r.kl,
    nfe: r.nfe,
    nfe_batch: r.nfeBatch,
    nfe_train_tol: r.nfeTrainTol,
    [`r${s.order}`]: r.rK,
    latent_rms: r.latentRms,
    readout_norm: r.readoutNorm,
    final_train_loss: r.log[r.log.length - 1]?.negElbo,
    train_seconds: r.trainSeconds,
    eval_seconds: r.evalSeconds,
    seconds_per_iteration: r.trainSeconds / Math.max(1, r.log.length),
    curve: thin(r.log),
  });
  return {
    dataset: s.dataset,
    nfe_unreg: unreg.nfe,
    nfe_reg: reg.nfe,
    loss_unreg: unreg.loss,
    loss_reg: reg.loss,
    mse_unreg: unreg.mse,
    mse_reg: reg.mse,
    lambda: reg.lambda,
    order: s.order,
    nfe_ratio: nfeRatio,
    loss_increase: lossIncrease,
    mse_ratio: reg.mse / unreg.mse,
    nfe_batch_unreg: unreg.nfeBatch,
    nfe_batch_reg: reg.nfeBatch,
    [`r${s.order}_unreg`]: unreg.rK,
    [`r${s.order}_reg`]: reg.rK,
    nfe_series: unreg.nfeSeries,
    nfe_train_tol_unreg: unreg.nfeTrainTol,
    nfe_train_tol_reg: reg.nfeTrainTol,
    nfe_true_dynamics: truth.evalTol,
    nfe_true_dynamics_train_tol: truth.trainTol,
    eval_tol: s.evalTol,
    target_met: nfeRatio >= 2 && lossIncrease <= 0.1,
    chosen_within_loss_budget: withinBudget,
    loss_definition:
      'test negative ELBO per observed point: −(Σ masked Gaussian log-likelihood, σ = sigma)/(observed points) + KL(q(z0|x) || N(0, I)) averaged over series and latent dimensions (KL weight 1), one fixed sample of z0; dopri5 at eval_tol',
    nfe_definition: `decoder dopri5 NFE over [0, t_max] from the posterior mean z0 at eval_tol: mean over nfe_series test series each solved alone (nfe_*), and the test set as one batch (nfe_batch_*); nfe_train_tol_*: per series at the training tolerance; nfe_true_dynamics*: ${truth.definition ?? 'none (real data)'}, per series, at eval_tol and at the training tolerance`,
    sweep: [summary(unreg), ...regs.map(summary)],
    settings: { ...s },
    total_seconds: [unreg, ...regs].reduce((t, r) => t + r.trainSeconds + r.evalSeconds, 0),
    command,
    date: new Date().toISOString(),
  };
}

export async function runLatentExperiment(rt: Runtime, s: LatentSettings, hooks: LatentHooks): Promise<LatentOutputs> {
  const data = latentData(s);
  const runOne = (lambda: number): LatentRun => {
    const name = runName(s, lambda);
    hooks.onRunStart?.(name);
    const run = trainLatent(rt, s, data, lambda, (r) => hooks.onIteration?.(name, r));
    hooks.onRunEnd?.(name, run);
    return run;
  };
  const unreg = runOne(0);
  const regs = s.lambdas.map(runOne);
  const { run: reg, withinBudget } = chooseLatentRun(unreg, regs, s.maxLossRatio);
  const truth = {
    evalTol: trueDynamicsNfe(data, s.nfeSeries, s.evalTol),
    trainTol: trueDynamicsNfe(data, s.nfeSeries, s.trainTol),
    definition: data.trueDynamicsDefinition,
  };
  const figures = latentFigures(s, unreg, reg, regs, withinBudget, hooks.command, truth);

  const shown = hooks.shown ?? { trajectories: 6, reconstructions: 4 };
  const test = Array.from(data.test);
  const regLabel = `R_${s.order}, λ = ${reg.lambda}`;
  const svgs: string[] = [];
  // the trajectory and reconstruction figures draw the periodic set's single channel
  const { set, window } = data;
  if (set && window)
    svgs.push(
      hooks.output.write(
        'latent-trajectories.svg',
        await renderSvg(
          latentTrajectoriesSpec([
            latentPanel(unreg.model, set, window, test.slice(0, shown.trajectories), 'unregularised', s.evalTol, {
              nfe: unreg.nfe,
              what: `${unreg.nfeSeries} test series`,
            }),
            latentPanel(reg.model, set, window, test.slice(0, shown.trajectories), regLabel, s.evalTol, {
              nfe: reg.nfe,
              what: `${reg.nfeSeries} test series`,
            }),
          ]),
        ),
      ),
    );
  svgs.push(
    hooks.output.write(
      'latent-loss-nfe.svg',
      await renderSvg(
        lossNfeSpec(
          [unreg, ...regs].map((r) => ({
            label: r.lambda === 0 ? 'unregularised' : `λ = ${r.lambda}`,
            lambda: r.lambda,
            nfe: r.nfe,
            loss: r.loss,
          })),
          s.order,
          s.evalTol,
        ),
      ),
    ),
  );
  if (set && window) {
    const series = test.slice(0, shown.reconstructions);
    const rows = [
      ...reconstructionRows(unreg.model, 'unregularised', set, window, series),
      ...reconstructionRows(reg.model, regLabel, set, window, series),
    ];
    const what =
      s.mode === 'interp' ? 'reconstructions of the observed points' : 'extrapolations (the encoder sees t < t_max/2)';
    svgs.push(
      hooks.output.write(
        'latent-reconstructions.svg',
        await renderSvg(
          reconstructionsSpec(rows, `Test series: ${what}; dashed: noise-free series`, ['unregularised', regLabel]),
        ),
      ),
    );
  }
  return { unreg, reg, runs: [unreg, ...regs], figures, svgs };
}
