import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCnfCommand } from '../../packages/cli/src/commands/cnf.js';

test('taynode cnf: a tiny run writes the JSON (every row, the sweep, the headline figures), the figures and the models', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-cnf-'));
  const json = join(dir, 'cnf.json');
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    logs.push(a.join(' '));
  };
  try {
    const program = new Command().exitOverride();
    registerCnfCommand(program);
    await program.parseAsync(
      [
        'cnf',
        '--dataset',
        'moons',
        '--iterations',
        '3',
        '--hidden',
        '6',
        '--train-size',
        '120',
        '--test-size',
        '30',
        '--batch-size',
        '40',
        '--tight-eval-size',
        '10',
        '--solvers',
        'dopri5,rk4-5',
        '--sweep-lambdas',
        '0.1',
        '--grid',
        '8',
        '--samples',
        '40',
        '--out',
        dir,
        '--json',
        json,
        '--no-progress',
      ],
      { from: 'user' },
    );
  } finally {
    console.log = log;
  }
  const r = JSON.parse(readFileSync(json, 'utf8'));
  for (const key of [
    'dataset',
    'nfe_unreg',
    'nfe_reg',
    'nll_unreg',
    'nll_reg',
    'nfe_rnode',
    'nll_rnode',
    'lambda',
    'order',
    'train_seconds',
    'table',
    'sweep',
    'settings',
    'target_met',
    'wall_seconds',
  ]) {
    assert.ok(key in r, `missing ${key}`);
  }
  assert.is(r.dataset, 'moons');
  assert.is(r.table.length, 8, '4 regularisers × 2 solvers');
  assert.equal(
    r.table.map((row: { solver: string }) => row.solver),
    ['dopri5', 'dopri5', 'dopri5', 'dopri5', 'rk4-5', 'rk4-5', 'rk4-5', 'rk4-5'],
  );
  assert.equal(
    r.sweep.map((row: { lambda: number }) => row.lambda),
    [0.1, 3],
    "the sweep's λ and the table's R_2 λ (3), sorted",
  );
  for (const row of [...r.table, ...r.sweep]) {
    assert.is(row.iterations_done, 3);
    assert.ok(row.train_seconds > 0 && row.train_cpu_seconds > 0);
    assert.equal(
      row.eval.map((e: { tol: number }) => e.tol),
      [1e-5, 1.4e-8],
    );
    assert.is(row.eval[0].examples, 30);
    assert.is(row.eval[1].examples, 10);
    for (const e of row.eval) assert.ok(Number.isFinite(e.nll) && Number.isInteger(e.nfe) && e.nfe > 0);
  }
  // the headline figures are those of the dopri5 rows they name
  const at = (reg: string) =>
    r.table.find((row: { regulariser: string; solver: string }) => row.regulariser === reg && row.solver === 'dopri5')
      .eval[0];
  assert.is(r.nfe_unreg, at('none').nfe);
  assert.is(r.nll_rnode, at('rnode').nll);
  assert.is(r.nfe_ratio, r.nfe_unreg / r.nfe_reg);
  assert.ok(Math.abs(r.nll_change - (r.nll_reg - r.nll_unreg) / Math.abs(r.nll_unreg)) < 1e-12);
  assert.is(Object.keys(r.train_seconds).length, 8);
  assert.is(Object.keys(r.train_cpu_seconds).length, 8);
  for (const f of [
    'cnf-tradeoff.svg',
    'cnf-density.svg',
    'cnf-samples.svg',
    'cnf-unregularised.safetensors',
    'cnf-regularised.safetensors',
  ])
    assert.ok(existsSync(join(dir, f)), f);
  const density = readFileSync(join(dir, 'cnf-density.svg'), 'utf8');
  assert.ok(density.startsWith('<svg'));
  assert.ok(density.includes(`>NFE ${r.nfe_unreg} on the 30 test examples`), "the title quotes the JSON's NFE");
  assert.ok(density.includes(`NFE ${r.nfe_reg} on the 30 test examples`), 'the regularised one too');
  assert.ok(density.includes('grid as one batch: NFE'), "the grid's own NFE is named as such");
  assert.is(density.split('>density<').length - 1, 1, 'one colour legend: the panels share one scale');
  assert.ok(
    logs.some((l) => l.startsWith('TayNODE ')),
    'the comparison is printed',
  );
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `taynode cnf` with `args`, quietly; the JSON it wrote. */
async function runCnf(args: string[]): Promise<{ r: Record<string, any>; dir: string; logs: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-cnf-'));
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    logs.push(a.join(' '));
  };
  try {
    const program = new Command().exitOverride();
    registerCnfCommand(program);
    await program.parseAsync(['cnf', ...args, '--out', dir, '--no-progress'], { from: 'user' });
  } finally {
    console.log = log;
  }
  const name = readdirSync(dir).find((f) => /^cnf.*\.json$/.test(f))!;
  return { r: JSON.parse(readFileSync(join(dir, name), 'utf8')), dir, logs };
}

