import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { train } from '../../src/training/loop.js';
import { piecewiseConstant } from '../../src/training/schedules.js';
import { relativeError } from '../helpers/numeric.js';

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

function run(seed: number): number[] {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, config, new Rng(seed));
  const optimizer = new Adam(rt.kernels, model.params, {
    lr: piecewiseConstant([15], [0.03, 0.01]),
    weightDecay: 1e-4,
  });
  const log = train({
    model,
    optimizer,
    data: dataset(64, 1),
    iterations: 25,
    batchSize: 16,
    rng: new Rng(seed + 100),
  });
  return log.records.map((r) => r.loss);
}

test('same seed → identical loss sequence (minibatches and Jacobian probes drawn from the seed)', () => {
  const a = run(7),
    b = run(7),
    c = run(8);
  assert.equal(a, b);
  assert.not.equal(a, c);
});

test('training lowers the loss and records every metric', () => {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, config, new Rng(3));
  const optimizer = new Sgd(rt.kernels, model.params, { lr: 0.05, momentum: 0.9 });
  let calls = 0;
  const log = train({
    model,
    optimizer,
    data: dataset(32, 2),
    iterations: 60,
    rng: new Rng(5),
    onIteration: () => {
      calls++;
    },
  });
  assert.is(calls, 60);
  const first = log.records[0],
    last = log.last!;
  assert.ok(last.dataLoss < 0.5 * first.dataLoss, `data loss ${first.dataLoss} → ${last.dataLoss}`);
  assert.ok(first.nfeForward > 0 && first.nfeBackward > 0 && first.acceptedSteps > 0 && first.wallMs >= 0);
  assert.ok(first.regularizers.r2 > 0 && first.regularizers.jacobian > 0);
  assert.is(first.learningRate, 0.05);
  const stopped = train({
    model,
    optimizer,
    data: dataset(32, 2),
    iterations: 10,
    rng: new Rng(5),
    onIteration: (r) => r.iteration < 2,
  });
  assert.is(stopped.records.length, 3);
});

test('one full-batch SGD iteration moves the weights by −lr × the finite-difference gradient of the objective', () => {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, config, new Rng(9));
  const data = dataset(16, 4);
  const before = model.params.map((p) => p.value.toFloat64Array());
  // The objective as train() sees it: the whole set, ε from the first draws of Rng(5), on the
  // forward solve's accepted steps (the replay holds them fixed).
  const steps = model.objective(data.inputs, data.targets, { gradient: false, rng: new Rng(5) });
  const first = model.objective(data.inputs, data.targets, { rng: new Rng(5) });
  const grid = [...first.steps!.t, 1];
  assert.ok(grid.length >= 3 && steps.loss === first.loss, `${grid.length} steps, ${steps.loss} vs ${first.loss}`);
  const lr = 0.1;
  train({ model, optimizer: new Sgd(rt.kernels, model.params, { lr }), data, iterations: 1, rng: new Rng(5) });
  const step = model.params.flatMap((p, i) => Array.from(p.value.data, (v, j) => (before[i][j] - v) / lr));
  model.params.forEach((p, i) => p.value.copyFrom(before[i]));
  const h = 1e-6;
  const loss = () => model.objective(data.inputs, data.targets, { gradient: false, rng: new Rng(5), grid }).loss;
  const fd: number[] = [];
  for (const p of model.params) {
    const v = p.value.data;
    for (let i = 0; i < v.length; i++) {
      const keep = v[i];
      v[i] = keep + h;
      const up = loss();
      v[i] = keep - h;
      const down = loss();
      v[i] = keep;
      fd.push((up - down) / (2 * h));
    }
  }
  const err = relativeError(step, fd);
  assert.ok(err < 1e-6, `relative error ${err}`);
});

test.run();
