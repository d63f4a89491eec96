// `taynode latent`: the paper's latent-ODE experiment (Figures 4 and 5b) on the synthetic periodic set
// of Rubanova et al. (2019). Trains the latent ODE without and with R_K on the decoder for each λ of a
// sweep; reports the test loss, MSE and the decoder's dopri5 NFE at 1.4e-8; writes the JSON results,
// the figures (SVG) and the trained weights.
import { Option, type Command } from 'commander';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ArgumentError, MAX_ORDER, type RuntimeDtype as Dtype, encodeSafetensors } from 'taynode';
import { runtimeFor, dtypeOption } from '../dtype.js';
import { gradientOption } from '../method-options.js';
import { LATENT_MODES } from '../experiments/latent/batches.js';
import { LATENT_DATASETS } from '../experiments/latent/datasets.js';
import { runLatentExperiment, type LatentOutputs } from '../experiments/latent/experiment.js';
import { checkOrderLambdas, DEFAULT_LATENT, type LatentSettings } from '../experiments/latent/run.js';
import { defaultOut, forceOption, OutputDir } from '../output.js';
import { createProgress } from '../progress.js';
import {
  finite,
  integer,
  integerAtLeast,
  integerListIn,
  keyedPositiveLists,
  positive,
  positiveInt,
  positiveList,
} from '../parsers.js';

