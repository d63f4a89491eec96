// R_K's cheap estimator ('stepRandom': once per accepted step at a random time) against the exact
// integral ('stages'), on the MNIST classifier and the 8gaussians flow, over seeds (issue 22):
//   npm run build && node --import tsx bench/estimator-frontier.ts [mnist] [cnf] [--epochs=N] [--tiny]
// Each task trains λ = 0 and a λ sweep with each estimator and every seed (the CLI's own commands, in
// child processes), then writes bench/results/estimator-frontier.json: per λ, NFE and error as
// mean ± sd over the seeds for both estimators, and whether the cheap one is no worse beyond the seeds'
// spread. --tiny: seconds-long runs that check the plumbing, written to the system's temporary folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareFrontiers, type SeedFigures } from './frontier.js';

const args = process.argv.slice(2);
const tiny = args.includes('--tiny');
const tasks = args.filter((a) => !a.startsWith('--'));
// --epochs=N: the MNIST runs' length (default 10)
const epochsArg = args.find((a) => a.startsWith('--epochs='));
const epochs = epochsArg ? Number(epochsArg.slice('--epochs='.length)) : 10;
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs=N: a positive integer, got ${epochsArg}`);
const run = (task: string) => tasks.length === 0 || tasks.includes(task);
const ESTIMATORS = { exact: 'stages', cheap: 'stepRandom' } as const;
const SEEDS = tiny ? [0, 1] : [0, 1, 2];
const dir = tiny ? join(tmpdir(), 'taynode-frontier-tiny') : 'results/frontier';
const cli = 'build/cli.js';
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
mkdirSync(dir, { recursive: true });

function sh(argv: string[]): void {
  console.log(`$ node ${cli} ${argv.join(' ')}`);
  execFileSync(process.execPath, [cli, ...argv], { stdio: 'inherit' });
}

// MNIST: the CLI's own --seeds (children, two at a time); short runs of the default's settings
const MNIST = tiny
  ? {
      epochs: [
        '--digits',
        '200',
        '--iterations',
        '4',
        '--batch-size',
        '20',
        '--train-tol',
        '1e-4',
        '--eval-tol',
        '1e-5',
      ],
      lambdas: '0.5',
      extra: 2,
      evals: [
        '--nfe-batch',
        '40',
        '--eval-train',
        '40',
        '--rk-images',
        '5',
        '--error-tols',
        '1e-3',
        '--ref-tol',
        '1e-6',
        '--error-images',
        '3',
      ],
    }
  : { epochs: ['--epochs', String(epochs)], lambdas: '3.02e-3,3.02e-2', extra: 500, evals: [] };

function mnist(estimator: string): SeedFigures[] {
  const json = `${dir}/mnist-${estimator}.json`;
  sh([
    'mnist',
    ...MNIST.epochs,
    '--lambdas',
    MNIST.lambdas,
    '--estimator',
    estimator,
    '--seeds',
    String(SEEDS.length),
    '--per-example',
    String(MNIST.extra),
    '--per-example-train',
    String(MNIST.extra),
    '--curve-points',
    '3',
    ...MNIST.evals,
    '--no-progress',
    '--force',
    '--out',
    `${dir}/mnist-${estimator}`,
    '--json',
    json,
  ]);
  const r = JSON.parse(readFileSync(json, 'utf8')) as {
    per_seed: { sweep: { lambda: number; nfe_train: number; test_error: number; train_cpu_seconds: number }[] }[];
  };
  const lambdas = r.per_seed[0].sweep.map((e) => e.lambda);
  return lambdas.map((lambda) => {
    const at = r.per_seed.map((s) => s.sweep.find((e) => e.lambda === lambda)!);
    return {
      lambda,
      nfe: at.map((e) => e.nfe_train),
      error: at.map((e) => e.test_error),
      cpu: at.map((e) => e.train_cpu_seconds),
    };
  });
}

// CNF: one command per seed and estimator (the none row and R_2 at --r2-lambda and the sweep's λ)
const CNF = tiny
  ? ['--iterations', '5', '--test-size', '200', '--test-batch-size', '100', '--validation-size', '100']
  : ['--iterations', '1000', '--test-size', '5000'];
const CNF_TOL = 1e-5;

function cnf(estimator: string): SeedFigures[] {
  const perSeed = SEEDS.map((seed) => {
    const json = `${dir}/cnf-${estimator}-seed-${seed}.json`;
    sh([
      'cnf',
      ...CNF,
      '--regularisers',
      'none,r2',
      '--solvers',
      'dopri5',
      '--r2-lambda',
      '3',
      '--sweep-lambdas',
      '10',
      '--taylor-estimator',
      estimator,
      '--dtype',
      'float32',
      '--gradient',
      'backprop',
      '--eval-tols',
      String(CNF_TOL),
      '--per-example-nfe',
      '0',
      '--seed',
      String(seed),
      '--no-progress',
      '--force',
      '--out',
      `${dir}/cnf-${estimator}-seed-${seed}`,
      '--json',
      json,
    ]);
    type Row = {
      regulariser: string;
      solver: string;
      lambda: number;
      train_cpu_seconds: number;
      eval: { tol: number; nll: number; nfe: number }[];
    };
    const r = JSON.parse(readFileSync(json, 'utf8')) as { table: Row[]; sweep: Row[] };
    const rows = [...r.table, ...r.sweep].filter((x) => x.solver === 'dopri5');
    const byLambda = new Map<number, Row>();
    for (const x of rows) byLambda.set(x.regulariser === 'none' ? 0 : x.lambda, x);
    return byLambda;
  });
  return [...perSeed[0].keys()]
    .sort((a, b) => a - b)
    .map((lambda) => {
      const at = perSeed.map((m) => m.get(lambda)!);
      const ev = at.map((x) => x.eval.find((e) => e.tol === CNF_TOL)!);
      return {
        lambda,
        nfe: ev.map((e) => e.nfe),
        error: ev.map((e) => e.nll),
        cpu: at.map((x) => x.train_cpu_seconds),
      };
    });
}

const file = tiny ? `${dir}/estimator-frontier.json` : 'bench/results/estimator-frontier.json';
// A task run alone keeps the other task's committed results.
const previous = !tiny && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
const out: Record<string, unknown> = { ...previous, estimators: ESTIMATORS, seeds: SEEDS, tiny };
for (const [task, fn, error] of [
  ['mnist', mnist, 'test error (fraction), 2,000 test images; NFE dopri5 1.4e-8 on training batches of 1,000'],
  ['cnf', cnf, `8gaussians test NLL (nats, exact trace); NFE dopri5 ${CNF_TOL}, batches of 1,000`],
] as const) {
  if (!run(task)) continue;
  const exact = fn(ESTIMATORS.exact),
    cheap = fn(ESTIMATORS.cheap);
  const points = compareFrontiers(exact, cheap);
  out[task] = { error, settings: task === 'mnist' ? MNIST : CNF, points, date: new Date().toISOString() };
  for (const p of points)
    console.log(
      `${task} λ = ${p.lambda}: NFE exact ${p.exact.nfe.mean.toFixed(1)} ± ${p.exact.nfe.sd.toFixed(1)}, cheap ${p.cheap.nfe.mean.toFixed(1)} ± ${p.cheap.nfe.sd.toFixed(1)}; ` +
        `error exact ${p.exact.error.mean.toFixed(4)} ± ${p.exact.error.sd.toFixed(4)}, cheap ${p.cheap.error.mean.toFixed(4)} ± ${p.cheap.error.sd.toFixed(4)}; ` +
        `CPU cheap/exact ${p.cpu_ratio.toFixed(2)}; ${p.no_worse ? 'no worse' : 'WORSE'} beyond the seeds' spread`,
    );
}
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${file}`);
