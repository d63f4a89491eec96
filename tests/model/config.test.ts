// Model configuration is read strictly: unknown keys are misspellings, sizes are bounded before
// anything is allocated, and a missing runtime is named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, UnknownKeyError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { checkConfig, DYNAMICS_CACHE_SIZE, NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { createNetwork } from '../../src/nn/mlp.js';
import { MAX_LAYERS, MAX_STEPS, MAX_WIDTH } from '../../src/config/limits.js';

const rt = createRuntimeSync();
const base: NeuralOdeConfig = { mlp: { widths: [2, 4, 2], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } };
const named = (argument: string, message: RegExp) => (e: unknown) =>
  e instanceof ArgumentError && e.argument === argument && message.test(e.message);
const rejects = (config: unknown, argument: string, message: RegExp = /./) =>
  assert.throws(() => checkConfig(config as NeuralOdeConfig), named(argument, message), argument);

test('unknown keys are rejected by their path at every level of the configuration', () => {
  assert.throws(
    () => checkConfig({ ...base, regularizers: { lamda: 1 } as never }),
    (e: unknown) =>
      e instanceof UnknownKeyError &&
      e.message === 'regularizers.lamda: unknown key; expected one of order, lambda, kinetic, jacobian',
  );
  rejects(
    { ...base, solvr: {} },
    'solvr',
    /unknown key; expected one of mlp, dynamics, init, regularizers, terms, solver, gradient, t0, t1/,
  );
  rejects({ ...base, mlp: { ...base.mlp, activaton: 'relu' } }, 'mlp.activaton', /unknown key/);
  rejects(
    { ...base, solver: { ...base.solver, rtoll: 1e-3 } },
    'solver.rtoll',
    /unknown key; expected one of method, rtol, atol, steps, maxSteps/,
  );
  rejects({ ...base, regularizers: [] }, 'regularizers', /expected an object/);
  rejects({ ...base, solver: 'rk4' }, 'solver', /expected an object/);
});

test('values are checked: tolerances positive, steps and widths bounded integers', () => {
  rejects({ ...base, solver: { rtol: 0 } }, 'solver.rtol', /> 0/);
  rejects({ ...base, solver: { atol: -1 } }, 'solver.atol', /> 0/);
  rejects(
    { ...base, solver: { method: 'rk4', steps: 1e9 } },
    'solver.steps',
    new RegExp(`≤ ${MAX_STEPS}, got 1000000000`),
  );
  rejects({ ...base, solver: { maxSteps: 1e9 } }, 'solver.maxSteps', /≤ 1000000/);
  rejects({ ...base, solver: { maxSteps: 0 } }, 'solver.maxSteps', /≥ 1/);
  rejects(
    { ...base, mlp: { widths: [2, MAX_WIDTH + 1, 2], activation: 'tanh' } },
    'mlp.widths',
    new RegExp(`integers in 1..${MAX_WIDTH}`),
  );
  rejects(
    { ...base, mlp: { widths: Array(MAX_LAYERS + 2).fill(2), activation: 'tanh' } },
    'mlp.widths',
    /2 to 65 integers/,
  );
  // Every width within bounds, but together far past the parameter budget.
  rejects(
    { ...base, mlp: { widths: [8000, 8000, 8000], activation: 'tanh' } },
    'mlp.widths',
    /at most 33554432 parameters in all, got "widths needing 128032000"/,
  );
});

test('predict and objective options are strict too, and predict bounds a solver override before laying out its grid', () => {
  const model = NeuralOde.create(rt, base, new Rng(1));
  const z0 = new Float64Array([0.1, 0.2]);
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => model.predict(z0, { solver: { method: 'rk4', steps: 1e9 } }), named('solver.steps', /≤ 1000000/));
  assert.throws(() => model.solveOptions({ method: 'rk4', steps: 1e9 }), named('solver.steps', /≤ 1000000/));
  assert.ok(process.memoryUsage().arrayBuffers - before < 4e6, 'no grid was laid out');
  assert.throws(
    () => model.predict(z0, { solvr: {} } as never),
    named('solvr', /unknown key; expected one of solver, times, onEvaluation/),
  );
  assert.throws(() => model.objective(z0, z0, { grad: false } as never), named('grad', /unknown key/));
  assert.throws(() => model.objective(z0, z0, { rng: {} as Rng }), named('rng', /an Rng/));
  assert.is(model.predict(z0, { solver: { method: 'rk4', steps: 3 } }).stats.nfe, 12);
});

test('a missing or wrong runtime is named instead of failing with a TypeError', () => {
  for (const bad of [undefined, null, {}, { kernels: rt.kernels }]) {
    assert.throws(() => NeuralOde.create(bad as never, base, new Rng(1)), named('rt', /a Runtime/));
    assert.throws(() => createNetwork(bad as never, base.mlp!, new Rng(1)), named('rt', /a Runtime/));
  }
  assert.throws(() => NeuralOde.create(rt, base, undefined as never), named('rng', /an Rng/));
});

test(`the per-batch-size dynamics cache keeps the ${DYNAMICS_CACHE_SIZE} most recently used sizes`, () => {
  const model = NeuralOde.create(rt, base, new Rng(1));
  const first = model.dynamics(1, false);
  for (let batch = 2; batch <= 20; batch++) {
    model.predict(new Float64Array(batch * 2).fill(0.1));
    assert.ok(
      model.cachedDynamicsCount <= DYNAMICS_CACHE_SIZE,
      `${model.cachedDynamicsCount} cached after batch ${batch}`,
    );
  }
  assert.is(model.cachedDynamicsCount, DYNAMICS_CACHE_SIZE);
  assert.is.not(model.dynamics(1, false), first, 'the oldest entry was evicted and is rebuilt');
  // Using an entry makes it the most recent: it survives the next DYNAMICS_CACHE_SIZE - 1 new sizes.
  const kept = model.dynamics(20, false);
  for (let batch = 21; batch < 21 + DYNAMICS_CACHE_SIZE - 2; batch++) model.dynamics(batch, false);
  model.dynamics(20, false);
  for (let batch = 100; batch < 100 + DYNAMICS_CACHE_SIZE - 1; batch++) model.dynamics(batch, false);
  assert.is(model.dynamics(20, false), kept);
});

test.run();