const tinyConverging = [
  '--converge',
  '--max-iterations',
  '4',
  '--eval-every',
  '2',
  '--patience',
  '2',
  '--hidden',
  '4',
  '--train-size',
  '60',
  '--validation-size',
  '20',
  '--test-size',
  '40',
  '--test-batch-size',
  '10',
  '--tight-eval-size',
  '40',
  '--per-example-nfe',
  '3',
  '--batch-size',
  '20',
  '--solvers',
  'dopri5,rk4-2',
  '--sweep-lambdas',
  '3',
  '--eval-tols',
  '1e-3,1e-4',
  '--train-tol',
  '1e-3',
  '--grid',
  '6',
  '--samples',
  '20',
];

for (const [dataset, extra] of <[string, string[]][]>[
  ['8gaussians', ['--dtype', 'float32', '--gradient', 'backprop']],
  ['checkerboard', ['--workers', '2']],
  ['mixture16', ['--taylor-estimator', 'stepStart']],
  ['digits7', ['--gradient', 'backprop']],
]) {
  test(`taynode cnf --dataset ${dataset} --converge ${extra.join(' ')}: a tiny end-to-end run; every row's stop reason, iterations, NLL ± se over the points and NFE ± sd over the batches`, async () => {
    const { r, dir } = await runCnf(['--dataset', dataset, ...tinyConverging, ...extra]);
    assert.is(r.dataset, dataset);
    assert.is(r.dtype, extra.includes('float32') ? 'float32' : 'float64');
    assert.is(r.settings.gradient, extra.includes('backprop') ? 'backprop' : 'checkpoint');
    assert.is(r.settings.taylorEstimator, extra.includes('stepStart') ? 'stepStart' : 'stages');
    assert.is(r.table.length, 8);
    for (const key of [
      'nfe_unreg',
      'nfe_reg',
      'nfe_rnode',
      'nll_unreg',
      'nll_reg',
      'nll_rnode',
      'nfe_unreg_sd',
      'nfe_reg_sd',
      'nfe_rnode_sd',
      'nll_unreg_se',
      'nll_reg_se',
      'nll_rnode_se',
    ]) {
      const least = key.endsWith('_sd')
        ? 0
        : key.startsWith('nfe') || key.endsWith('_se')
          ? Number.MIN_VALUE
          : -Infinity; // batches may share one NFE
      assert.ok(Number.isFinite(r[key]) && r[key] >= least, `${key}: ${r[key]}`);
    }
    assert.is(r.test_points, 40);
    assert.is(r.test_batches, 4);
    assert.is(Object.keys(r.iterations).length, 8);
    for (const row of r.table) {
      assert.ok(['target', 'patience', 'max-iterations'].includes(row.stop_reason), row.stop_reason);
      assert.is(r.stop_reason[`${row.regulariser}/${row.solver}`], row.stop_reason);
      assert.is(r.iterations[`${row.regulariser}/${row.solver}`], row.iterations_done);
      assert.ok(row.iterations_done >= 2 && row.iterations_done <= 4);
      for (const e of row.eval) {
        assert.is(e.batches, 4);
        assert.is(e.nfe_batches.length, 4);
        assert.ok(Math.abs(e.nfe - e.nfe_batches.reduce((a: number, v: number) => a + v, 0) / 4) < 1e-12);
        assert.is(e.nfe_per_example.values.length, 3);
      }
    }
    assert.is(r.nfe_ratio_batches.length, 4);
    const known = dataset !== 'digits7';
    assert.is('nll_true' in r, known, 'the true NLL where the density is known');
    if (dataset === 'checkerboard') assert.ok(Math.abs(r.nll_true - Math.log(32)) < 1e-12);
    if (dataset === 'digits7') {
      assert.is(r.dim, 49);
      assert.ok(
        r.bits_per_dim_unreg > 0 && Math.abs(r.bits_per_dim_unreg - r.nll_unreg / (49 * Math.LN2)) < 1e-12,
        'bits/dim of the pixel-space NLL',
      );
    }
    assert.ok(existsSync(join(dir, 'cnf-regularised.safetensors')));
    rmSync(dir, { recursive: true, force: true });
  });
}

