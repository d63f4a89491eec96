// `taynode latent` end to end on tiny settings: the command parses its options, trains the two kinds of
// model, and writes the JSON figures, the three SVGs and the weights; the numbers are finite and agree
// with each other.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerLatentCommand } from '../../packages/cli/src/commands/latent.js';
import { chooseLatentRun, klWeight, type LatentRun } from '../../packages/cli/src/experiments/latent/run.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { readMarker } from '../../packages/cli/src/output-marker.js';

const tiny = [
  '--series',
  '20',
  '--points',
  '12',
  '--observed',
  '6',
  '--latent',
  '3',
  '--gru-hidden',
  '6',
  '--units',
  '8',
  '--layers',
  '2',
  '--iterations',
  '3',
  '--batch-size',
  '5',
  '--lambdas',
  '0.1,1',
  '--nfe-series',
  '3',
  '--train-tol',
  '1e-4',
  '--eval-tol',
  '1e-6',
  '--no-progress',
];

async function run(args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerLatentCommand(program);
  const log = console.log;
  console.log = () => {};
  try {
    await program.parseAsync(['latent', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
}

for (const mode of ['interp', 'extrap']) {
  test(`taynode latent --mode ${mode}: JSON figures, SVGs and weights from a tiny run`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taynode-latent-'));
    try {
      const json = join(dir, 'latent.json');
      await run([...tiny, '--mode', mode, '--out', dir, '--json', json]);
      const f = JSON.parse(readFileSync(json, 'utf8'));
      for (const key of [
        'nfe_unreg',
        'nfe_reg',
        'loss_unreg',
        'loss_reg',
        'mse_unreg',
        'mse_reg',
        'lambda',
        'order',
        'settings',
        'nfe_batch_unreg',
        'nfe_batch_reg',
        'sweep',
        'target_met',
        'nfe_train_tol_unreg',
        'nfe_true_dynamics',
      ]) {
        assert.ok(key in f, `missing ${key}`);
      }
      for (const key of [
        'nfe_unreg',
        'nfe_reg',
        'loss_unreg',
        'loss_reg',
        'mse_unreg',
        'mse_reg',
        'nfe_batch_unreg',
        'nfe_batch_reg',
        'nfe_train_tol_unreg',
        'nfe_train_tol_reg',
        'nfe_true_dynamics',
        'nfe_true_dynamics_train_tol',
      ]) {
        assert.ok(Number.isFinite(f[key]), `${key} = ${f[key]}`);
      }
      assert.ok(
        f.nfe_unreg > 0 && f.mse_unreg > 0 && f.mse_reg > 0 && f.nfe_true_dynamics > f.nfe_true_dynamics_train_tol,
      );
      assert.is(f.order, 2);
      // without --orders the sweep is --order's alone; λ = 0 trains no regulariser
      assert.equal(f.orders, [2]);
      assert.equal(
        f.sweep.map((r: { order: number | null }) => r.order),
        [null, 2, 2],
      );
      assert.ok(f.r2_unreg > 0 && f.r2_reg > 0);
      // the loss over every test series (4 of 20), the NFE over the --nfe-series 3 asked for
      assert.is(f.test_series, 4);
      for (const key of ['nfe_unreg_sd', 'nfe_reg_sd', 'nfe_true_dynamics_sd'])
        assert.ok(Number.isFinite(f[key]) && f[key] >= 0, `${key} = ${f[key]}`);
      assert.is(f.sweep[0].nfe_per_series.length, 3);
      assert.is(f.settings.mode, mode);
      assert.is(f.settings.iterations, 3);
      assert.is(f.nfe_series, 3);
      assert.ok([0.1, 1].includes(f.lambda));
      assert.is(f.sweep.length, 3);
      assert.equal(
        f.sweep.map((r: { lambda: number }) => r.lambda),
        [0, 0.1, 1],
      );
      const chosen = f.sweep.find((r: { lambda: number }) => r.lambda === f.lambda);
      assert.is(chosen.nfe, f.nfe_reg);
      assert.is(chosen.loss, f.loss_reg);
      assert.is(f.sweep[0].nfe, f.nfe_unreg);
      assert.ok(Math.abs(f.nfe_ratio - f.nfe_unreg / f.nfe_reg) < 1e-12);
      assert.ok(Math.abs(f.loss_increase - (f.loss_reg - f.loss_unreg) / Math.abs(f.loss_unreg)) < 1e-12);
      assert.is(f.target_met, f.nfe_ratio >= 2 && f.loss_increase <= 0.1);
      assert.equal(
        f.sweep[0].curve.map((r: { iteration: number }) => r.iteration),
        [0, 2],
        'every 10th record and the last',
      );
      assert.ok(
        f.sweep.every((r: { latent_rms: number; readout_norm: number }) => r.latent_rms > 0 && r.readout_norm > 0),
      );
      assert.ok(
        f.sweep[1].r2 > 0 && f.sweep[1].curve.every((r: { rK: number }) => r.rK > 0),
        'R_2 monitored while training with λ',
      );
      for (const svg of ['latent-trajectories.svg', 'latent-loss-nfe.svg', 'latent-reconstructions.svg']) {
        const text = readFileSync(join(dir, svg), 'utf8');
        assert.ok(text.startsWith('<svg'), svg);
      }
      const trajectories = readFileSync(join(dir, 'latent-trajectories.svg'), 'utf8');
      // the titles quote the JSON's NFE (over its test series), and say what the dots count
      assert.ok(
        trajectories.includes(`unregularised: mean NFE ${f.nfe_unreg.toFixed(1)} per series over 3 test series`),
        'unregularised NFE as in the JSON',
      );
      assert.ok(
        trajectories.includes(`mean NFE ${f.nfe_reg.toFixed(1)} per series over 3 test series`),
        'regularised NFE as in the JSON',
      );
      assert.ok(trajectories.includes('dots: the '), "the dots' own count is stated");
      // the legend lists only the points drawn: in interpolation nothing is scored that is not also seen
      const legend = readFileSync(join(dir, 'latent-reconstructions.svg'), 'utf8');
      assert.is(legend.includes('>scored<'), mode === 'extrap', 'scored points in the legend only when drawn');
      // the run log is gone once the JSON holds it, and the folder's marker lists only the outputs
      assert.not.ok(existsSync(`${json}.tmp`));
      assert.equal(readMarker(dir)?.files, [
        'latent-loss-nfe.svg',
        'latent-reconstructions.svg',
        'latent-regularised.safetensors',
        'latent-trajectories.svg',
        'latent-unregularised.safetensors',
        'latent.json',
      ]);
      for (const name of ['unregularised', 'regularised']) {
        const file = decodeSafetensors(readFileSync(join(dir, `latent-${name}.safetensors`)));
        assert.ok(file.tensors.has('encoder.gru.weight_ih') && file.tensors.has('readout.weight'));
        assert.ok([...file.tensors.keys()].some((k) => k.startsWith('decoder.')));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('bad options are refused naming them', async () => {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLatentCommand(program);
  for (const c of program.commands) c.action(() => {});
  for (const [args, re] of [
    [['--mode', 'sideways'], /--mode/],
    [['--lambdas', '0.1,x'], /--lambdas/],
    [['--nfe-series', '-1'], /--nfe-series/],
    [['--samples', '0'], /--samples/],
    [['--init-log-std', 'x'], /--init-log-std.*finite number/],
  ] as const) {
    let message = '';
    try {
      await program.parseAsync(['latent', ...args], { from: 'user' });
    } catch (e) {
      message = String((e as Error).message);
    }
    assert.match(message, re, args.join(' '));
  }
});

test('KL annealing and the choice of λ', () => {
  assert.is(klWeight(0), 0);
  assert.is(klWeight(10), 0);
  assert.ok(Math.abs(klWeight(11) - 0.01) < 1e-15);
  assert.ok(Math.abs(klWeight(110) - (1 - 0.99 ** 100)) < 1e-15);
  const r = (lambda: number, loss: number, nfe: number) => ({ lambda, loss, nfe }) as LatentRun;
  // a negative loss: the budget is on the increase relative to |loss|
  const base = r(0, -2, 100);
  assert.is(chooseLatentRun(base, [r(0.1, -1.9, 60), r(1, -1.7, 30)], 1.1).run.lambda, 0.1);
  const none = chooseLatentRun(r(0, 1, 100), [r(1, 1.5, 40), r(10, 2, 20)], 1.1);
  assert.is(none.run.lambda, 1);
  assert.is(none.withinBudget, false);
});

test.run();
