// Data losses on z(t1): built-ins vs plain-TypeScript references and central differences, the full
// objective's gradient with cross-entropy vs finite differences, tapeLoss, bad targets, and a small
// classification run through train().
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import {
  flowNllLoss,
  gaussianNllLoss,
  lossFromDescription,
  mseLoss,
  softmaxCrossEntropyLoss,
  tapeLoss,
  type DataLoss,
} from '../../src/model/losses.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { parameterAndInputDifferences, randomArray, relativeError } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const SHAPES: [number, number][] = [
  [1, 2],
  [3, 2],
  [4, 3],
  [7, 5],
  [2, 9],
];

// Plain-TypeScript references.
function mseReference(z: Float64Array, t: Float64Array): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) s += (z[i] - t[i]) ** 2;
  return s / z.length;
}

function crossEntropyReference(z: Float64Array, classes: Float64Array, batch: number): number {
  const d = z.length / batch;
  let s = 0;
  for (let b = 0; b < batch; b++) {
    const row = Array.from(z.subarray(b * d, b * d + d));
    const m = Math.max(...row);
    const logZ = m + Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0));
    s += logZ - row[classes[b]];
  }
  return s / batch;
}

function gaussianNllReference(z: Float64Array, t: Float64Array, sigma: number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++)
    s += (t[i] - z[i]) ** 2 / (2 * sigma * sigma) + Math.log(sigma) + 0.5 * Math.log(2 * Math.PI);
  return s / z.length;
}

function classes(rng: Rng, batch: number, d: number): Float64Array {
  return Float64Array.from({ length: batch }, () => rng.int(d));
}

/** Every component of the gradient against (L(z + h·e_i) − L(z − h·e_i)) / 2h. */
function assertGradientMatches(
  loss: DataLoss,
  z: Float64Array,
  target: Float64Array,
  batch: number,
  gradient: Float64Array,
  h = 1e-5,
): void {
  const value = (x: Float64Array) => loss.evaluate(rt, x, target, batch).value;
  const fd = Array.from(z, (_, i) => {
    const up = z.slice();
    up[i] += h;
    const down = z.slice();
    down[i] -= h;
    return (value(up) - value(down)) / (2 * h);
  });
  const err = relativeError(gradient, fd);
  assert.ok(err < 1e-8, `${loss.name}: gradient relative error ${err}`);
}

for (const [batch, d] of SHAPES) {
  test(`built-ins on ${batch} × ${d}: values vs references, gradients vs central differences`, () => {
    const rng = new Rng(batch * 100 + d);
    const z = randomArray(rng, batch * d, -2, 2);
    const t = randomArray(rng, batch * d, -2, 2);
    const c = classes(rng, batch, d);
    const cases: [DataLoss, Float64Array, number][] = [
      [mseLoss, t, mseReference(z, t)],
      [softmaxCrossEntropyLoss, c, crossEntropyReference(z, c, batch)],
      [gaussianNllLoss(0.7), t, gaussianNllReference(z, t, 0.7)],
    ];
    for (const [loss, target, reference] of cases) {
      loss.checkTarget(target, batch, d);
      const r = loss.evaluate(rt, z, target, batch);
      assert.ok(
        Math.abs(r.value - reference) <= 1e-13 * Math.abs(reference),
        `${loss.name}: ${r.value} vs reference ${reference}`,
      );
      assert.is(r.gradient.length, batch * d);
      assertGradientMatches(loss, z, target, batch, r.gradient);
    }
  });
}

test("mseLoss is today's objective: value mean((z − t)²), gradient 2(z − t)/(batch·D)", () => {
  const rng = new Rng(3);
  const z = randomArray(rng, 12),
    t = randomArray(rng, 12);
  const r = mseLoss.evaluate(rt, z, t, 4);
  assert.ok(
    relativeError(
      r.gradient,
      z.map((v, i) => (2 * (v - t[i])) / 12),
    ) < 1e-15,
  );
});

