// λ scaling is a value passed to the objective (train's λ controller passes its λ each iteration), not
// state kept on the model: a call without it is unscaled whatever an earlier call passed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';

const rt = createRuntimeSync();
const config = {
  mlp: { widths: [2, 6, 2], activation: 'tanh' as const },
  regularizers: { order: 2, lambda: 0.1 },
  solver: { method: 'rk4' as const, steps: 4 },
};
const rng = new Rng(11);
const z0 = Float64Array.from({ length: 6 }, () => rng.normal());
const target = Float64Array.from({ length: 6 }, () => rng.normal());

test('NeuralOde: lambdaScale multiplies the terms in this call only', () => {
  const model = NeuralOde.create(rt, config, new Rng(1));
  const plain = model.objective(z0, target, { gradient: false });
  const scaled = model.objective(z0, target, { gradient: false, lambdaScale: 3 });
  const again = model.objective(z0, target, { gradient: false });
  const terms = plain.loss - plain.dataLoss;
  assert.ok(terms > 0);
  assert.ok(Math.abs(scaled.loss - scaled.dataLoss - 3 * terms) < 1e-12 * Math.max(1, terms));
  assert.is(again.loss, plain.loss, 'nothing of the scale stays on the model');
});

test('Model: lambdaScale reaches every block', () => {
  const model = Model.create(rt, { blocks: [config, config] }, new Rng(2));
  const plain = model.objective(z0, target, { gradient: false });
  const scaled = model.objective(z0, target, { gradient: false, lambdaScale: 0.5 });
  assert.ok(Math.abs(scaled.loss - scaled.dataLoss - 0.5 * (plain.loss - plain.dataLoss)) < 1e-12);
});

test('lambdaScale is checked by name', () => {
  const model = NeuralOde.create(rt, config, new Rng(3));
  for (const bad of [-1, Number.NaN, Infinity, '2']) {
    assert.throws(
      () => model.objective(z0, target, { lambdaScale: bad as never }),
      (e: unknown) => e instanceof ArgumentError && /lambdaScale/.test((e as Error).message),
      String(bad),
    );
  }
});

test.run();
