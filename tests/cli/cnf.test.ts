import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

test.run();
