// The λ controller: it brings a small problem's NFE to a budget it would otherwise overshoot by far,
// is deterministic with a seed, and checks its options strictly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Adam } from '../../src/training/adam.js';
import { train, type TrainOptions } from '../../src/training/loop.js';
import {
  LambdaController,
  checkLambdaControl,
  measureNfe,
  type LambdaControlOptions,
} from '../../src/training/lambda-control.js';

// A twist (rotation by 4·|x|, scaled by 2) of the square: an unregularised fit takes ≈ 200 NFE at 1e-8.
const data = (() => {
  const rng = new Rng(1);
  const n = 128;
  const inputs = new Float64Array(2 * n).map(() => rng.uniformIn(-1, 1));
  const targets = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = inputs[2 * i],
      y = inputs[2 * i + 1],
      th = 4 * Math.hypot(x, y);
    targets[2 * i] = 2 * (Math.cos(th) * x - Math.sin(th) * y);
    targets[2 * i + 1] = 2 * (Math.sin(th) * x + Math.cos(th) * y);
  }
  return { inputs, targets };
})();
const measure = { method: 'dopri5' as const, rtol: 1e-8, atol: 1e-8 };

function run(targetNfe: number | null, seed = 4, extra: Partial<LambdaControlOptions> = {}) {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(
    rt,
    {
      mlp: { widths: [2, 32, 2], activation: 'tanh' },
      terms: [{ kind: 'taylor', order: 2, lambda: targetNfe === null ? 0 : 1 }],
      solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5 },
    },
    new Rng(3),
  );
  const options: TrainOptions = {
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.03 }),
    data,
    iterations: 200,
    batchSize: 32,
    rng: new Rng(seed),
  };
  if (targetNfe !== null)
    options.lambdaControl = { targetNfe, solver: measure, batch: 64, every: 5, gain: 1, initialLambda: 0.01, ...extra };
  const log = train(options);
  return { log, nfe: measureNfe(model, data.inputs.subarray(0, 128), measure) };
}

test('λ control brings the NFE to a budget a third of the unregularised NFE, logging λ and the measured NFE', () => {
  const free = run(null);
  assert.ok(free.nfe > 150, `unregularised NFE ${free.nfe}`);
  const target = 60;
  const { log, nfe } = run(target);
  assert.ok(Math.abs(nfe / target - 1) <= 0.1, `final NFE ${nfe} within 10 % of ${target}`);
  const measured = log.records.filter((r) => r.nfeMeasured !== undefined);
  assert.is(measured.length, 40, 'every 5th of 200 iterations');
  assert.ok(
    log.records.every((r) => r.lambda! > 0),
    'λ logged every iteration',
  );
  assert.ok(
    log.last!.lambda! > 10 * log.records[0].lambda!,
    `λ went up from ${log.records[0].lambda} to ${log.last!.lambda}`,
  );
});

test('λ control with the ratchet and a proportional term also brings the NFE to the budget', () => {
  const target = 60;
  const { log, nfe } = run(target, 4, { ratchet: true, proportional: 1 });
  assert.ok(Math.abs(nfe / target - 1) <= 0.1, `final NFE ${nfe} within 10 % of ${target}`);
  const first = log.records.findIndex((r) => r.nfeMeasured !== undefined && r.nfeMeasured > target);
  assert.ok(first > 0, 'the fresh model is cheaper than the target, then the NFE exceeds it');
  assert.ok(
    Math.abs(log.records[0].lambda! / 0.01 - 1) < 1e-12,
    'the cheap fresh model did not lower λ (it would to 0.01·NFE/60 without the ratchet)',
  );
  const before = log.records.slice(0, first + 1).map((r) => r.lambda!);
  assert.ok(
    before.every((l, i) => i === 0 || l >= before[i - 1]),
    `λ never decreased before the NFE first exceeded ${target}`,
  );
});

test('λ control is deterministic with a seed (identical records), and the seed matters', () => {
  const strip = (r: ReturnType<typeof run>) => r.log.records.map(({ wallMs: _, ...rest }) => rest);
  const a = run(80),
    b = run(80),
    c = run(80, 5);
  assert.equal(strip(a), strip(b));
  assert.not.equal(strip(a), strip(c));
});

test('the controller moves log λ by gain·log(NFE / target), within its clamps and outside the tolerance', () => {
  let nfe = 100;
  const model = { predict: () => ({ stats: { nfe } as never }) };
  const c = new LambdaController(
    { targetNfe: 50, every: 2, gain: 0.5, initialLambda: 1, maxLambda: 3, tolerance: 0.1 },
    new Float64Array(1),
  );
  assert.is(c.beforeIteration(0, model), 100);
  assert.ok(Math.abs(c.lambda - Math.sqrt(2)) < 1e-12, `λ = 2^0.5, got ${c.lambda}`);
  assert.is(c.beforeIteration(1, model), undefined, 'not due');
  assert.ok(Math.abs(c.lambda - Math.sqrt(2)) < 1e-12);
  c.beforeIteration(2, model);
  c.beforeIteration(4, model);
  c.beforeIteration(6, model); // 2, 2.83, 4 → 3
  assert.ok(Math.abs(c.lambda - 3) < 1e-12, 'clamped at maxLambda');
  nfe = 54; // within 10 %: no change
  c.beforeIteration(8, model);
  assert.ok(Math.abs(c.lambda - 3) < 1e-12, 'unchanged');
  nfe = 25;
  c.beforeIteration(10, model);
  assert.ok(Math.abs(c.lambda - 3 / Math.sqrt(2)) < 1e-12);
});

