// `taynode beyond`: a tiny end-to-end run (every part, the results file's keys, the figures), merging a
// part run alone into an existing file, option errors, and the comparison with the fixed-λ sweep.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beyondSettings, registerBeyondCommand } from '../../packages/cli/src/commands/beyond.js';
import {
  bestSweepRunWithin,
  readSweep,
  summariseBudgets,
  sweepErrorAt,
} from '../../packages/cli/src/experiments/beyond/summary.js';
import { DEFAULT_BEYOND, tinySettings } from '../../packages/cli/src/experiments/beyond/settings.js';

async function run(args: string[]): Promise<string[]> {
  const logs: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    logs.push(a.join(' '));
  };
  try {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    registerBeyondCommand(program);
    await program.parseAsync(['beyond', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return logs;
}

test('taynode beyond --tiny: budgets and regularisers in the JSON, both figures, and a part run alone merges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-beyond-'));
  try {
    const json = join(dir, 'bench', 'beyond.json');
    const sweep = join(dir, 'none.json'); // absent: budgets measure against this run's λ = 0
    const logs = await run([
      '--tiny',
      '--out',
      join(dir, 'out'),
      '--json',
      json,
      '--figures',
      join(dir, 'fig'),
      '--sweep',
      sweep,
      '--no-progress',
    ]);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    assert.is(r.budgets.length, 1);
    const b = r.budgets[0];
    for (const key of [
      'fraction',
      'target',
      'reached_nfe',
      'test_error',
      'within_tolerance',
      'target_met',
      'final_lambda',
      'trace',
    ])
      assert.ok(key in b, `budgets[0].${key}`);
    assert.is(b.fraction, 0.6);
    assert.is(b.trace.length, 4, 'one record per iteration');
    assert.ok(b.trace.every((t: { lambda: number }) => t.lambda > 0));
    assert.is(
      b.trace.filter((t: { nfeMeasured?: number }) => t.nfeMeasured !== undefined).length,
      2,
      'every 2nd iteration',
    );
    const mnist = r.regularisers.filter((x: { dataset: string }) => x.dataset === 'mnist');
    const flow = r.regularisers.filter((x: { dataset: string }) => x.dataset === '8gaussians');
    assert.equal(
      mnist.map((x: { name: string }) => x.name),
      ['none', 'R_3', 'RNODE', 'ERNODE', 'SRNODE'],
    );
    assert.equal(
      flow.map((x: { name: string }) => x.name),
      ['none', 'R_2', 'RNODE', 'ERNODE', 'SRNODE'],
    );
    for (const x of r.regularisers) {
      for (const key of ['name', 'lambda', 'nfe', 'loss', 'train_time_s', 'train_cpu_s'])
        assert.ok(key in x, `regulariser ${x.name}: ${key}`);
      assert.ok(Number.isInteger(x.nfe) || Number.isFinite(x.nfe), 'an NFE');
      assert.ok(x.train_cpu_s > 0);
    }
    assert.is(b.target, 0.6 * mnist[0].nfe, "the budget is a fraction of this run's λ = 0 NFE");
    for (const f of ['regularisers.svg', 'budgets.svg']) {
      assert.ok(readFileSync(join(dir, 'fig', f), 'utf8').startsWith('<svg'), f);
      assert.ok(existsSync(join(dir, 'out', f)));
    }
    assert.ok(existsSync(join(dir, 'out', 'beyond.json')));
    assert.ok(logs.some((l) => l.includes('budget 0.6×')));
    // The flow alone, at another λ, into a file of its own, then merged in (as parts run in parallel):
    // MNIST rows and the budgets stay, the flow's rows are replaced.
    const flowJson = join(dir, 'flow.json');
    await run([
      '--tiny',
      '--parts',
      'cnf',
      '--cnf-ernode',
      '0.2,2',
      '--out',
      join(dir, 'out2'),
      '--json',
      flowJson,
      '--sweep',
      sweep,
      '--no-progress',
    ]);
    assert.equal(Object.keys(JSON.parse(readFileSync(flowJson, 'utf8')).parts), ['cnf']);
    await run([
      '--parts',
      'none',
      '--merge',
      flowJson,
      '--out',
      join(dir, 'out3'),
      '--json',
      json,
      '--sweep',
      sweep,
      '--no-progress',
    ]);
    const merged = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(merged.budgets, r.budgets);
    assert.equal(
      merged.regularisers.filter((x: { dataset: string }) => x.dataset === 'mnist'),
      mnist,
    );
    assert.equal(
      merged.regularisers
        .filter((x: { name: string; dataset: string }) => x.name === 'ERNODE' && x.dataset === '8gaussians')
        .map((x: { lambda: number }) => x.lambda),
      [0.2, 2],
    );
    assert.ok(merged.parts.cnf && merged.parts.mnist && merged.parts.budgets);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('taynode beyond: bad options are refused by name before any work', async () => {
  for (const [args, pattern] of [
    [['--parts', 'mnist,foo'], /--parts/],
    [['--budgets', '0.4,1.5'], /--budgets/],
    [['--mnist-ernode', '-1'], /--mnist-ernode/],
    [['--control-gain', '0'], /--control-gain/],
    [['--control-ratchet', 'yes'], /--control-ratchet/],
    [['--control-proportional', '-1'], /--control-proportional/],
    [['--epochs', '0'], /--epochs/],
    [['--gradient', 'exact'], /--gradient/],
    [['--estimator', 'midpoint'], /--estimator/],
  ] as const) {
    let message = '';
    try {
      await run([...args, '--out', join(tmpdir(), 'never')]);
    } catch (e) {
      message = String(e);
    }
    assert.ok(pattern.test(message), `${args.join(' ')}: ${message}`);
  }
});

test('taynode beyond: the controller options reach the settings (on/off, the proportional gain)', () => {
  const base = { parts: ['budgets' as const], tiny: false, sweep: 'x', out: 'y', progress: false };
  const d = beyondSettings(base).control;
  assert.equal([d.ratchet, d.proportional], [DEFAULT_BEYOND.control.ratchet, DEFAULT_BEYOND.control.proportional]);
  const s = beyondSettings({ ...base, controlRatchet: !d.ratchet, controlProportional: 0.7 }).control;
  assert.equal([s.ratchet, s.proportional], [!d.ratchet, 0.7]);
});

test("taynode beyond: --epochs, --gradient and --estimator set the MNIST runs' schedule and fast path", () => {
  const base = { parts: ['budgets' as const], tiny: false, sweep: 'x', out: 'y', progress: false };
  const d = beyondSettings(base).mnist;
  assert.equal([d.epochs, d.gradient, d.estimator], [0, 'checkpoint', 'stages']);
  const m = beyondSettings({ ...base, epochs: 80, gradient: 'backprop', estimator: 'stepRandom' }).mnist;
  assert.equal([m.epochs, m.gradient, m.estimator], [80, 'backprop', 'stepRandom']);
});

const points = [
  { lambda: 0, nfe: 92, testError: 0.34, trainCpuSeconds: 1, trainSeconds: 1 },
  { lambda: 0.003, nfe: 56, testError: 0.26, trainCpuSeconds: 1, trainSeconds: 1 },
  { lambda: 0.03, nfe: 38, testError: 0.21, trainCpuSeconds: 1, trainSeconds: 1 },
];

test("the sweep's error at an NFE: linear between its runs, the nearest outside; the best run within a slack", () => {
  assert.ok(Math.abs(sweepErrorAt(points, 74) - 0.3) < 1e-12);
  assert.ok(Math.abs(sweepErrorAt(points, 47) - 0.235) < 1e-12);
  assert.is(sweepErrorAt(points, 20), 0.21);
  assert.is(sweepErrorAt(points, 100), 0.34);
  assert.is(
    bestSweepRunWithin(points, 52, 0.1)!.lambda,
    0.03,
    '56 > 52·1.1 = 57.2? no: 56 fits, but 38 has the lower error',
  );
  assert.is(bestSweepRunWithin(points, 30, 0.1), null);
  const s = summariseBudgets(
    [
      {
        fraction: 0.8,
        target: 73.6,
        reachedNfe: 74,
        trainNfe: 74,
        testError: 0.302,
        testCrossEntropy: 1,
        finalLambda: 1e-3,
        trainSeconds: 1,
        trainCpuSeconds: 1,
        trace: [],
      },
      {
        fraction: 0.4,
        target: 36.8,
        reachedNfe: 44,
        trainNfe: 44,
        testError: 0.2,
        testCrossEntropy: 1,
        finalLambda: 1e-2,
        trainSeconds: 1,
        trainCpuSeconds: 1,
        trace: [],
      },
    ],
    { path: 'x', points, settingsMatch: true, mismatched: [] },
    0.1,
    0.5,
  );
  assert.ok(s[0].within_tolerance && s[0].error_target_met && s[0].target_met, 'NFE 74 of 73.6, +0.2 pp');
  assert.ok(Math.abs(s[0].error_vs_sweep_pp - 0.2) < 1e-9);
  assert.ok(!s[1].within_tolerance && s[1].error_target_met && !s[1].target_met, 'NFE 44 of 36.8 is 19.6 % over');
});

test("readSweep names the settings that differ from this run's", () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-sweep-'));
  try {
    const path = join(dir, 'mnist.json');
    writeFileSync(
      path,
      JSON.stringify({
        settings: { ...DEFAULT_BEYOND.mnist, lazyTerms: false },
        sweep: [{ lambda: 0, nfe_test: 92, test_error: 0.3, train_cpu_seconds: 1, train_seconds: 2 }],
      }),
    );
    const same = readSweep(path, DEFAULT_BEYOND.mnist)!;
    assert.ok(same.settingsMatch, 'lazyTerms changes neither NFE nor error');
    assert.equal(same.points, [{ lambda: 0, nfe: 92, testError: 0.3, trainCpuSeconds: 1, trainSeconds: 2 }]);
    const tiny = readSweep(path, tinySettings(DEFAULT_BEYOND).mnist)!;
    assert.ok(!tiny.settingsMatch && tiny.mismatched.includes('iterations'));
    assert.is(readSweep(join(dir, 'absent.json'), DEFAULT_BEYOND.mnist), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readSweep of a several-seed file (taynode mnist --seeds) takes the sweep of the run’s own seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-sweep-'));
  try {
    const path = join(dir, 'mnist.json');
    const seedRun = (seed: number, nfe: number) => ({
      settings: { ...DEFAULT_BEYOND.mnist, seed },
      sweep: [{ lambda: 0, nfe_test: nfe, test_error: 0.1, train_cpu_seconds: 1, train_seconds: 2 }],
    });
    writeFileSync(path, JSON.stringify({ per_seed: [seedRun(0, 56), seedRun(1, 50)] }));
    const one = readSweep(path, { ...DEFAULT_BEYOND.mnist, seed: 1 })!;
    assert.ok(one.settingsMatch);
    assert.equal(
      one.points.map((p) => p.nfe),
      [50],
    );
    const none = readSweep(path, { ...DEFAULT_BEYOND.mnist, seed: 7 })!;
    assert.equal(none.points, []);
    assert.ok(!none.settingsMatch, 'no run of that seed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
