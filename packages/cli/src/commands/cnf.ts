// `taynode cnf`: the paper's density-estimation experiment (Table 2, Fig. 5c) with FFJORD continuous
// normalising flows on FFJORD's 2-D toy densities, the 16-D stand-in for MINIBOONE or real digits at 7×7
// or 14×14. Trains every row (none, RNODE, R_2, R_3 × dopri5 and fixed rk4 grids) for a fixed number of
// iterations or, with --converge, until the stop rule ends it; the λ sweep of R_2; evaluates on fresh
// test batches; and writes the JSON, the trade-off plot, and for 2-D sets the density heatmaps and
// samples with trajectories.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadavg } from 'node:os';
import { Rng, type RuntimeDtype as Dtype, saveModel } from 'taynode';
import { runtimeFor, dtypeOption } from '../dtype.js';
import { estimatorOption, gradientOption } from '../method-options.js';
import { renderSvg, type VegaLiteSpec } from '../plots.js';
import { defaultOut, forceOption, OutputDir } from '../output.js';
import { createProgress } from '../progress.js';
import { integer, integerAtLeast, nonNegative, positive, positiveInt, positiveList } from '../parsers.js';
import { DATASETS, makeDataset } from '../experiments/cnf/data.js';
import { FLOW_ACTIVATIONS, parseTrainSolver, REGULARISERS, type Regulariser } from '../experiments/cnf/model.js';
import {
  checkEstimatorSolvers,
  CNF_COMMAND_DEFAULTS,
  convergeGap,
  type CnfSettings,
} from '../experiments/cnf/settings.js';
import { compare, headline, runCnf, runCnfOn } from '../experiments/cnf/run.js';
import { withWorkers, workersJson, workersOption } from '../workers.js';
import { comparisonLines, summaryJson, tableText } from '../experiments/cnf/summary.js';
import { runCnfMerge } from './cnf-merge.js';
import {
  densitySpec,
  histogramPanel,
  modelDensityPanel,
  samplePanel,
  samplesSpec,
  outcomeTradeoffSpec,
} from '../experiments/cnf/plots.js';
import type { RowResult } from '../experiments/cnf/train.js';

const positiveIntList = (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (!xs.length || xs.some((x) => !Number.isSafeInteger(x) || x < 1))
    throw new InvalidArgumentError('expected a comma-separated list of positive integers.');
  return xs;
};
const regulariserList = (v: string): Regulariser[] => {
  const xs = v.split(',');
  if (xs.some((x) => !REGULARISERS.includes(x as Regulariser)))
    throw new InvalidArgumentError(`expected a comma-separated list of ${REGULARISERS.join(', ')}.`);
  return xs as Regulariser[];
};
const solverList = (v: string): string[] => {
  const xs = v.split(',');
  for (const x of xs) {
    try {
      parseTrainSolver(x);
    } catch {
      throw new InvalidArgumentError(
        'expected a comma-separated list of dopri5 and rk4-<steps> (e.g. dopri5,rk4-5,rk4-8).',
      );
    }
  }
  return xs;
};
const pathList = (v: string): string[] => {
  const xs = v.split(',');
  if (xs.some((x) => x.trim() === '')) throw new InvalidArgumentError('expected a comma-separated list of file paths.');
  return xs;
};
const nonNegativeList = (v: string): number[] => {
  // 'none': no λ beyond the table's (a run of fixed-grid rows alone, say)
  if (v === 'none') return [];
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !(x >= 0) || !Number.isFinite(x)))
    throw new InvalidArgumentError('expected a comma-separated list of non-negative numbers.');
  return xs;
};

type CnfOptions = CnfSettings & {
  out?: string;
  json?: string;
  force?: boolean;
  progress: boolean;
  grid: number;
  samples: number;
  dtype: Dtype;
  workers: number;
  merge?: string[];
};