test('taynode cnf refuses a bad solver or regulariser list by option', async () => {
  for (const args of [
    ['--solvers', 'rk4'],
    ['--regularisers', 'none,r4'],
  ]) {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    registerCnfCommand(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
    let message = '';
    try {
      await program.parseAsync(['cnf', ...args], { from: 'user' });
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(
      message,
      new RegExp(`option '${args[0]} <list>' argument '${args[1]}' is invalid`),
      message || 'no error',
    );
  }
});

test('taynode cnf refuses the stepRandom R_K estimator with a fixed-grid solver before training, by option', async () => {
  const program = new Command().exitOverride();
  registerCnfCommand(program);
  const dir = mkdtempSync(join(tmpdir(), 'taynode-cnf-'));
  let message = '';
  try {
    await program.parseAsync(
      ['cnf', '--taylor-estimator', 'stepRandom', '--solvers', 'dopri5,rk4-5', '--out', dir, '--no-progress'],
      { from: 'user' },
    );
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^--taylor-estimator: expected 'stages' or 'stepStart' with the fixed-grid solvers rk4-5/);
  assert.equal(readdirSync(dir), [], 'nothing written');
  rmSync(dir, { recursive: true, force: true });
});

/** A tiny run of some rows alone (no sweep); the caller names the solvers and regularisers. */
const tinyRowsAlone = [
  '--dataset',
  'moons',
  '--iterations',
  '2',
  '--hidden',
  '4',
  '--train-size',
  '40',
  '--test-size',
  '20',
  '--batch-size',
  '20',
  '--sweep-lambdas',
  'none',
  '--grid',
  '4',
  '--samples',
  '10',
];

test("taynode cnf --sweep-lambdas none: fixed-grid rows alone, no sweep; the dopri5 comparison's figures are NaN, not invented", async () => {
  const { r, dir, logs } = await runCnf([...tinyRowsAlone, '--solvers', 'rk4-2', '--regularisers', 'none,r2']);
  assert.equal(r.settings.sweepLambdas, []);
  assert.equal(
    r.table.map((row: { regulariser: string; solver: string }) => `${row.regulariser}/${row.solver}`),
    ['none/rk4-2', 'r2/rk4-2'],
  );
  assert.is(r.sweep.length, 0, 'no dopri5 R_2 run was added for the plot');
  assert.is(r.nfe_unreg, null, 'no dopri5 row, so no headline NFE (NaN in the JSON)');
  assert.is(r.target_met, false);
  assert.not.ok(existsSync(join(dir, 'cnf-unregularised.safetensors')), 'no dopri5 row, no model to save');
  assert.ok(
    logs.some((l) => l.includes('and no model in')),
    'the closing line does not claim models it did not write',
  );
  rmSync(dir, { recursive: true, force: true });
});

test('taynode cnf --regularisers r3 (rows trained apart): the R_3 model is saved and reported, with no ratio to invent', async () => {
  const { r, dir, logs } = await runCnf([...tinyRowsAlone, '--solvers', 'dopri5', '--regularisers', 'r3']);
  assert.is(r.nfe_reg, r.table[0].eval[0].nfe);
  assert.is(r.order, 3);
  assert.is(r.nfe_unreg, null);
  assert.is(r.nfe_ratio, null);
  assert.is(r.target_met, false);
  assert.ok(existsSync(join(dir, 'cnf-regularised.safetensors')));
  assert.not.ok(existsSync(join(dir, 'cnf-unregularised.safetensors')));
  assert.ok(logs.some((l) => l.includes('and the regularised model in')));
  rmSync(dir, { recursive: true, force: true });
});

test.run();
