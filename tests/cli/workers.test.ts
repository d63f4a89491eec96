// `--workers N` of the training commands (toy, mnist, cnf): checked strictly by option; N ≥ 2 trains
// across a worker pool with shared steps (dopri5 runs then follow the one-thread run), recorded in the
// JSON; the pool is closed when the command ends, also when it fails.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerToyCommand } from '../../packages/cli/src/commands/toy.js';
import { registerMnistCommand } from '../../packages/cli/src/commands/mnist.js';
import { registerCnfCommand } from '../../packages/cli/src/commands/cnf.js';
import { runSteps, withWorkers, type ObjectiveStep } from '../../packages/cli/src/workers.js';
import type { WorkerPool } from '../../src/parallel/pool.js';
import { tinyMnistArgs } from '../helpers/mnist-args.js';

/** Runs a command quietly; returns commander's error output ('' when it ran). */
async function run(args: string[], register: (program: Command) => void): Promise<string> {
  let stderr = '';
  const program = new Command().exitOverride().configureOutput({
    writeErr: (s) => {
      stderr += s;
    },
    writeOut: () => {},
  });
  register(program);
  const log = console.log;
  console.log = () => {};
  try {
    await program.parseAsync(args, { from: 'user' });
    return '';
  } catch (e) {
    return stderr || String(e);
  } finally {
    console.log = log;
  }
}

const registerAll = (program: Command) => {
  registerToyCommand(program);
  registerMnistCommand(program);
  registerCnfCommand(program);
};

test('--workers is an integer from 1 to 256, refused by option otherwise, on every training command', async () => {
  for (const command of ['toy', 'mnist', 'cnf']) {
    for (const bad of ['0', '1.5', 'two', '257', '']) {
      const stderr = await run([command, '--workers', bad, '--out', '/nonexistent/never-written'], (p) => {
        registerAll(p);
        for (const c of p.commands) c.action(() => {});
      });
      assert.match(
        stderr,
        /option '--workers <n>' argument .* is invalid\. expected an integer from 1 to 256/,
        `${command} --workers ${bad}`,
      );
    }
  }
});

test("withWorkers closes its pool when the work fails; runSteps throws a step's error into the loop", async () => {
  let seen: WorkerPool | undefined;
  let error: Error | undefined;
  await withWorkers(2, 'float64', async (pool) => {
    seen = pool;
    throw new Error('work failed');
  }).catch((e) => {
    error = e;
  });
  assert.match(error!.message, /work failed/);
  assert.is(seen!.size, 2);
  await seen!.predict(new Uint8Array(1), new Float64Array(1)).then(
    () => assert.unreachable('a closed pool'),
    (e: Error) => assert.match(e.message, /worker pool: closed/),
  );
  await withWorkers(1, 'float64', async (pool) => {
    assert.is(pool, undefined);
  });
  function* loop(): Generator<ObjectiveStep<number>, string, number> {
    try {
      yield {
        single: () => {
          throw new Error('step failed');
        },
        pooled: async () => 0,
      };
    } catch (e) {
      return `caught ${(e as Error).message}`;
    }
    return 'not caught';
  }
  assert.is(runSteps(loop()), 'caught step failed');
});

test('taynode toy --workers 2: the JSON records the pool; dopri5 with shared steps follows the one-thread run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-workers-'));
  try {
    const args = (workers: string, name: string) => [
      'toy',
      '--iterations',
      '4',
      '--hidden',
      '6',
      '--train-points',
      '12',
      '--test-points',
      '9',
      '--batch-size',
      '12',
      '--lambdas',
      '0.1',
      '--compare-tols',
      '1e-5',
      '--no-progress',
      '--workers',
      workers,
      '--out',
      join(dir, name),
    ];
    assert.is(await run(args('1', 'one'), registerToyCommand), '');
    assert.is(await run(args('2', 'two'), registerToyCommand), '');
    const one = JSON.parse(readFileSync(join(dir, 'one', 'toy.json'), 'utf8'));
    const two = JSON.parse(readFileSync(join(dir, 'two', 'toy.json'), 'utf8'));
    assert.is(one.workers, 1);
    assert.is(two.workers, 2);
    assert.is(two.step_sizes, 'shared');
    assert.not.ok('workers' in two.settings, 'not a setting of the experiment');
    assert.equal([two.nfe_unreg, two.nfe_reg], [one.nfe_unreg, one.nfe_reg]);
    for (const key of ['loss_unreg', 'loss_reg'])
      assert.ok(Math.abs(two[key] - one[key]) <= 1e-9 * Math.abs(one[key]), `${key}: ${two[key]} vs ${one[key]}`);
    // --dtype float32 with --workers: the workers' runtimes are f32 too (a float64 pool would refuse the model).
    assert.is(await run([...args('2', 'two32'), '--dtype', 'float32'], registerToyCommand), '');
    const two32 = JSON.parse(readFileSync(join(dir, 'two32', 'toy.json'), 'utf8'));
    assert.is(two32.dtype, 'float32');
    assert.is(two32.workers, 2);
    assert.ok(
      Math.abs(two32.loss_reg - one.loss_reg) <= 1e-4 * Math.abs(one.loss_reg),
      `f32 loss_reg ${two32.loss_reg} vs ${one.loss_reg}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('taynode mnist and cnf --workers 2: tiny runs train across the pool and record it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-workers-'));
  try {
    assert.is(
      await run(
        [
          'mnist',
          ...tinyMnistArgs({ digits: '100', iterations: '2', 'batch-size': '10' }),
          '--warmup',
          '0',
          '--no-progress',
          '--workers',
          '2',
          '--out',
          join(dir, 'mnist'),
        ],
        registerMnistCommand,
      ),
      '',
    );
    const mnist = JSON.parse(readFileSync(join(dir, 'mnist', 'mnist.json'), 'utf8'));
    assert.equal([mnist.workers, mnist.step_sizes], [2, 'shared']);
    assert.ok(mnist.sweep.every((r: { records?: unknown }) => r !== undefined) && Number.isFinite(mnist.nfe_reg));
    assert.is(
      await run(
        [
          'cnf',
          '--dataset',
          'moons',
          '--iterations',
          '2',
          '--hidden',
          '6',
          '--train-size',
          '40',
          '--test-size',
          '10',
          '--batch-size',
          '20',
          '--tight-eval-size',
          '5',
          '--solvers',
          'dopri5',
          '--regularisers',
          'none,r2',
          '--sweep-lambdas',
          '0.1',
          '--grid',
          '4',
          '--samples',
          '10',
          '--no-progress',
          '--workers',
          '2',
          '--out',
          join(dir, 'cnf'),
          '--json',
          join(dir, 'cnf.json'),
        ],
        registerCnfCommand,
      ),
      '',
    );
    const cnf = JSON.parse(readFileSync(join(dir, 'cnf.json'), 'utf8'));
    assert.equal([cnf.workers, cnf.step_sizes], [2, 'shared']);
    assert.ok(cnf.table.every((row: { diverged: boolean }) => !row.diverged));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
