// `taynode mnist --seeds N`: the parent's side. Each seed's run is this same command in a child process
// (its output in seed-<s>/ of --out: mnist.json, figures, models); the parent prints their lines, then
// writes mnist.json with each figure's mean ± sd over the seeds per λ, λ chosen on the means, and every
// seed's own figures and curves.
import { readFileSync } from 'node:fs';
import { ArgumentError } from 'taynode';
import type { OutputDir } from '../../output.js';
import type { MnistOpts } from '../../commands/mnist.js';
import {
  acrossSeeds,
  childArgs,
  chooseAcrossSeeds,
  runChildren,
  seedList,
  type SeedSweepEntry,
  type Spread,
} from './seeds.js';

/** At most this many seeds at once by default: this machine's cores (each child trains on one). */
export const DEFAULT_MAX_JOBS = 2;

const means = (s: { mean: Spread; median: Spread; p90: Spread }) => ({
  mean: s.mean.mean,
  median: s.median.mean,
  p90: s.p90.mean,
});

export async function runSeeds(opts: MnistOpts, out: OutputDir, json: string): Promise<void> {
  const entry = process.argv[1];
  const commandAt = process.argv.indexOf('mnist', 2);
  if (!entry || commandAt < 0)
    throw new ArgumentError(
      '--seeds',
      'a run from the command line (node build/cli.js mnist …): each seed re-runs it in a child process',
      process.argv.slice(1).join(' '),
    );
  const started = performance.now();
  const seeds = seedList(opts.seed, opts.seeds);
  const splitSeed = opts.splitSeed ?? opts.seed;
  const jobs = opts.jobs ?? Math.min(DEFAULT_MAX_JOBS, seeds.length);
  const parentArgs = process.argv.slice(commandAt + 1);
  console.log(
    `MNIST: ${seeds.length} seeds (${seeds.join(', ')}; split seed ${splitSeed}), ${jobs} at once, each in a child process writing ${out.finalPath('seed-<s>')}`,
  );
  await runChildren(
    entry,
    process.execArgv,
    seeds.map((seed) => ({
      seed,
      args: ['mnist', ...childArgs(parentArgs, seed, splitSeed, out.path(`seed-${seed}`))],
    })),
    jobs,
    (seed, line) => console.log(`[seed ${seed}] ${line}`),
  );

  const perSeed = seeds.map(
    (seed) => JSON.parse(readFileSync(out.path(`seed-${seed}/mnist.json`), 'utf8')) as SeedJson,
  );
  const rows = acrossSeeds(perSeed.map((r) => r.sweep));
  const maxErrorIncrease: number = perSeed[0].settings.maxErrorIncrease;
  const { unreg, chosen, withinBudget } = chooseAcrossSeeds(rows, maxErrorIncrease);
  const nfeRatio = unreg.nfe_train.mean / chosen.nfe_train.mean;
  const errorIncreasePp = 100 * (chosen.test_error.mean - unreg.test_error.mean);
  const cpuOf = (r: SeedJson, lambda: number) => r.sweep.find((e) => e.lambda === lambda)!;
  // the seeds' training CPU summed per λ: the ratio of the work over the same iterations
  const cpuSum = (lambda: number) => perSeed.reduce((a, r) => a + cpuOf(r, lambda).train_cpu_seconds, 0);
  const wallSum = (lambda: number) => perSeed.reduce((a, r) => a + cpuOf(r, lambda).train_seconds, 0);
  const pp = (x: number) => (100 * x).toFixed(2);
  const pm = (m: number, sd: number, f: (x: number) => string) => `${f(m)} ± ${f(sd)}`;
  console.log(
    `over ${seeds.length} seeds (mean ± sd): λ = 0: NFE ${pm(unreg.nfe_train.mean, unreg.nfe_train.sd, (x) => x.toFixed(1))}, test error ${pm(unreg.test_error.mean, unreg.test_error.sd, pp)} %; ` +
      `chosen λ = ${chosen.lambda}: NFE ${pm(chosen.nfe_train.mean, chosen.nfe_train.sd, (x) => x.toFixed(1))}, test error ${pm(chosen.test_error.mean, chosen.test_error.sd, pp)} % ` +
      `(${nfeRatio.toFixed(2)}× fewer NFE, ${errorIncreasePp >= 0 ? '+' : ''}${errorIncreasePp.toFixed(2)} pp)`,
  );
  const result = {
    dtype: opts.dtype,
    gradient: perSeed[0].gradient,
    seeds: seeds.length,
    seed_list: seeds,
    split_seed: splitSeed,
    epochs: perSeed[0].epochs,
    lambda: chosen.lambda,
    // the means over the seeds (the spreads beside them, and in `across_seeds`)
    nfe_unreg: unreg.nfe_train.mean,
    nfe_reg: chosen.nfe_train.mean,
    nfe_unreg_sd: unreg.nfe_train.sd,
    nfe_reg_sd: chosen.nfe_train.sd,
    nfe_ratio: nfeRatio,
    test_error_unreg: unreg.test_error.mean,
    test_error_reg: chosen.test_error.mean,
    test_error_unreg_sd: unreg.test_error.sd,
    test_error_reg_sd: chosen.test_error.sd,
    test_error_increase_pp: errorIncreasePp,
    nfe_target_met: nfeRatio >= 2 && errorIncreasePp <= 1,
    chosen_within_error_budget: withinBudget,
    train_cpu_unreg_s: cpuSum(0),
    train_cpu_reg_s: cpuSum(chosen.lambda),
    train_cpu_ratio: cpuSum(chosen.lambda) / cpuSum(0),
    train_time_ratio: wallSum(chosen.lambda) / wallSum(0),
    // one image at a time: the seeds' means of each statistic (their spreads in `across_seeds`)
    nfe_per_example_unreg: means(unreg.nfe_per_example_test),
    nfe_per_example_reg: means(chosen.nfe_per_example_test),
    nfe_per_example_train_unreg: means(unreg.nfe_per_example_train),
    nfe_per_example_train_reg: means(chosen.nfe_per_example_train),
    across_seeds: rows,
    // every seed's own mnist.json (its sweep, curves, per-example NFE, timings), as written in seed-<s>/
    per_seed: perSeed,
    figures: seeds.map((seed) => out.finalPath(`seed-${seed}`)),
    total_seconds: (performance.now() - started) / 1000,
    command: `taynode mnist ${parentArgs.join(' ')}`.trim(),
    date: new Date().toISOString(),
  };
  const jsonPath = out.writeFile(json, JSON.stringify(result, null, 2) + '\n');
  out.commit();
  console.log(`wrote ${jsonPath}; each seed's figures in ${out.finalPath('seed-<s>')}`);
}

/** What a seed's child writes (mnist.json), as far as the parent reads it. */
interface SeedJson {
  sweep: (SeedSweepEntry & { train_seconds: number })[];
  settings: { maxErrorIncrease: number };
  gradient: unknown;
  epochs: unknown;
  [key: string]: unknown;
}