test('cross-entropy is stable for huge logits (log-sum-exp) and its gradient is softmax − one-hot over the batch', () => {
  const z = new Float64Array([1000, 1001, 999, -800, -801, -790]);
  const c = new Float64Array([1, 2]);
  const r = softmaxCrossEntropyLoss.evaluate(rt, z, c, 2);
  const reference = crossEntropyReference(z, c, 2);
  assert.ok(Number.isFinite(r.value) && Math.abs(r.value - reference) < 1e-12, `${r.value} vs ${reference}`);
  const softmax = (row: number[]) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b);
    return e.map((v) => v / s);
  };
  const expected = [...softmax([1000, 1001, 999]), ...softmax([-800, -801, -790])].map(
    (p, i) => (p - (i === 1 || i === 5 ? 1 : 0)) / 2,
  );
  assert.ok(relativeError(r.gradient, expected) < 1e-14);
});

test("a tapeLoss written as mean(square(z − t)) gives mseLoss's value and gradient, alone and through the objective", () => {
  const composed = tapeLoss((tape, z1, target) => tape.mean(tape.square(tape.sub(z1, target))), {
    name: 'composed mse',
  });
  const rng = new Rng(8);
  const z = randomArray(rng, 21),
    t = randomArray(rng, 21);
  const a = composed.evaluate(rt, z, t, 7),
    b = mseLoss.evaluate(rt, z, t, 7);
  assert.ok(Math.abs(a.value - b.value) <= 1e-15 * b.value, `${a.value} vs ${b.value}`);
  assert.ok(relativeError(a.gradient, b.gradient) < 1e-15);
  const config: NeuralOdeConfig = {
    mlp: { widths: [3, 6, 3], activation: 'tanh' },
    regularizers: { order: 2, lambda: 0.1 },
    solver: { method: 'rk4', steps: 3 },
  };
  const m = NeuralOde.create(rt, config, new Rng(2));
  const viaDefault = m.objective(z, t);
  const gradDefault = m.params.flatMap((p) => Array.from(p.grad.data));
  const viaTape = m.objective(z, t, { loss: composed });
  const gradTape = m.params.flatMap((p) => Array.from(p.grad.data));
  assert.ok(Math.abs(viaTape.loss - viaDefault.loss) <= 1e-15 * viaDefault.loss);
  assert.ok(relativeError(gradTape, gradDefault) < 1e-13);
  assert.ok(relativeError(viaTape.zbar0!, viaDefault.zbar0!) < 1e-13);
  // A different loss gives a different gradient (the option is not ignored).
  const halved = tapeLoss((tape, z1, target) => tape.affine(tape.mse(z1, target), 0.5));
  m.objective(z, t, { loss: halved });
  const gradHalved = m.params.flatMap((p) => Array.from(p.grad.data));
  assert.ok(relativeError(gradHalved, gradDefault) > 1e-3);
});

test('objective with cross-entropy: parameter and z0 gradients vs finite differences (checkpoint), adjoint agrees', () => {
  const config: NeuralOdeConfig = {
    mlp: { widths: [3, 5, 3], activation: 'tanh' },
    regularizers: { order: 2, lambda: 0.2, kinetic: 0.1 },
    solver: { method: 'rk4', steps: 4 },
  };
  const rng = new Rng(11);
  const z0 = randomArray(rng, 12, -1.5, 1.5);
  const c = new Float64Array([0, 2, 1, 2]);
  const m = NeuralOde.create(rt, config, new Rng(6));
  const r = m.objective(z0, c, { loss: softmaxCrossEntropyLoss });
  assert.ok(Math.abs(r.dataLoss - crossEntropyReference(r.z1, c, 4)) < 1e-13);
  const analytic = m.params.flatMap((p) => Array.from(p.grad.data));
  const loss = (z: Float64Array) => m.objective(z, c, { gradient: false, loss: softmaxCrossEntropyLoss }).loss;
  const { params: fd, z0: fdZ0 } = parameterAndInputDifferences(m.params, z0, loss);
  assert.ok(relativeError(analytic, fd) < 1e-7, `parameters: ${relativeError(analytic, fd)}`);
  assert.ok(relativeError(r.zbar0!, fdZ0) < 1e-7, `z0: ${relativeError(r.zbar0!, fdZ0)}`);
  // The MSE gradient on the same model is a different vector (the check above can fail).
  const mse = m.objective(z0, z0, {});
  assert.ok(
    relativeError(
      m.params.flatMap((p) => Array.from(p.grad.data)),
      fd,
    ) > 1e-3,
    `${mse.loss}`,
  );
  const solver = { method: 'dopri5' as const, rtol: 1e-10, atol: 1e-10 };
  const adj = NeuralOde.create(rt, { ...config, solver, gradient: 'adjoint' }, new Rng(6));
  const chk = NeuralOde.create(rt, { ...config, solver }, new Rng(6));
  adj.objective(z0, c, { loss: softmaxCrossEntropyLoss });
  chk.objective(z0, c, { loss: softmaxCrossEntropyLoss });
  const e = relativeError(
    adj.params.flatMap((p) => Array.from(p.grad.data)),
    chk.params.flatMap((p) => Array.from(p.grad.data)),
  );
  assert.ok(e < 1e-6, `adjoint vs checkpoint: ${e}`);
});

