// The MNIST main job's protocol: the per-example NFE (each image solved alone, over a whole set) and
// its spread, the pace shown while training, the default fast path (f32, backprop) and its bitwise
// reproducibility, --epochs against --iterations, Fig. 3's checkpoints, and seeds side by side (child
// processes; mean ± sd per λ; λ chosen on the means).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Model } from '../../src/model/model.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { loadMnistClasses, PIXELS, rows, splitMnist } from '../../packages/cli/src/experiments/mnist/data.js';
import { createMnistModel } from '../../packages/cli/src/experiments/mnist/model.js';
import { perExampleNfes, summariseNfe } from '../../packages/cli/src/experiments/mnist/evaluate.js';
import { costAlongRun, formatDuration, Pace } from '../../packages/cli/src/experiments/mnist/pace.js';
import {
  acrossSeeds,
  childArgs,
  chooseAcrossSeeds,
  seedList,
  spread,
  type SeedSweepEntry,
} from '../../packages/cli/src/experiments/mnist/seeds.js';
import { MNIST_COMMAND_DEFAULTS } from '../../packages/cli/src/experiments/mnist/settings.js';
import { registerMnistCommand } from '../../packages/cli/src/commands/mnist.js';
import { tinyMnistArgs } from '../helpers/mnist-args.js';

const TINY = [
  ...tinyMnistArgs({ 'per-example': '8', 'per-example-train': '6', 'curve-images': '40', 'curve-points': null }),
  '--no-progress',
];

