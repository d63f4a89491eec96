// train refuses an optimiser whose parameters are not the model's: it would step parameters the
// objective never gives a gradient, and leave the model's unchanged, silently.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { train } from '../../src/training/loop.js';

const rt = createRuntimeSync();
const config: NeuralOdeConfig = { mlp: { widths: [1, 4, 1], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } };
const data = { inputs: Float64Array.of(0.1, 0.5, -0.3), targets: Float64Array.of(0.2, 0.4, -0.1) };

test("an optimiser built on another model's parameters is refused by name before any step", () => {
  const model = NeuralOde.create(rt, config, new Rng(1));
  const other = NeuralOde.create(rt, config, new Rng(2));
  const before = model.params.map((p) => p.value.toFloat64Array());
  for (const optimizer of [
    new Adam(rt.kernels, other.params, { lr: 0.1 }),
    new Sgd(rt.kernels, [model.params[0], other.params[1]], { lr: 0.1 }),
  ]) {
    assert.throws(
      () => train({ model, optimizer, data, iterations: 2, rng: new Rng(3) }),
      (e: unknown) =>
        e instanceof ArgumentError &&
        e.argument === 'optimizer' &&
        /over the model's parameters .*"layer0\.(weight|bias)" is not one of them/.test(e.message),
    );
  }
  model.params.forEach((p, i) => assert.equal(p.value.toFloat64Array(), before[i]));
});

test("an optimiser over the model's parameters, or a subset of them (the rest frozen), trains", () => {
  const model = NeuralOde.create(rt, config, new Rng(1));
  const frozen = model.params[0].value.toFloat64Array();
  train({
    model,
    optimizer: new Adam(rt.kernels, model.params.slice(1), { lr: 0.1 }),
    data,
    iterations: 2,
    rng: new Rng(3),
  });
  assert.equal(model.params[0].value.toFloat64Array(), frozen);
  train({ model, optimizer: new Adam(rt.kernels, model.params, { lr: 0.1 }), data, iterations: 2, rng: new Rng(3) });
  assert.not.equal(model.params[0].value.toFloat64Array(), frozen);
});

test.run();