test('bad targets and losses are rejected by name with what was expected', () => {
  const m = NeuralOde.create(
    rt,
    { mlp: { widths: [3, 4, 3], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } },
    new Rng(1),
  );
  const z0 = randomArray(new Rng(2), 6);
  const ce = { loss: softmaxCrossEntropyLoss };
  const throwsWith = (f: () => unknown, type: typeof ShapeError | typeof ArgumentError, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof type && pattern.test((e as Error).message));
  throwsWith(
    () => m.objective(z0, new Float64Array(6), ce),
    ShapeError,
    /^target holds 6 values, expected 2 \(softmax-cross-entropy: one class index per example\)/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array([0, 1.5]), ce),
    ArgumentError,
    /^target\[1\]: expected a class index: an integer in \[0, 3\), got 1.5/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array([3, 0]), ce),
    ArgumentError,
    /^target\[0\]: expected a class index: an integer in \[0, 3\), got 3/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array([-1, 0]), ce),
    ArgumentError,
    /^target\[0\]: expected a class index.*got -1/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array([NaN, 0]), ce),
    ArgumentError,
    /^target\[0\]: expected a class index.*got NaN/,
  );
  throwsWith(
    () => m.objective(z0, [0, 1] as unknown as Float64Array, ce),
    ArgumentError,
    /^target: expected a Float64Array, got an array of length 2/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array(2)),
    ShapeError,
    /^target holds 2 values, z0 holds 6 \(mse: a target for every value of z\(t1\), batch × D = 2 × 3\)/,
  );
  throwsWith(
    () => m.objective(z0, new Float64Array([0, 0, Infinity, 0, 0, 0])),
    ArgumentError,
    /^target\[2\]: expected a finite value, got Infinity/,
  );
  throwsWith(() => gaussianNllLoss(0), ArgumentError, /^sigma: expected a positive finite standard deviation, got 0/);
  throwsWith(() => m.objective(z0, z0, { loss: {} as DataLoss }), ArgumentError, /^loss: expected a DataLoss/);
  const vector = tapeLoss((tape, z1) => tape.square(z1), { name: 'not a scalar' });
  throwsWith(
    () => m.objective(z0, z0, { loss: vector }),
    ShapeError,
    /^loss not a scalar: expected a \[1, 1\] Var, got \[2,3\]/,
  );
  const short: DataLoss = { ...mseLoss, name: 'short', evaluate: () => ({ value: 0, gradient: new Float64Array(5) }) };
  throwsWith(
    () => m.objective(z0, z0, { loss: short }),
    ShapeError,
    /^loss short: its gradient holds 5 values, z\(t1\) holds 6/,
  );
  // train() checks the whole set once, naming data.targets.
  const optimizer = new Adam(rt.kernels, m.params, { lr: 0.01 });
  const run = (targets: Float64Array) => () =>
    train({
      model: m,
      optimizer,
      data: { inputs: z0, targets },
      iterations: 1,
      rng: new Rng(0),
      loss: softmaxCrossEntropyLoss,
    });
  throwsWith(run(new Float64Array(6)), ShapeError, /^data.targets holds 6 values, expected 2/);
  throwsWith(
    run(new Float64Array([0, 7])),
    ArgumentError,
    /^data.targets\[1\]: expected a class index: an integer in \[0, 3\), got 7/,
  );
  throwsWith(
    () =>
      train({
        model: m,
        optimizer,
        data: { inputs: z0, targets: new Float64Array(3) },
        iterations: 1,
        rng: new Rng(0),
      }),
    ShapeError,
    /^data.targets holds 3 values, z0 holds 6/,
  );
});

