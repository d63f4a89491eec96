import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { train } from '../../src/training/loop.js';
import { piecewiseConstant } from '../../src/training/schedules.js';

function dataset(n: number, seed: number) {
  const rng = new Rng(seed);
  const inputs = new Float64Array(n).map(() => rng.uniformIn(-1, 1));
  const targets = inputs.map((x) => x + 0.5 * x ** 3);
  return { inputs, targets };
}

const config: NeuralOdeConfig = {
  mlp: { widths: [1, 12, 1], activation: 'sigmoid' },
  regularizers: { order: 2, lambda: 0.01, jacobian: 0.01 },
  solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5 },
};

function run(seed: number, backend: 'js' | 'wasm' = 'js'): number[] {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, { ...config, backend }, new Rng(seed));
  const optimizer = new Adam(rt.kernels, model.params, { lr: piecewiseConstant([15], [0.03, 0.01]), weightDecay: 1e-4 });
  const log = train({ model, optimizer, data: dataset(64, 1), iterations: 25, batchSize: 16, rng: new Rng(seed + 100) });
  return log.records.map((r) => r.loss);
}

test('same seed → identical loss sequence (minibatches and Jacobian probes drawn from the seed)', () => {
  const a = run(7), b = run(7), c = run(8);
  assert.equal(a, b);
  assert.not.equal(a, c);
});

test('training lowers the loss and records every metric', () => {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, config, new Rng(3));
  const optimizer = new Sgd(rt.kernels, model.params, { lr: 0.05, momentum: 0.9 });
  let calls = 0;
  const log = train({ model, optimizer, data: dataset(32, 2), iterations: 60, rng: new Rng(5), onIteration: () => { calls++; } });
  assert.is(calls, 60);
  const first = log.records[0], last = log.last!;
  assert.ok(last.dataLoss < 0.5 * first.dataLoss, `data loss ${first.dataLoss} → ${last.dataLoss}`);
  assert.ok(first.nfeForward > 0 && first.nfeBackward > 0 && first.acceptedSteps > 0 && first.wallMs >= 0);
  assert.ok(first.regularizers.r2 > 0 && first.regularizers.jacobian > 0);
  assert.is(first.learningRate, 0.05);
  const stopped = train({ model, optimizer, data: dataset(32, 2), iterations: 10, rng: new Rng(5), onIteration: (r) => r.iteration < 2 });
  assert.is(stopped.records.length, 3);
});

test('the wasm backend trains to the same losses as the js backend (to rounding)', () => {
  const a = run(11, 'js'), b = run(11, 'wasm');
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-9 * Math.abs(a[i]), `iteration ${i}: ${a[i]} vs ${b[i]}`);
});

test.run();
