// `taynode cnf --merge`: rows trained apart and merged give the summary a single run gives, and files
// that are not one experiment, or that hold the same row twice, are refused naming file and field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from 'node:assert/strict';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCnfCommand } from '../../../packages/cli/src/commands/cnf.js';
import { mergeCnfResults, rowFromJson } from '../../../packages/cli/src/experiments/cnf/merge.js';

const dir = mkdtempSync(join(tmpdir(), 'taynode-cnf-merge-'));
const tiny = [
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
  '--test-batch-size',
  '10',
  '--per-example-nfe',
  '3',
  '--batch-size',
  '40',
  '--tight-eval-size',
  '10',
  '--solvers',
  'dopri5',
  '--grid',
  '6',
  '--samples',
  '20',
  '--no-progress',
];

/** Runs `taynode cnf args`; its console lines, or the error thrown. */
async function cnf(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.join(' '));
  };
  try {
    const program = new Command().exitOverride();
    registerCnfCommand(program);
    await program.parseAsync(['cnf', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return lines;
}

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
/** A row without what depends on the machine's speed. */
const untimed = ({ train_seconds, train_cpu_seconds, ...row }: Record<string, unknown>) => row;
const whole = join(dir, 'whole.json'),
  partA = join(dir, 'a.json'),
  partB = join(dir, 'b.json'),
  merged = join(dir, 'merged.json');

test('rows trained in two runs and merged: the summary of one run that trained them all', async () => {
  await cnf([
    ...tiny,
    '--regularisers',
    'none,rnode,r3',
    '--sweep-lambdas',
    '0.1',
    '--out',
    join(dir, 'w'),
    '--json',
    whole,
  ]);
  await cnf([...tiny, '--regularisers', 'none,r3', '--sweep-lambdas', '0.1', '--out', join(dir, 'a'), '--json', partA]);
  await cnf([...tiny, '--regularisers', 'rnode', '--sweep-lambdas', 'none', '--out', join(dir, 'b'), '--json', partB]);
  const lines = await cnf(['--merge', `${partB},${partA}`, '--out', join(dir, 'm'), '--json', merged]);
  const [w, m] = [read(whole), read(merged)];
  assert.equal(m.table.map(untimed), w.table.map(untimed), 'the rows, in the single run’s order');
  assert.equal(m.sweep.map(untimed), w.sweep.map(untimed));
  for (const key of ['nfe_unreg', 'nfe_reg', 'nfe_rnode', 'nll_unreg', 'nll_reg', 'nll_rnode', 'nfe_ratio_batches'])
    assert.equal(m[key], w[key], key);
  for (const key of [
    'lambda',
    'order',
    'nll_change',
    'target_met',
    'at_least_as_few_as_rnode',
    'iterations',
    'stop_reason',
  ])
    assert.equal(m[key], w[key], key);
  assert.equal(m.settings.regularisers, ['none', 'rnode', 'r3']);
  assert.equal(m.settings.sweepLambdas, [0.1]);
  assert.equal(
    m.merged_from.map((f: { path: string }) => f.path),
    [partB, partA],
  );
  assert.ok(m.command.startsWith('taynode cnf'));
  assert.ok(lines.some((l) => l.startsWith('wrote ') && l.includes('3 rows and 1 sweep rows from 2 files')));
  assert.ok(readFileSync(join(dir, 'm', 'cnf-tradeoff.svg'), 'utf8').includes('<svg'), 'Fig. 5c from the merged rows');
});

test('--eval-tols given to a merge picks the headline tolerance; a tolerance a row lacks is refused', async () => {
  await cnf(['--merge', `${partA},${partB}`, '--eval-tols', '1.4e-8,1e-5', '--json', merged]);
  const m = read(merged);
  assert.is(m.eval_tol, 1.4e-8);
  assert.is(m.nfe_unreg, read(partA).table[0].eval[1].nfe);
  await rejects(
    () => cnf(['--merge', `${partA},${partB}`, '--eval-tols', '1e-6', '--json', merged]),
    /a\.json: table\[0\]: no evaluation at tol 0\.000001 \(it has 0\.00001, 1\.4e-8\)/,
  );
});

test('a merge refuses files of two experiments, a row twice, and options it would ignore', async () => {
  const other = join(dir, 'other.json');
  const b = read(partB);
  writeFileSync(other, JSON.stringify({ ...b, settings: { ...b.settings, seed: 7 } }));
  await rejects(
    () => cnf(['--merge', `${partA},${other}`, '--json', merged]),
    /other\.json: settings\.seed is 7 where .*a\.json has 0: not one experiment/,
  );
  await rejects(() => cnf(['--merge', `${partA},${partA}`, '--json', merged]), /a\.json: a second none dopri5 row/);
  await rejects(
    () => cnf(['--merge', `${partA},${partB}`, '--seed', '3', '--json', merged]),
    /--merge summarises finished runs and trains nothing: --seed would be ignored/,
  );
  await rejects(() => cnf(['--merge', `${partA},${partB}`]), /--merge needs --json <path>/);
  await rejects(() => cnf(['--merge', partA, '--json', merged]), /at least two results files, got 1/);
  await rejects(
    () => cnf(['--merge', `${partA},${join(dir, 'missing.json')}`, '--json', merged]),
    /missing\.json: cannot read it/,
  );
});

test('a row read back: NaN (null in JSON) stays NaN, and a malformed field is named', () => {
  const row = read(partA).table[0];
  const diverged = {
    ...row,
    diverged: true,
    failure: 'solver: too many steps',
    eval: [{ ...row.eval[0], nll: null, nfe: null }],
  };
  const r = rowFromJson(JSON.parse(JSON.stringify(diverged)), 'f: table[0]');
  assert.ok(Number.isNaN(r.evals[0].nll) && Number.isNaN(r.evals[0].nfe));
  assert.is(r.failure, 'solver: too many steps');
  assert.equal(r.validation, []);
  assert.throws(
    () => rowFromJson({ ...row, regulariser: 'r4' }, 'f: table[0]'),
    /f: table\[0\]\.regulariser: expected one of none, rnode, r2, r3/,
  );
  assert.throws(
    () => rowFromJson({ ...row, eval: [{ ...row.eval[0], nfe_batches: 'x' }] }, 'f: table[0]'),
    /f: table\[0\]\.eval\[0\]\.nfe_batches: expected numbers/,
  );
  assert.throws(
    () =>
      mergeCnfResults([
        { path: 'p', json: [] },
        { path: 'q', json: {} },
      ]),
    /p: expected a cnf results object/,
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