/**
 * Two classes in the plane split by the curve x + y = 0.3·sin(2(x − y)), points uniform in [−1.5, 1.5]².
 * The untrained flow is near the identity, whose readout (class 1 where y > x) is at chance here.
 */
function twoClasses(n: number, rng: Rng): { inputs: Float64Array; targets: Float64Array } {
  const inputs = randomArray(rng, 2 * n, -1.5, 1.5);
  const targets = Float64Array.from({ length: n }, (_, i) =>
    inputs[2 * i] + inputs[2 * i + 1] > 0.3 * Math.sin(2 * (inputs[2 * i] - inputs[2 * i + 1])) ? 1 : 0,
  );
  return { inputs, targets };
}

function accuracy(model: NeuralOde, inputs: Float64Array, targets: Float64Array): number {
  const { z1 } = model.predict(inputs);
  let right = 0;
  for (let i = 0; i < targets.length; i++) if ((z1[2 * i + 1] > z1[2 * i] ? 1 : 0) === targets[i]) right++;
  return right / targets.length;
}

function classify(seed: number) {
  const rng = new Rng(seed);
  const data = twoClasses(200, rng);
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 16, 2], activation: 'tanh' }, solver: { method: 'rk4', steps: 4 } },
    rng,
  );
  const before = accuracy(model, data.inputs, data.targets);
  const log = train({
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.05 }),
    data,
    iterations: 50,
    batchSize: 50,
    rng,
    loss: softmaxCrossEntropyLoss,
  });
  const test = twoClasses(200, new Rng(seed + 1));
  return { before, after: accuracy(model, test.inputs, test.targets), losses: log.records.map((r) => r.dataLoss) };
}

test('classification: cross-entropy training on 2-D points of 2 classes lowers the loss and reaches > 90% held-out accuracy, deterministically', () => {
  const a = classify(4);
  const first = a.losses.slice(0, 5).reduce((x, y) => x + y) / 5,
    last = a.losses.slice(-5).reduce((x, y) => x + y) / 5;
  assert.ok(last < 0.5 * first, `cross-entropy ${first} → ${last} (means of the first and last 5 minibatches)`);
  assert.ok(a.before < 0.65 && a.after > 0.9, `held-out accuracy ${a.before} → ${a.after}`);
  assert.equal(classify(4).losses, a.losses);
});

test('built-in losses carry a description that rebuilds them (what a worker pool sends); a tapeLoss carries none', () => {
  for (const loss of [mseLoss, softmaxCrossEntropyLoss, flowNllLoss])
    assert.is(lossFromDescription(loss.description!), loss, loss.name);
  const g = lossFromDescription(gaussianNllLoss(0.25).description!);
  assert.is(g.name, 'gaussian-nll(σ=0.25)');
  assert.equal(g.description, { kind: 'gaussianNll', sigma: 0.25 });
  assert.is(tapeLoss((tape, z, y) => tape.mse(z, y)).description, undefined);
  assert.throws(
    () => lossFromDescription({ kind: 'hinge' } as never),
    (e: Error) =>
      e instanceof ArgumentError &&
      /loss.description: expected one of the built-in losses .*, got "hinge"/.test(e.message),
  );
  assert.throws(
    () => lossFromDescription({ kind: 'gaussianNll', sigma: -1 }),
    /sigma: expected a positive finite standard deviation/,
  );
});

test.run();
