// Seeds side by side: `taynode mnist --seeds N` runs the same sweep once per seed, each in a child
// process of its own (the cores are the limit: --jobs at once), each writing its own output folder;
// the parent then reports the mean ± sd over the seeds per λ and chooses λ on the means.
import { spawn } from 'node:child_process';
import { ArgumentError } from 'taynode';

/** base, base + 1, … (n seeds): the weights' and the minibatches' seeds; the split stays the same. */
export function seedList(base: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError('seeds', 'a positive integer', n);
  return Array.from({ length: n }, (_, i) => base + i);
}

// Options the parent sets for each child itself (with a value / without one).
const PARENT_VALUED = new Set(['--seeds', '--jobs', '--seed', '--split-seed', '--out', '--json']);
const PARENT_FLAGS = new Set(['--force']);

/**
 * A child's arguments: the parent's own (after the command name) without those it sets per child, then
 * this seed, the parent's split, its own output folder. Its progress goes to a pipe, so it prints plain
 * lines (its pace and time left), which the parent passes on.
 */
export function childArgs(parentArgs: readonly string[], seed: number, splitSeed: number, out: string): string[] {
  const args: string[] = [];
  for (let i = 0; i < parentArgs.length; i++) {
    const a = parentArgs[i];
    const name = a.split('=')[0];
    if (PARENT_VALUED.has(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    if (PARENT_FLAGS.has(name)) continue;
    args.push(a);
  }
  return [...args, '--seed', String(seed), '--split-seed', String(splitSeed), '--seeds', '1', '--out', out];
}

export interface ChildRun {
  seed: number;
  args: string[];
}

/**
 * Runs `node <execArgv> <entry> <args>` for each child, at most `jobs` at once, each line it prints
 * passed to `onLine` with its seed; rejects when one fails (after the running ones end).
 */
export async function runChildren(
  entry: string,
  execArgv: readonly string[],
  children: readonly ChildRun[],
  jobs: number,
  onLine: (seed: number, line: string) => void,
): Promise<void> {
  if (!Number.isInteger(jobs) || jobs < 1) throw new ArgumentError('jobs', 'a positive integer', jobs);
  const failures: string[] = [];
  let next = 0;
  const one = (c: ChildRun) =>
    new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [...execArgv, entry, ...c.args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = (stream: NodeJS.ReadableStream) => {
        let rest = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop() ?? '';
          for (const p of parts) onLine(c.seed, p);
        });
        stream.on('end', () => {
          if (rest) onLine(c.seed, rest);
        });
      };
      lines(child.stdout);
      lines(child.stderr);
      child.on('error', (e) => {
        failures.push(`seed ${c.seed}: ${e.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (code !== 0) failures.push(`seed ${c.seed}: exited with ${signal ?? `code ${code}`}`);
        resolve();
      });
    });
  const lane = async () => {
    while (next < children.length) await one(children[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, children.length) }, lane));
  if (failures.length) throw new Error(`a seed's run failed (its lines above say why): ${failures.join('; ')}`);
}

/** Mean and sample standard deviation (0 for one value) of a figure over the seeds, and the values. */
export interface Spread {
  mean: number;
  sd: number;
  values: number[];
}

export function spread(values: number[]): Spread {
  if (values.length < 1) throw new ArgumentError('values', 'at least one value', values.length);
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd, values };
}

/** The figures of one λ in a seed's mnist.json (`sweep[i]`) that the parent aggregates. */
export interface SeedSweepEntry {
  lambda: number;
  nfe_train: number;
  nfe_test: number;
  train_error: number;
  test_error: number;
  train_cpu_seconds: number;
  nfe_per_example_test: { mean: number; median: number; p90: number };
  nfe_per_example_train: { mean: number; median: number; p90: number };
}

export interface LambdaAcrossSeeds {
  lambda: number;
  nfe_train: Spread;
  nfe_test: Spread;
  train_error: Spread;
  test_error: Spread;
  train_cpu_seconds: Spread;
  nfe_per_example_test: { mean: Spread; median: Spread; p90: Spread };
  nfe_per_example_train: { mean: Spread; median: Spread; p90: Spread };
}

/** Per λ (in the first seed's order; every seed ran the same sweep), each figure's spread over the seeds. */
export function acrossSeeds(sweeps: SeedSweepEntry[][]): LambdaAcrossSeeds[] {
  if (sweeps.length < 1) throw new ArgumentError('sweeps', 'at least one seed', 0);
  const lambdas = sweeps[0].map((e) => e.lambda);
  for (const s of sweeps) {
    if (s.length !== lambdas.length || s.some((e, i) => e.lambda !== lambdas[i]))
      throw new ArgumentError(
        'sweeps',
        `the same λ sweep in every seed (${lambdas.join(', ')})`,
        s.map((e) => e.lambda).join(', '),
      );
  }
  return lambdas.map((lambda, i) => {
    const at = sweeps.map((s) => s[i]);
    const of = (f: (e: SeedSweepEntry) => number) => spread(at.map(f));
    const stats = (pick: (e: SeedSweepEntry) => SeedSweepEntry['nfe_per_example_test']) => ({
      mean: of((e) => pick(e).mean),
      median: of((e) => pick(e).median),
      p90: of((e) => pick(e).p90),
    });
    return {
      lambda,
      nfe_train: of((e) => e.nfe_train),
      nfe_test: of((e) => e.nfe_test),
      train_error: of((e) => e.train_error),
      test_error: of((e) => e.test_error),
      train_cpu_seconds: of((e) => e.train_cpu_seconds),
      nfe_per_example_test: stats((e) => e.nfe_per_example_test),
      nfe_per_example_train: stats((e) => e.nfe_per_example_train),
    };
  });
}

/**
 * The regularised λ to report from the seeds' means (chooseRun's rule): the fewest mean NFE among λ whose
 * mean test error is at most `maxErrorIncrease` points above λ = 0's; if none is, the lowest mean error.
 */
export function chooseAcrossSeeds(
  rows: LambdaAcrossSeeds[],
  maxErrorIncrease: number,
): { chosen: LambdaAcrossSeeds; unreg: LambdaAcrossSeeds; withinBudget: boolean } {
  const unreg = rows.find((r) => r.lambda === 0);
  const regs = rows.filter((r) => r.lambda !== 0);
  if (!unreg || regs.length === 0)
    throw new ArgumentError('rows', 'λ = 0 and at least one λ > 0', rows.map((r) => r.lambda).join(', '));
  const ok = regs.filter((r) => 100 * (r.test_error.mean - unreg.test_error.mean) <= maxErrorIncrease + 1e-9);
  if (ok.length)
    return { unreg, chosen: ok.reduce((a, b) => (b.nfe_train.mean < a.nfe_train.mean ? b : a)), withinBudget: true };
  return { unreg, chosen: regs.reduce((a, b) => (b.test_error.mean < a.test_error.mean ? b : a)), withinBudget: false };
}
