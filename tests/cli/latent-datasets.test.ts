// `taynode latent --dataset physionet-like` and `--data-dir` (real PhysioNet files; here fixtures in
// their format) end to end on tiny settings: the multichannel model trains, the JSON names its dataset
// and the loss–NFE figure and the weights are written; misused options are refused naming them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerLatentCommand } from '../../packages/cli/src/commands/latent.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';

const tiny = [
  '--series',
  '10',
  '--latent',
  '3',
  '--gru-hidden',
  '6',
  '--units',
  '8',
  '--layers',
  '2',
  '--iterations',
  '2',
  '--batch-size',
  '4',
  '--lambdas',
  '1',
  '--nfe-series',
  '2',
  '--train-tol',
  '1e-3',
  '--eval-tol',
  '1e-5',
  '--no-progress',
];

async function run(args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  registerLatentCommand(program);
  const log = console.log;
  console.log = () => {};
  try {
    await program.parseAsync(['latent', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
}

function inTemp(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taynode-latent-datasets-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Ten PhysioNet records with a few vitals and labs each, in the challenge's format. */
function writePhysioNet(dir: string): void {
  mkdirSync(join(dir, 'set-a'), { recursive: true });
  for (let k = 0; k < 10; k++) {
    const id = 140000 + k;
    const lines = [
      'Time,Parameter,Value',
      `00:00,RecordID,${id}`,
      '00:00,Age,60',
      '00:00,Gender,1',
      '00:00,Height,-1',
      '00:00,ICUType,2',
      `00:00,Weight,${70 + k}`,
    ];
    for (let h = 0; h < 6; h++)
      lines.push(`0${h}:1${k % 6},HR,${80 + 5 * Math.sin(h + k)}`, `0${h}:1${k % 6},MAP,${75 + h}`);
    lines.push(`02:45,Glucose,${110 + k}`, '04:10,pH,7.38');
    writeFileSync(join(dir, 'set-a', `${id}.txt`), lines.join('\n') + '\n');
  }
}

function checkOutputs(dir: string, dataset: string, channels: number): Record<string, any> {
  const f = JSON.parse(readFileSync(join(dir, 'latent.json'), 'utf8'));
  assert.is(f.dataset, dataset);
  assert.is(f.settings.dataset, dataset);
  for (const key of ['nfe_unreg', 'nfe_reg', 'loss_unreg', 'loss_reg', 'mse_unreg', 'mse_reg'])
    assert.ok(Number.isFinite(f[key]) && f[key] !== 0, `${key} = ${f[key]}`);
  assert.is(f.sweep.length, 2);
  assert.ok(readFileSync(join(dir, 'latent-loss-nfe.svg'), 'utf8').startsWith('<svg'));
  // Fig. 4 as the first latent dimensions against time, titled with the JSON's NFE of each model
  const trajectories = readFileSync(join(dir, 'latent-trajectories.svg'), 'utf8');
  assert.ok(trajectories.startsWith('<svg'));
  const over = `per series over ${f.nfe_series} test series`;
  assert.ok(trajectories.includes(`unregularised: mean NFE ${f.nfe_unreg.toFixed(1)} ${over}`), 'unregularised NFE');
  assert.ok(
    trajectories.includes(`R_${f.order}, λ = ${f.lambda}: mean NFE ${f.nfe_reg.toFixed(1)} ${over}`),
    'regularised NFE',
  );
  for (const dim of ['z0', 'z1', 'z2']) assert.ok(trajectories.includes(`>${dim}<`), dim);
  // reconstructions: 2 test series × the 4 channels observed most in them, for both models
  const reconstructions = readFileSync(join(dir, 'latent-reconstructions.svg'), 'utf8');
  const panels = new Set(reconstructions.match(/series \d+ · [^<'"]+/g));
  assert.is(panels.size, 8, [...panels].join('; '));
  const weights = decodeSafetensors(readFileSync(join(dir, 'latent-regularised.safetensors')));
  assert.equal(weights.tensors.get('readout.weight')!.data.length, 3 * channels);
  assert.ok(
    weights.tensors.get('encoder.gru.weight_ih')!.shape.includes(2 * channels + 1),
    'the encoder reads [x_1..x_C, m_1..m_C, Δt]',
  );
  return f;
}

test(
  "taynode latent --dataset physionet-like: 24 channels, the generating ODE's NFE as the reference",
  inTemp(async (dir) => {
    await run([...tiny, '--dataset', 'physionet-like', '--out', dir]);
    const f = checkOutputs(dir, 'physionet-like', 24);
    assert.ok(f.nfe_true_dynamics > f.nfe_true_dynamics_train_tol && f.nfe_true_dynamics_train_tol > 0);
    assert.match(f.nfe_definition, /3-D autonomous nonlinear ODE/);
  }),
);

test(
  "taynode latent --data-dir: the PhysioNet files' 37 variables, no generating ODE",
  inTemp(async (dir) => {
    const data = join(dir, 'physionet');
    writePhysioNet(data);
    const out = join(dir, 'out');
    await run([...tiny, '--data-dir', data, '--out', out]);
    const f = checkOutputs(out, 'physionet', 37);
    assert.is(f.nfe_true_dynamics, null);
    assert.is(f.settings.dataDir, data);
  }),
);

test(
  'misused dataset options are refused naming them',
  inTemp(async (dir) => {
    const refused = async (args: string[], re: RegExp) => {
      let message = '';
      try {
        await run([...tiny, '--out', join(dir, 'out'), ...args]);
      } catch (e) {
        message = String((e as Error).message);
      }
      assert.match(message, re, args.join(' '));
    };
    await refused(['--dataset', 'physionet'], /--data-dir: expected the folder holding set-a/);
    await refused(
      ['--dataset', 'physionet-like', '--data-dir', dir],
      /--data-dir: expected no --dataset, or --dataset physionet/,
    );
    await refused(
      ['--dataset', 'physionet-like', '--mode', 'extrap'],
      /mode: expected 'interp' for the physionet-like set/,
    );
    await refused(['--dataset', 'mnist'], /--dataset/);
    await refused(['--data-dir', join(dir, 'nowhere')], /dataDir: expected a folder holding set-a, set-b, set-c/);
  }),
);

test.run();
