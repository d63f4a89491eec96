// Training and optimiser options are read strictly: a missing or misspelt option is named, and an
// optimiser refuses parameters that live in another runtime's memory (it would overwrite that memory).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { train, type TrainOptions } from '../../src/training/loop.js';

const rt = createRuntimeSync();
const model = NeuralOde.create(
  rt,
  { mlp: { widths: [1, 4, 1], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } },
  new Rng(1),
);
const data = { inputs: new Float64Array([0.1, 0.2, 0.3, 0.4]), targets: new Float64Array([0.2, 0.3, 0.4, 0.5]) };
const named =
  (argument: string, message: RegExp = /./) =>
  (e: unknown) =>
    e instanceof ArgumentError && e.argument === argument && message.test(e.message);

test('train names a missing model, optimizer, data or rng, and an unknown option', () => {
  const options: TrainOptions = {
    model,
    optimizer: new Adam(rt.kernels, model.params),
    data,
    iterations: 1,
    rng: new Rng(2),
  };
  for (const missing of ['model', 'optimizer', 'data', 'rng'] as const) {
    const { [missing]: _, ...rest } = options;
    assert.throws(() => train(rest as TrainOptions), named(missing, /expected/), missing);
  }
  assert.throws(
    () => train({ ...options, batchsize: 2 } as TrainOptions),
    named(
      'batchsize',
      /unknown key; expected one of model, optimizer, data, iterations, batchSize, rng, loss, lambdaControl, onIteration/,
    ),
  );
  assert.throws(
    () => train({ ...options, data: { ...data, target: data.targets } } as never),
    named('data.target', /unknown key/),
  );
  assert.throws(() => train({ ...options, onIteration: 3 } as never), named('onIteration'));
  assert.throws(() => train(undefined as never), named('options', /expected an object/));
  assert.is(train(options).records.length, 1);
});

test('optimiser options are strict and their constructors name missing kernels or parameters', () => {
  assert.throws(
    () => new Adam(rt.kernels, model.params, { betas: [0.9, 0.99] } as never),
    named('betas', /unknown key; expected one of lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay/),
  );
  assert.throws(
    () => new Sgd(rt.kernels, model.params, { momentun: 0.5 } as never),
    named('momentun', /unknown key; expected one of lr, momentum, nesterov, weightDecay/),
  );
  assert.throws(
    () => new Adam(rt.kernels, model.params, { decoupledWeightDecay: 1 } as never),
    named('decoupledWeightDecay', /true or false/),
  );
  assert.throws(
    () => new Sgd(rt.kernels, model.params, { nesterov: 'yes' } as never),
    named('nesterov', /true or false/),
  );
  assert.throws(() => new Adam(undefined as never, model.params), named('kernels', /a runtime's kernels/));
  assert.throws(() => new Sgd(rt as never, model.params), named('kernels'));
  assert.throws(() => new Adam(rt.kernels, undefined as never), named('params'));
  assert.throws(() => new Adam(rt.kernels, [{}] as never), named('params', /parameters \{ name, value, grad \}/));
});

test("an optimiser over parameters in another runtime's memory is refused, and that memory is untouched", () => {
  const other = createRuntimeSync();
  const before = new Float64Array(other.kernels.memory.buffer.slice(0));
  for (const make of [() => new Adam(other.kernels, model.params), () => new Sgd(other.kernels, model.params)]) {
    assert.throws(make, named('params', /layer0\.weight lives in another runtime's arena/));
  }
  assert.equal(new Float64Array(other.kernels.memory.buffer), before);
  // The matching kernels are accepted.
  new Adam(rt.kernels, model.params).step();
});

test.run();
