// --dtype on the training commands (mnist, toy, latent, cnf, beyond): checked before any work (the error
// names the option), recorded in the JSON results; tiny float32 runs of mnist, toy, cnf and latent
// (trace estimators, GRU encoder, tape ops in f32) complete with finite figures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerToyCommand } from '../../packages/cli/src/commands/toy.js';
import { registerCnfCommand } from '../../packages/cli/src/commands/cnf.js';
import { registerLatentCommand } from '../../packages/cli/src/commands/latent.js';
import { registerMnistCommand } from '../../packages/cli/src/commands/mnist.js';
import { registerBeyondCommand } from '../../packages/cli/src/commands/beyond.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { createMnistModel } from '../../packages/cli/src/experiments/mnist/model.js';
import { measuredModel } from '../../packages/cli/src/eval-dtype.js';
import { tinyMnistArgs } from '../helpers/mnist-args.js';

function program(): Command {
  const p = new Command().exitOverride();
  registerToyCommand(p);
  registerCnfCommand(p);
  registerLatentCommand(p);
  registerMnistCommand(p);
  registerBeyondCommand(p);
  return p;
}

test('a bad --dtype is refused naming the option, before any work', async () => {
  for (const command of ['toy', 'cnf', 'latent', 'mnist', 'beyond']) {
    let stderr = '';
    const p = program().configureOutput({
      writeErr: (s) => {
        stderr += s;
      },
      writeOut: () => {},
    });
    for (const c of p.commands)
      c.exitOverride()
        .configureOutput({
          writeErr: (s) => {
            stderr += s;
          },
          writeOut: () => {},
        })
        .action(() => {
          throw new Error('ran');
        });
    await p.parseAsync([command, '--dtype', 'float16'], { from: 'user' }).then(
      () => assert.unreachable(`${command} accepted float16`),
      () => {},
    );
    assert.match(stderr, /--dtype <type>' argument 'float16' is invalid.*float64, float32/, command);
  }
});

/** Runs one command quietly with --dtype float32 and returns its JSON. */
async function runF32(args: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-dtype-'));
  const json = join(dir, 'out.json');
  const log = console.log;
  console.log = () => {};
  try {
    await program().parseAsync([...args, '--dtype', 'float32', '--out', dir, '--json', json, '--no-progress'], {
      from: 'user',
    });
    return JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>;
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
}

test("mnist --dtype float32: trains the paper's classifier in f32 and records the dtype", async () => {
  const r = await runF32(['mnist', ...tinyMnistArgs({ iterations: '2', 'ref-tol': '1e-5' })]);
  assert.is(r.dtype, 'float32');
  assert.is((r.settings as Record<string, unknown>).evalDtype, 'float64', 'measured on f64 copies by default');
  assert.ok(
    Number.isFinite(r.nfe_reg as number) && (r.nfe_reg as number) > 0 && Number.isFinite(r.test_error_reg as number),
  );
});

test('measuredModel: an f32 model is measured on an f64 copy of its weights (evalDtype float64), or itself (float32)', () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const m32 = createMnistModel(rt32, { order: 2, lambda: 0.1, method: 'dopri5', tol: 1e-5 }, new Rng(3));
  assert.is(measuredModel(m32, 'float32'), m32);
  const m64 = measuredModel(m32, 'float64');
  assert.is(m64.rt.dtype, 'float64');
  assert.equal(
    m64.params.map((p) => Array.from(p.value.toFloat64Array())),
    m32.params.map((p) => Array.from(p.value.toFloat64Array())),
    'the same weights, widened exactly',
  );
  // Measured again after training steps: the same copy, holding the new weights.
  m32.params[0].value.copyFrom(m32.params[0].value.toFloat64Array().map((v) => v + 0.25));
  const again = measuredModel(m32, 'float64');
  assert.is(again, m64, 'one copy per model');
  assert.equal(
    Array.from(again.params[0].value.toFloat64Array()),
    Array.from(m32.params[0].value.toFloat64Array()),
    'refreshed weights',
  );
  const f64Model = createMnistModel(
    createRuntimeSync(),
    { order: 2, lambda: 0.1, method: 'dopri5', tol: 1e-5 },
    new Rng(3),
  );
  assert.is(measuredModel(f64Model, 'float64'), f64Model, 'an f64 model is measured as it is');
  // At the paper's 1.4e-8 the f64 copy takes the steps its dynamics need; the f32 model may take more.
  const x = new Float64Array(20 * 784).map((_, i) => ((i * 7919) % 1000) / 1000);
  const solver = { method: 'dopri5' as const, rtol: 1.4e-8, atol: 1.4e-8 };
  const nfe64 = m64.predict(x, { solver }).blockStats[0].nfe,
    nfe32 = m32.predict(x, { solver }).blockStats[0].nfe;
  assert.ok(nfe64 <= nfe32, `f64 copy ${nfe64} NFE, f32 model ${nfe32}`);
});

test('toy --dtype float32: trains and records the dtype', async () => {
  const args = [
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
    '6',
    '--lambdas',
    '0.1',
  ];
  const r = await runF32(args);
  assert.is(r.dtype, 'float32');
  assert.is((r.settings as Record<string, unknown>).evalDtype, 'float64', 'measured on f64 copies by default');
  assert.ok(Number.isFinite(r.nfe_reg as number) && (r.nfe_reg as number) > 0);
  // Measured on the f32 models themselves: the same training, at least as many NFE at 1.4e-8.
  const r32 = await runF32([...args, '--eval-dtype', 'float32']);
  assert.is((r32.settings as Record<string, unknown>).evalDtype, 'float32');
  assert.ok((r32.nfe_reg as number) >= (r.nfe_reg as number), `f32 ${r32.nfe_reg} NFE, f64 copy ${r.nfe_reg}`);
});

test('cnf --dtype float32: trains (Hutchinson trace in f32) and records the dtype', async () => {
  const r = await runF32([
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
    'dopri5',
    '--sweep-lambdas',
    '0.1',
    '--grid',
    '8',
    '--samples',
    '40',
  ]);
  assert.is(r.dtype, 'float32');
  assert.ok(Number.isFinite(r.nll_reg as number), `nll_reg ${r.nll_reg}`);
});

test('latent --dtype float32: trains (GRU encoder, tape ops in f32) and records the dtype', async () => {
  const r = await runF32([
    'latent',
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
    '0.1',
    '--nfe-series',
    '3',
    '--train-tol',
    '1e-4',
    '--eval-tol',
    '1e-6',
  ]);
  assert.is(r.dtype, 'float32');
  assert.ok(Number.isFinite(r.mse_reg as number), `mse_reg ${r.mse_reg}`);
});

test.run();