export function registerCnfCommand(program: Command): void {
  const d = CNF_COMMAND_DEFAULTS;
  program
    .command('cnf')
    .description(
      'Table 2 / Fig. 5c: FFJORD density estimation without and with RNODE, R_2 and R_3, trained with dopri5 and fixed rk4 grids; test NLL against evaluation NFE',
    )
    .addOption(
      new Option(
        '--dataset <name>',
        "FFJORD toy density (2-D), mixture16 (16-D, the stand-in for MINIBOONE), or the mnist package's digits at 7×7 or 14×14 (dequantised, logit space; bits/dim)",
      )
        .choices(DATASETS)
        .default(d.dataset),
    )
    .option('--train-size <n>', 'training points (a fixed set, drawn once)', positiveInt, d.trainSize)
    .option(
      '--test-size <n>',
      'fresh test points (never trained on), solved in batches of --test-batch-size',
      positiveInt,
      d.testSize,
    )
    .option(
      '--test-batch-size <n>',
      'test points per batch: the NFE is the mean ± sd over the batches, the NLL the mean ± se over the points',
      positiveInt,
      d.testBatchSize,
    )
    .option(
      '--per-example-nfe <n>',
      'test points also solved one at a time, for the per-example NFE distribution (0: none)',
      integerAtLeast(0),
      d.perExampleNfe,
    )
    .option('--hidden <list>', 'hidden widths of the ConcatSquashLinear dynamics', positiveIntList, d.hidden)
    .addOption(
      new Option('--activation <fn>', 'activation between layers').choices(FLOW_ACTIVATIONS).default(d.activation),
    )
    .option('--iterations <n>', 'Adam iterations per row (without --converge)', positiveInt, d.iterations)
    .option(
      '--converge',
      'train each row until its validation NLL is within --converge-gap of the true NLL, or has not improved for --patience iterations, at most --max-iterations',
      d.converge,
    )
    .option('--max-iterations <n>', 'cap of a converging row', positiveInt, d.maxIterations)
    .option('--eval-every <n>', 'iterations between validation checks of a converging row', positiveInt, d.evalEvery)
    .option(
      '--patience <n>',
      'iterations without a better validation NLL that end a converging row',
      positiveInt,
      d.patience,
    )
    .option(
      '--validation-size <n>',
      'validation points of a converging row (fresh draws)',
      positiveInt,
      d.validationSize,
    )
    .option(
      '--converge-gap <x>',
      'fraction of |true NLL| the validation NLL may exceed it by (default 0.02, 0.05 for mixture16)',
      nonNegative,
    )
    .addOption(gradientOption('how training differentiates through the solver', d.gradient))
    .addOption(
      estimatorOption(
        '--taylor-estimator <kind>',
        "R_2 / R_3's estimate: beside z at every RK stage, or once per accepted step (random time or step start)",
        d.taylorEstimator,
      ),
    )
    .option('--batch-size <n>', 'minibatch size', positiveInt, d.batchSize)
    .option('--lr <x>', 'Adam learning rate', positive, d.lr)
    .addOption(
      new Option('--noise <kind>', "Hutchinson's ε (and the Jacobian–Frobenius term's)")
        .choices(['gaussian', 'rademacher'])
        .default(d.noise),
    )
    .option(
      '--regularisers <list>',
      `rows of Table 2: any of ${REGULARISERS.join(',')}`,
      regulariserList,
      d.regularisers,
    )
    .option('--solvers <list>', 'training solvers: dopri5 and rk4-<steps>', solverList, d.solvers)
    .option('--rnode-lambda <x>', 'λ of each RNODE term (kinetic, Jacobian–Frobenius)', nonNegative, d.rnodeLambda)
    .option('--r2-lambda <x>', 'λ of R_2 in the table (also a point of the sweep)', nonNegative, d.r2Lambda)
    .option('--r3-lambda <x>', 'λ of R_3 in the table', nonNegative, d.r3Lambda)
    .option(
      '--sweep-lambdas <list>',
      "further λ of R_2 (dopri5) for the NLL–NFE plot ('none': no sweep)",
      nonNegativeList,
      d.sweepLambdas,
    )
    .option('--train-tol <x>', 'dopri5 rtol = atol while training', positive, d.trainTol)
    .option(
      '--eval-tols <list>',
      'dopri5 tolerances of the reported NLL and NFE (the first is the headline)',
      positiveList('tolerances'),
      d.evalTols,
    )
    .option(
      '--tight-eval-size <n>',
      'test points solved at the tightest evaluation tolerance',
      positiveInt,
      d.tightEvalSize,
    )
    .option(
      '--nll-budget <x>',
      'a regularised run counts if its NLL is at most this fraction worse',
      nonNegative,
      d.nllBudget,
    )
    .option('--max-steps <n>', 'dopri5 step attempts allowed while training', positiveInt, d.maxSteps)
    .option('--seed <n>', 'seed for the data, the weights, the batches and ε', integer, d.seed)
    .addOption(dtypeOption())
    .option('--grid <n>', 'heatmap cells per side (2-D sets)', positiveInt, 60)
    .option('--samples <n>', 'samples drawn per model for the figure (2-D sets)', positiveInt, 2000)
    .option(
      '--out <dir>',
      `directory for the figures, the models and the JSON; a previous output of this command is replaced when the run ends, other files are kept (default ${defaultOut('cnf')}, or ${defaultOut('cnf')}-<dataset>)`,
    )
    .option('--json <path>', 'where to write the results JSON (default: cnf.json, or cnf-<dataset>.json, in --out)')
    .option(
      '--merge <paths>',
      'train nothing: summarise the rows of these results files (comma-separated; runs of one experiment trained apart, e.g. a process per core) as one run, written to --json, with Fig. 5c in --out if given; only --eval-tols (the headline tolerance first), --nll-budget, --out and --force apply',
      pathList,
    )
    .addOption(forceOption())
    .option('--no-progress', 'no progress bar')
    .addOption(workersOption())
    .action(async (opts: CnfOptions, command: Command) => {
      if (opts.merge) return runCnfMerge({ ...opts, merge: opts.merge }, command);
      return withWorkers(opts.workers, opts.dtype, async (pool) => {
        const { out: outOpt, json: jsonOpt, force, progress, grid, samples, workers: _workers, ...rest } = opts;
        const s: CnfSettings = { ...CNF_COMMAND_DEFAULTS, ...rest };
        checkEstimatorSolvers(s);
        const suffix = s.dataset === d.dataset ? '' : `-${s.dataset}`;
        const output = new OutputDir(outOpt ?? `${defaultOut('cnf')}${suffix}`, { command: 'cnf', force }); // writable, checked before any training
        const out = output.dir;
        const json = jsonOpt ?? output.finalPath(`cnf${suffix}.json`);
        output.checkFile(json, '--json');
        const started = performance.now();
        const load = [loadavg()[0]];
        const rt = runtimeFor(opts.dtype);
        const data = makeDataset(s.dataset, s.trainSize, s.testSize, s.seed, s.converge ? s.validationSize : 0);
        if (s.converge)
          console.log(
            `converging rows: validation (${s.validationSize} points) every ${s.evalEvery} iterations; stop at ${data.trueValidationNll !== undefined ? `≤ ${100 * convergeGap(s)} % above its true NLL ${data.trueValidationNll.toFixed(4)}, ` : ''}${s.patience} iterations without improvement, or ${s.maxIterations} iterations`,
          );
        const bar = createProgress({
          format: '{name} [{bar}] {value}/{total} | loss {loss} | NFE fwd {nfeF} bwd {nfeB} | {eta_formatted} left',
          enabled: progress,
        });
        let name = '';
        const hooks: Parameters<typeof runCnf>[3] = {
          onRowStart: (label) => {
            name = label.padEnd(22);
            bar.start(s.converge ? s.maxIterations : s.iterations, { name, loss: '-', nfeF: '-', nfeB: '-' });
          },
          onIteration: (p) =>
            bar.update(p.iteration + 1, { name, loss: p.loss.toFixed(3), nfeF: p.nfeForward, nfeB: p.nfeBackward }),
          onRowEnd: (r) => {
            bar.stop();
            const e = r.evals
              .map(
                (v) =>
                  `NLL ${v.nll.toFixed(4)} ± ${v.nllSe.toFixed(4)}, NFE ${v.nfe.toFixed(1)} ± ${v.nfeSd.toFixed(1)} at ${v.tol}`,
              )
              .join('; ');
            console.log(
              `${name.trim()}: ${r.diverged ? `DIVERGED (${r.failure}); ` : ''}${r.iterationsDone} iterations (${r.stopReason}); ${e}; ${r.trainSeconds.toFixed(1)} s (CPU ${r.trainCpuSeconds.toFixed(1)} s)`,
            );
            load.push(loadavg()[0]);
          },
        };
        const outcome = pool ? await runCnfOn(pool, rt, data, s, hooks) : runCnf(rt, data, s, hooks);
        const c = compare(outcome, s.nllBudget);
        console.log(tableText(outcome, data.dim));
        for (const line of comparisonLines(outcome, s, data.dim, data.trueTestNll)) console.log(line);

        const files: string[] = [];
        const writeSvg = async (name: string, spec: VegaLiteSpec) => output.write(name, await renderSvg(spec));
        files.push(await writeSvg('cnf-tradeoff.svg', outcomeTradeoffSpec(outcome, s, data.dim)));
        if (data.dim === 2 && c.unreg && c.reg) {
          const range = plotRange(data.train);
          const tol = s.evalTols[0];
          files.push(
            await writeSvg(
              'cnf-density.svg',
              densitySpec(
                [
                  histogramPanel(data.train, range, grid, 'data (training histogram)'),
                  modelDensityPanel(c.unreg.model, range, grid, tol, 'unregularised', reportedNfe(c.unreg)),
                  modelDensityPanel(
                    c.reg.model,
                    range,
                    grid,
                    tol,
                    `${c.reg.regulariser.toUpperCase()} λ = ${c.reg.lambda}`,
                    reportedNfe(c.reg),
                  ),
                ],
                `${s.dataset}: density, data against the models (exact trace, dopri5 tol ${tol})`,
                range,
              ),
            ),
          );
          files.push(
            await writeSvg(
              'cnf-samples.svg',
              samplesSpec(
                [
                  samplePanel(c.unreg.model, samples, 12, new Rng(s.seed + 5), tol, 'unregularised'),
                  samplePanel(
                    c.reg.model,
                    samples,
                    12,
                    new Rng(s.seed + 5),
                    tol,
                    `${c.reg.regulariser.toUpperCase()} λ = ${c.reg.lambda}`,
                  ),
                ],
                `${s.dataset}: samples (base N(0, I) solved from t = 1 back to 0) and trajectories (black: base points)`,
                range,
              ),
            ),
          );
        }
        if (c.unreg)
          output.write(
            'cnf-unregularised.safetensors',
            saveModel(c.unreg.model, { experiment: 'cnf', dataset: s.dataset, lambda: '0' }),
          );
        if (c.reg)
          output.write(
            'cnf-regularised.safetensors',
            saveModel(c.reg.model, {
              experiment: 'cnf',
              dataset: s.dataset,
              regulariser: c.reg.regulariser,
              lambda: String(c.reg.lambda),
            }),
          );
        const wallSeconds = (performance.now() - started) / 1000;
        const summary = summaryJson(outcome, s, data.dim, {
          ...(data.trueTestNll !== undefined ? { nll_true: data.trueTestNll } : {}),
          dtype: opts.dtype,
          wall_seconds: wallSeconds,
          // node runs this on one core: its CPU time is close to the wall time the run takes on an idle machine
          cpu_seconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
          load_average_1min: load,
          ...workersJson(pool),
          command: `taynode cnf ${process.argv.slice(3).join(' ')}`.trim(),
          date: new Date().toISOString(),
        });
        const jsonPath = output.writeFile(json, JSON.stringify(summary, null, 2) + '\n');
        output.commit();
        // Only the models a run has: one without a dopri5 unregularised or TayNODE row saves fewer than two.
        const models = [c.unreg && 'unregularised', c.reg && 'regularised'].filter(Boolean);
        const saved =
          models.length === 0 ? 'no model' : models.length === 2 ? 'the two models' : `the ${models[0]} model`;
        console.log(`wrote ${jsonPath}, ${files.join(', ')} and ${saved} in ${out}/ (${wallSeconds.toFixed(0)} s)`);
      });
    });
}

/** Half-width of a square that holds the data: the 99.5 % quantile of |coordinate|, with a margin. */
export function plotRange(points: Float64Array): number {
  const a = Array.from(points, Math.abs).sort((x, y) => x - y);
  return Math.ceil(2 * 1.15 * a[Math.floor(0.995 * (a.length - 1))]) / 2;
}

/** The NFE the JSON reports for a run (its first evaluation), for a figure's title. */
function reportedNfe(r: RowResult): { nfe: number; what: string } {
  const e = r.evals[0];
  return {
    nfe: headline(r).nfe,
    what: `the ${e?.examples ?? 0} test examples (${e && e.batches > 1 ? `mean over ${e.batches} batches, ` : ''}as in the JSON)`,
  };
}