async function runMnist(args: string[]): Promise<string[]> {
  const program = new Command().exitOverride();
  registerMnistCommand(program);
  const log = console.log,
    printed: string[] = [];
  console.log = (...a: unknown[]) => {
    printed.push(a.join(' '));
  };
  try {
    await program.parseAsync(['mnist', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return printed;
}

async function resultOf(args: string[]): Promise<Record<string, any>> {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-mnist-protocol-'));
  try {
    await runMnist([...TINY, ...args, '--out', dir]);
    return JSON.parse(readFileSync(join(dir, 'mnist.json'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("per-example NFE over a whole set: each image's NFE is that of a plain solve of it alone", () => {
  const rt = createRuntimeSync();
  const data = splitMnist(loadMnistClasses(), { total: 150, testFraction: 0.2, seed: 1 });
  const reg = createMnistModel(rt, { order: 3, lambda: 1, method: 'dopri5', tol: 1e-6 }, new Rng(5));
  for (const p of reg.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 8 * v)); // NFE 50 or 56, image by image
  const solver = { method: 'dopri5' as const, rtol: 1e-7, atol: 1e-7 };
  const nfes = perExampleNfes(reg, data.testImages, solver, 0);
  assert.is(nfes.length, 30, 'count 0: the whole test set');
  // the plain single solve: the block's NeuralOde without its R_3 term, one image at a time
  const block = reg.blocks[0];
  const plain = new NeuralOde(rt, block.network, { ...block.config, terms: [], solver });
  for (let i = 0; i < 30; i++)
    assert.is(nfes[i], plain.predict(rows(data.testImages, PIXELS, i, 1)).stats.nfe, `image ${i}`);
  assert.ok(new Set(nfes).size > 1, `the images differ in NFE (${[...new Set(nfes)]})`);
  const whole = new Model(rt, { blocks: [plain], head: reg.head });
  assert.is(
    perExampleNfes(reg, data.testImages, solver, 7).join(),
    Array.from({ length: 7 }, (_, i) => whole.predict(rows(data.testImages, PIXELS, i, 1)).blockStats[0].nfe).join(),
  );
  assert.throws(() => perExampleNfes(reg, data.testImages, solver, -1), /^count: expected a non-negative integer/);
});

test('the spread of per-example NFE: mean, median (middle pair averaged), p90 by nearest rank', () => {
  assert.equal(summariseNfe([20, 26, 20, 32, 20]), { mean: 23.6, median: 20, p90: 32, count: 5 });
  const ten = [20, 20, 20, 20, 20, 26, 26, 26, 38, 50];
  assert.equal(summariseNfe(ten.slice().reverse()), { mean: 26.6, median: 23, p90: 38, count: 10 });
  assert.throws(() => summariseNfe([]), /^nfes: /);
});

test('the pace: seconds per iteration over the latest ones, the time left at it, segments of the run', () => {
  const pace = new Pace(2);
  assert.ok(Number.isNaN(pace.secondsPerIteration()));
  for (const ms of [1000, 100, 300]) pace.add(ms);
  assert.is(pace.secondsPerIteration(), 0.2, 'the first iteration has left the window');
  assert.is(pace.secondsLeft(10), 2);
  assert.equal([8, 75, 4000, NaN].map(formatDuration), ['8s', '1m15s', '1h06m', '?']);
  const records = [1, 2, 3, 4, 5].map((i) => ({ ms: 10 * i, nfeForward: 20 + i, nfeBackward: 0 }));
  assert.equal(costAlongRun(records, 2), [
    { from: 0, to: 2, ms: 15, nfeForward: 21.5, nfeBackward: 0 },
    { from: 2, to: 5, ms: 40, nfeForward: 24, nfeBackward: 0 },
  ]);
  assert.throws(() => new Pace(0), /^window: /);
});

test("the command's defaults: the fast path (f32 training, backprop), the measurements in f64, epochs, whole test set per example", async () => {
  assert.is(MNIST_COMMAND_DEFAULTS.gradient, 'backprop');
  assert.is(MNIST_COMMAND_DEFAULTS.estimator, 'stepRandom');
  assert.is(MNIST_COMMAND_DEFAULTS.evalDtype, 'float64');
  assert.is(MNIST_COMMAND_DEFAULTS.perExample, 0);
  assert.ok(MNIST_COMMAND_DEFAULTS.epochs > 0);
  const r = await resultOf(['--iterations', '3', '--curve-points', '4']);
  assert.is(r.dtype, 'float32');
  assert.is(r.settings.gradient, 'backprop');
  assert.is(r.settings.estimator, 'stepRandom');
  assert.is(r.settings.evalDtype, 'float64');
  assert.is(r.seeds, 1);
  assert.is(r.epochs, (3 * 20) / r.settings.train_size);
  for (const key of [
    'nfe_per_example_unreg',
    'nfe_per_example_reg',
    'nfe_per_example_train_unreg',
    'nfe_per_example_train_reg',
  ]) {
    assert.equal(Object.keys(r[key]), ['mean', 'median', 'p90', 'count'], key);
  }
  assert.is(r.nfe_per_example_unreg.count, 8);
  assert.is(r.nfe_per_example_train_reg.count, 6);
  // Fig. 3: evenly spaced checkpoints from the first iteration to the end
  assert.equal(
    r.sweep[0].curve.map((c: { iteration: number }) => c.iteration),
    [0, 1, 2, 3],
  );
  assert.is(r.sweep[1].cost_along_run.length, 3);
});

test('--epochs sets the iterations; --iterations alone overrides the default epochs; both at once is refused', async () => {
  const e = await resultOf(['--epochs', '0.25', '--curve-points', '1']);
  assert.is(e.settings.iterations_per_run, Math.round((0.25 * e.settings.train_size) / 20));
  assert.is(e.settings.epochs, 0.25);
  await runMnist([
    ...TINY,
    '--epochs',
    '1',
    '--iterations',
    '3',
    '--out',
    join(tmpdir(), 'taynode-never-written'),
  ]).then(
    () => assert.unreachable('both accepted'),
    (err: Error) => assert.match(err.message, /^--iterations: expected either --epochs or --iterations, not both/),
  );
});

const timing = /seconds|time|cpu|date|(^|_)ms($|_)|^ms$|figures|command|^out$/;
const withoutTimings = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(withoutTimings);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !timing.test(k))
        .map(([k, x]) => [k, withoutTimings(x)]),
    );
  return v;
};

test('determinism: two seeded runs on the fast path write the same figures, bit for bit, but for the timings', async () => {
  const a = await resultOf(['--iterations', '4', '--curve-points', '2', '--seed', '3']);
  const b = await resultOf(['--iterations', '4', '--curve-points', '2', '--seed', '3']);
  assert.is(a.dtype, 'float32');
  assert.ok(a.sweep[1].nfe_per_example_test.mean > 0);
  assert.equal(withoutTimings(a), withoutTimings(b));
  const c = await resultOf(['--iterations', '4', '--curve-points', '2', '--seed', '4']);
  assert.not.equal(withoutTimings(c), withoutTimings(a), 'another seed, another run (the check can tell)');
});

test("seeds: the list, the children's arguments (the parent's own options replaced)", () => {
  assert.equal(seedList(5, 3), [5, 6, 7]);
  assert.throws(() => seedList(0, 0), /^seeds: /);
  assert.equal(
    childArgs(
      [
        '--digits',
        '300',
        '--seeds',
        '3',
        '--jobs=2',
        '--seed',
        '5',
        '--out',
        'o',
        '--json=j.json',
        '--force',
        '--lambdas',
        '0.1',
        '--no-progress',
      ],
      6,
      5,
      '/t/seed-6',
    ),
    [
      '--digits',
      '300',
      '--lambdas',
      '0.1',
      '--no-progress',
      '--seed',
      '6',
      '--split-seed',
      '5',
      '--seeds',
      '1',
      '--out',
      '/t/seed-6',
    ],
  );
});

const entry = (lambda: number, nfe: number, error: number): SeedSweepEntry => ({
  lambda,
  nfe_train: nfe,
  nfe_test: nfe + 1,
  train_error: error / 2,
  test_error: error,
  train_cpu_seconds: 10,
  nfe_per_example_test: { mean: nfe, median: nfe, p90: nfe + 6 },
  nfe_per_example_train: { mean: nfe, median: nfe, p90: nfe + 2 },
});

test('across seeds: mean and sample sd per λ; λ chosen on the means', () => {
  assert.equal(spread([1, 3]), { mean: 2, sd: Math.SQRT2, values: [1, 3] });
  assert.is(spread([4]).sd, 0);
  const rows = acrossSeeds([
    [entry(0, 90, 0.05), entry(0.03, 40, 0.06), entry(0.3, 30, 0.09)],
    [entry(0, 110, 0.07), entry(0.03, 44, 0.064), entry(0.3, 30, 0.07)],
  ]);
  assert.is(rows[0].nfe_train.mean, 100);
  assert.is(rows[1].nfe_per_example_test.p90.mean, 48);
  // λ = 0.3's mean error (8 %) is 2 points above λ = 0's (6 %): outside a 1-point budget; 0.03's (6.2 %) is within
  const choice = chooseAcrossSeeds(rows, 1);
  assert.is(choice.chosen.lambda, 0.03);
  assert.is(choice.withinBudget, true);
  assert.is(chooseAcrossSeeds(rows, 3).chosen.lambda, 0.3);
  assert.throws(() => acrossSeeds([[entry(0, 1, 0)], [entry(0.1, 1, 0)]]), /^sweeps: expected the same λ sweep/);
});

test("taynode mnist --seeds 2: two child processes, each its own output; mnist.json their means and every seed's figures", () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-mnist-seeds-'));
  try {
    const main = new URL('../../packages/cli/src/main.ts', import.meta.url).pathname;
    const wasmLoader = new URL('../setup/register-wasm-loader.mjs', import.meta.url).href;
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        wasmLoader,
        main,
        'mnist',
        ...TINY,
        '--iterations',
        '3',
        '--curve-points',
        '2',
        '--seeds',
        '2',
        '--jobs',
        '2',
        '--out',
        dir,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.is(child.status, 0, child.stderr);
    assert.ok(child.stdout.includes('[seed 1] '), child.stdout);
    const r = JSON.parse(readFileSync(join(dir, 'mnist.json'), 'utf8'));
    assert.is(r.seeds, 2);
    assert.equal(
      r.per_seed.map((s: { seed: number; split_seed: number }) => [s.seed, s.split_seed]),
      [
        [0, 0],
        [1, 0],
      ],
    );
    for (const s of [0, 1]) assert.ok(existsSync(join(dir, `seed-${s}`, 'fig3-nfe-error.svg')), `seed ${s}'s figures`);
    const unreg = r.per_seed.map((s: Record<string, any>) => s.sweep[0]);
    assert.is(r.nfe_unreg, (unreg[0].nfe_train + unreg[1].nfe_train) / 2);
    assert.is(r.test_error_unreg, (unreg[0].test_error + unreg[1].test_error) / 2);
    assert.is(r.across_seeds[0].test_error.sd, spread(unreg.map((u: { test_error: number }) => u.test_error)).sd);
    assert.not.equal(unreg[0].train_loss, unreg[1].train_loss, 'the seeds trained differently');
    for (const k of [
      'nfe_reg',
      'test_error_reg',
      'train_cpu_ratio',
      'epochs',
      'nfe_per_example_unreg',
      'nfe_per_example_reg',
    ])
      assert.ok(k in r, k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