export function registerLatentCommand(program: Command): void {
  const d = DEFAULT_LATENT;
  program
    .command('latent')
    .description(
      'Figures 4 and 5b: a latent ODE on irregularly sampled periodic series, without and with R_K on the decoder; test loss and decoder NFE',
    )
    .addOption(
      new Option(
        '--dataset <name>',
        'periodic: the chirp set; physionet-like: 24 sparse channels from a slow nonlinear ODE (docs/experiments/latent-physionet-like.md); physionet: the PhysioNet 2012 files in --data-dir',
      )
        .choices(LATENT_DATASETS)
        .default(d.dataset),
    )
    .option(
      '--data-dir <dir>',
      'the PhysioNet 2012 folder (set-a/, set-b/, set-c/, Outcomes-*.txt) for --dataset physionet (implied)',
    )
    .option('--series <n>', 'series in the synthetic set (80% train, 20% test)', integerAtLeast(5), d.series)
    .option('--points <n>', 'grid points per series in [0, t-max], the first at 0', integerAtLeast(4), d.points)
    .option('--observed <n>', 'grid points each series keeps (irregular sampling)', positiveInt, d.observed)
    .option('--t-max <t>', 'end of the time grid', positive, d.tMax)
    .addOption(
      new Option(
        '--mode <mode>',
        'interp: reconstruct the observed points; extrap: observe the first half, predict the second',
      )
        .choices(LATENT_MODES)
        .default(d.mode),
    )
    .option('--latent <n>', 'latent size L', positiveInt, d.latent)
    .option('--gru-hidden <n>', 'GRU hidden units of the encoder', positiveInt, d.gruHidden)
    .option('--units <n>', 'hidden units of each decoder dynamics layer', positiveInt, d.units)
    .option('--layers <n>', '[tanh, Linear(units)] layers of the decoder dynamics', positiveInt, d.layers)
    .option(
      '--init-log-std <x>',
      'starting log-std of q(z0|x) (the bias of its outputs; log 0.1 ≈ −2.3)',
      finite,
      d.initLogStd,
    )
    .option('--iterations <n>', 'Adamax steps per run', positiveInt, d.iterations)
    .option('--batch-size <n>', 'series per minibatch', positiveInt, d.batchSize)
    .option('--lr <x>', 'Adamax learning rate (×lr-decay per step, down to lr-floor)', positive, d.lr)
    .option('--lr-decay <x>', 'learning-rate factor per step', positive, d.lrDecay)
    .option('--lr-floor <x>', 'lowest learning rate', positive, d.lrFloor)
    .option('--samples <n>', 'samples of z0 per series (3: the importance-weighted bound)', positiveInt, d.samples)
    .option('--sigma <x>', 'observation noise σ of the Gaussian likelihood', positive, d.sigma)
    .option('--order <K>', 'K of the R_K regulariser on the decoder (when --orders is not given)', positiveInt, d.order)
    .option(
      '--orders <list>',
      'comma-separated orders K to sweep, each with every λ (λ = 0 trains once); the reported run is chosen across them (default: --order)',
      integerListIn(1, MAX_ORDER, 'orders K'),
    )
    .option('--lambdas <list>', 'comma-separated λ values to sweep', positiveList('weights'), d.lambdas)
    .option(
      '--order-lambdas <K=list>',
      "the λ sweep of order K instead of --lambdas (repeatable: --order-lambdas 3=0.001,0.01), since R_K's scale grows with K",
      keyedPositiveLists(1, MAX_ORDER, 'weights'),
    )
    .option('--train-tol <x>', 'dopri5 rtol = atol while training', positive, d.trainTol)
    .addOption(
      gradientOption(
        "gradient through the decoder solve (backprop: stores the forward solve's stages, no replay)",
        d.gradient,
      ),
    )
    .option(
      '--eval-tol <x>',
      "dopri5 rtol = atol for the reported loss and NFE (the paper's 1.4e-8)",
      positive,
      d.evalTol,
    )
    .option(
      '--nfe-series <n>',
      'test series solved alone for the per-series NFE (0: all)',
      integerAtLeast(0),
      d.nfeSeries,
    )
    .option(
      '--max-loss-ratio <x>',
      'loss budget for choosing λ: reg loss ≤ unreg loss + (ratio − 1)·|unreg loss|',
      positive,
      d.maxLossRatio,
    )
    .option('--seed <n>', 'seed for the data, the weights, the batches and the samples', integer, d.seed)
    .addOption(dtypeOption())
    .option(
      '--out <dir>',
      'directory for the figures, the trained weights and the JSON (a previous output of this command is replaced when the run ends; other files are kept)',
      defaultOut('latent'),
    )
    .option(
      '--json <path>',
      "where to write the results JSON (default: latent.json in --out; each run's summary is appended to <path>.tmp as it ends)",
    )
    .addOption(forceOption())
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        opts: LatentSettings & {
          orders?: number[];
          orderLambdas?: Record<number, number[]>;
          dataDir?: string;
          out: string;
          json?: string;
          force?: boolean;
          progress: boolean;
          dtype: Dtype;
        },
      ) => {
        const output = new OutputDir(opts.out, { command: 'latent', force: opts.force }); // writable, checked before any training
        const json = opts.json ?? output.finalPath('latent.json');
        output.checkFile(json, '--json');
        const s: LatentSettings = { ...DEFAULT_LATENT };
        for (const key of Object.keys(DEFAULT_LATENT) as (keyof LatentSettings)[])
          if (opts[key] !== undefined) (s as unknown as Record<string, unknown>)[key] = opts[key];
        s.orders = opts.orders ?? [s.order];
        checkOrderLambdas(s.orders, opts.orderLambdas);
        if (opts.orderLambdas) s.orderLambdas = opts.orderLambdas;
        if (opts.dataDir !== undefined) {
          if (s.dataset === 'physionet-like')
            throw new ArgumentError(
              '--data-dir',
              'no --dataset, or --dataset physionet (it reads PhysioNet files)',
              s.dataset,
            );
          s.dataset = 'physionet';
          s.dataDir = resolve(opts.dataDir);
        } else if (s.dataset === 'physionet')
          throw new ArgumentError(
            '--data-dir',
            'the folder holding set-a/ (and set-b/, set-c/) for --dataset physionet',
          );
        const rt = runtimeFor(opts.dtype);
        const bar = createProgress({
          format:
            '{name} [{bar}] {value}/{total} | loss {loss} | MSE {mse} | NFE fwd {nfeF} bwd {nfeB} | {eta_formatted} left',
          enabled: opts.progress,
        });
        // each run's summary as it finishes, so a failure later in the sweep loses nothing measured
        // (staged with the rest when the JSON goes in --out: the previous results stay untouched)
        const runLog = `${output.pathFor(json)}.tmp`;
        const out: LatentOutputs = await runLatentExperiment(rt, s, {
          output,
          command: `taynode latent ${process.argv.slice(3).join(' ')}`.trim(),
          onRunStart: (name) => bar.start(s.iterations, { name, loss: '-', mse: '-', nfeF: '-', nfeB: '-' }),
          onIteration: (name, r) =>
            bar.update(r.iteration + 1, {
              name,
              loss: r.loss.toExponential(3),
              mse: r.mse.toExponential(2),
              nfeF: r.nfeForward,
              nfeB: r.nfeBackward,
            }),
          onRunEnd: (name, run) => {
            bar.stop();
            mkdirSync(dirname(runLog), { recursive: true });
            appendFileSync(
              runLog,
              JSON.stringify({
                name,
                lambda: run.lambda,
                loss: run.loss,
                mse: run.mse,
                nfe: run.nfe,
                nfe_batch: run.nfeBatch,
                order: run.order,
                ...run.rKs,
                train_seconds: run.trainSeconds,
                date: new Date().toISOString(),
              }) + '\n',
            );
            console.log(
              `${name}: test loss ${run.loss.toFixed(4)}, MSE ${run.mse.toExponential(3)}, decoder NFE ${run.nfe.toFixed(1)} per series alone (sd ${run.nfeSd.toFixed(1)}, ${run.nfeSeries} series), ${run.nfeBatch} for the test set as one batch (tol ${s.evalTol}), ${Object.entries(
                run.rKs,
              )
                .map(([k, v]) => `R_${k.slice(1)} ${v.toExponential(3)}`)
                .join(', ')}, train ${run.trainSeconds.toFixed(0)} s`,
            );
          },
        });
        const f = out.figures;
        console.log(
          `chosen R_${f.order}, λ = ${f.lambda}: NFE ${f.nfe_unreg.toFixed(1)} → ${f.nfe_reg.toFixed(1)} (${f.nfe_ratio.toFixed(2)}× fewer), loss ${f.loss_unreg.toFixed(4)} → ${f.loss_reg.toFixed(4)} (${(100 * f.loss_increase).toFixed(1)}% of |unreg|), MSE ${f.mse_unreg.toExponential(3)} → ${f.mse_reg.toExponential(3)}; target (≥ 2× fewer NFE, ≤ 10% more loss) ${f.target_met ? 'met' : 'not met'}`,
        );
        for (const [name, run] of [
          ['unregularised', out.unreg],
          ['regularised', out.reg],
        ] as const) {
          const tensors = Object.fromEntries(
            run.model.params.map((p) => [
              p.name,
              { dtype: 'F64' as const, shape: [p.value.rows, p.value.cols], data: p.value.toFloat64Array() },
            ]),
          );
          output.write(
            `latent-${name}.safetensors`,
            encodeSafetensors(tensors, {
              experiment: 'latent',
              lambda: String(run.lambda),
              order: String(run.order ?? 'none'),
              settings: JSON.stringify(s),
            }),
          );
        }
        const jsonPath = output.writeFile(json, JSON.stringify({ ...f, dtype: opts.dtype }, null, 2) + '\n');
        rmSync(runLog, { force: true }); // everything it held is in the JSON now (and it is not one of the outputs)
        output.commit();
        console.log(`wrote ${jsonPath}, ${out.svgs.join(', ')} and the two models' weights in ${opts.out}/`);
      },
    );
}