test('the ratchet keeps λ from decreasing until a measured NFE has first exceeded the target', () => {
  let nfe = 20;
  const model = { predict: () => ({ stats: { nfe } as never }) };
  const c = new LambdaController(
    { targetNfe: 40, every: 1, gain: 1, initialLambda: 1, ratchet: true },
    new Float64Array(1),
  );
  c.beforeIteration(0, model);
  assert.is(c.lambda, 1, 'a cheap fresh model does not lower λ');
  nfe = 80;
  c.beforeIteration(1, model);
  assert.ok(Math.abs(c.lambda - 2) < 1e-12, `λ up by 80/40, got ${c.lambda}`);
  nfe = 20;
  c.beforeIteration(2, model);
  assert.ok(Math.abs(c.lambda - 1) < 1e-12, `armed: λ down by 20/40, got ${c.lambda}`);
  const free = new LambdaController({ targetNfe: 40, every: 1, gain: 1, initialLambda: 1 }, new Float64Array(1));
  nfe = 20;
  free.beforeIteration(0, model);
  assert.ok(Math.abs(free.lambda - 0.5) < 1e-12, 'without the ratchet λ goes down at once');
});

test('the proportional term adds proportional·log(NFE / target) to the integral without accumulating', () => {
  let nfe = 80;
  const model = { predict: () => ({ stats: { nfe } as never }) };
  const c = new LambdaController(
    { targetNfe: 40, every: 1, gain: 0.5, proportional: 2, initialLambda: 1 },
    new Float64Array(1),
  );
  c.beforeIteration(0, model); // integral 0.5·ln 2, λ = e^{(0.5 + 2)·ln 2}
  assert.ok(Math.abs(c.lambda - 2 ** 2.5) < 1e-12, `got ${c.lambda}`);
  nfe = 40;
  c.beforeIteration(1, model); // error 0: λ = the integral alone
  assert.ok(Math.abs(c.lambda - 2 ** 0.5) < 1e-12, `got ${c.lambda}`);
  nfe = 20;
  c.beforeIteration(2, model); // integral 0, proportional −2·ln 2
  assert.ok(Math.abs(c.lambda - 0.25) < 1e-12, `got ${c.lambda}`);
});

test('λ control options are checked strictly, by name', () => {
  assert.throws(() => checkLambdaControl({ targetNfe: 50, gian: 1 }), /lambdaControl\.gian/);
  assert.throws(() => checkLambdaControl({ targetNfe: 0 }), /lambdaControl\.targetNfe/);
  assert.throws(() => checkLambdaControl({}), /lambdaControl\.targetNfe/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, every: 0 }), /lambdaControl\.every/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, gain: -1 }), /lambdaControl\.gain/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, minLambda: 2, maxLambda: 1 }), /lambdaControl\.minLambda/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, initialLambda: 1e4 }), /lambdaControl\.initialLambda/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, solver: { rtol: -1 } }), /rtol/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, ratchet: 'yes' }), /lambdaControl\.ratchet/);
  assert.throws(() => checkLambdaControl({ targetNfe: 50, proportional: -1 }), /lambdaControl\.proportional/);
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, { mlp: { widths: [2, 3, 2], activation: 'tanh' } }, new Rng(0));
  assert.throws(
    () =>
      train({
        model,
        optimizer: new Adam(rt.kernels, model.params, { lr: 0.01 }),
        data,
        iterations: 1,
        rng: new Rng(0),
        lambdaControl: { targetNfe: 10, batch: 0 },
      }),
    /lambdaControl\.batch/,
  );
  assert.throws(
    () =>
      train({
        model,
        optimizer: new Adam(rt.kernels, model.params, { lr: 0.01 }),
        data,
        iterations: 1,
        rng: new Rng(0),
        lambdaControl: 'x' as never,
      }),
    /lambdaControl/,
  );
  // nothing to scale: no regulariser, or only λ = 0 (the controller would measure and change nothing)
  assert.throws(
    () =>
      train({
        model,
        optimizer: new Adam(rt.kernels, model.params, { lr: 0.01 }),
        data,
        iterations: 1,
        rng: new Rng(0),
        lambdaControl: { targetNfe: 10 },
      }),
    /lambdaControl: expected a model with a regulariser/,
  );
  const zero = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 3, 2], activation: 'tanh' }, terms: [{ kind: 'kinetic', lambda: 0 }] },
    new Rng(0),
  );
  assert.throws(
    () =>
      train({
        model: zero,
        optimizer: new Adam(rt.kernels, zero.params, { lr: 0.01 }),
        data,
        iterations: 1,
        rng: new Rng(0),
        lambdaControl: { targetNfe: 10 },
      }),
    /lambdaControl: expected a model with a regulariser/,
  );
});

test.run();
