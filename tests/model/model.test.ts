// Composed models (encoder → ODE blocks → head) against central finite differences: every parameter's
// gradient, through the checkpointed replay on fixed rk4 grids (exactly the discrete gradient) and
// through the adjoint (agreeing to the solver's tolerance); gradients are set, not accumulated, per call.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';
import { Model, checkModelSpec, type ModelSpec } from '../../src/model/model.js';
import { softmaxCrossEntropyLoss, mseLoss, flowNllLoss } from '../../src/model/losses.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { train } from '../../src/training/loop.js';
import { Adam } from '../../src/training/adam.js';
import { checkDirectional } from '../helpers/gradcheck.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();

const classifier = (gradient: 'checkpoint' | 'adjoint', solver: ModelSpec['blocks'][0]['solver']): ModelSpec => ({
  encoder: {
    type: 'sequential',
    layers: [
      { type: 'linear', inputs: 3, outputs: 4 },
      { type: 'activation', fn: 'tanh' },
    ],
  },
  blocks: [
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'activation', fn: 'sigmoid' },
          { type: 'concatLinear', inputs: 4, outputs: 6 },
          { type: 'activation', fn: 'softplus' },
          { type: 'concatSquashLinear', inputs: 6, outputs: 4 },
        ],
      },
      regularizers: { order: 2, lambda: 0.05, kinetic: 0.01 },
      solver,
      gradient,
    },
  ],
  head: {
    type: 'sequential',
    layers: [
      { type: 'activation', fn: 'sigmoid' },
      { type: 'linear', inputs: 4, outputs: 3 },
    ],
  },
});

const BATCH = 5;
const data = (rng: Rng) => ({
  x: randomArray(rng, BATCH * 3),
  labels: Float64Array.from({ length: BATCH }, () => rng.int(3)),
});

test("encoder + ODE block (R_2, kinetic) + head, checkpointed on an rk4 grid: every parameter's gradient matches central differences", () => {
  const rng = new Rng(11);
  const model = Model.create(rt, classifier('checkpoint', { method: 'rk4', steps: 6 }), rng);
  const { x, labels } = data(rng);
  const r = model.objective(x, labels, { loss: softmaxCrossEntropyLoss });
  assert.ok(r.regularizers.r2 > 0 && r.regularizers.kinetic > 0);
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const loss = () => model.objective(x, labels, { loss: softmaxCrossEntropyLoss, gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, loss, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );
  assert.equal(
    model.params.map((p) => p.name),
    [
      'encoder.0.weight',
      'encoder.0.bias',
      'blocks.0.1.weight',
      'blocks.0.1.bias',
      'blocks.0.3._layer.weight',
      'blocks.0.3._layer.bias',
      'blocks.0.3._hyper_gate.weight',
      'blocks.0.3._hyper_gate.bias',
      'blocks.0.3._hyper_bias.weight',
      'head.1.weight',
      'head.1.bias',
    ],
  );
});

test("gradients are set per call: two objective calls give the same gradients (the head's do not accumulate)", () => {
  const rng = new Rng(3);
  const model = Model.create(rt, classifier('checkpoint', { method: 'rk4', steps: 4 }), rng);
  const { x, labels } = data(rng);
  model.objective(x, labels, { loss: softmaxCrossEntropyLoss });
  const first = model.params.map((p) => p.grad.toFloat64Array());
  model.objective(x, labels, { loss: softmaxCrossEntropyLoss });
  model.params.forEach((p, i) => assert.equal(p.grad.toFloat64Array(), first[i], p.name));
});

test('the adjoint agrees with the checkpointed replay to the solver tolerance (dopri5, rtol = atol = 1e-10)', () => {
  const solver = { method: 'dopri5' as const, rtol: 1e-10, atol: 1e-10 };
  const a = Model.create(rt, classifier('checkpoint', solver), new Rng(5));
  const b = Model.create(rt, classifier('adjoint', solver), new Rng(5));
  const { x, labels } = data(new Rng(6));
  const ra = a.objective(x, labels, { loss: softmaxCrossEntropyLoss });
  const rb = b.objective(x, labels, { loss: softmaxCrossEntropyLoss });
  assert.is(ra.loss, rb.loss);
  a.params.forEach((p, i) => assertClose(p.grad.toFloat64Array(), b.params[i].grad.toFloat64Array(), 1e-6, p.name));
});

test('two ODE blocks in turn and no head: gradients match central differences; block terms are named per block', () => {
  const rng = new Rng(21);
  const block = (order: number) => ({
    dynamics: {
      type: 'sequential' as const,
      layers: [
        { type: 'concatLinear' as const, inputs: 2, outputs: 5 },
        { type: 'activation' as const, fn: 'tanh' as const },
        { type: 'linear' as const, inputs: 5, outputs: 2 },
      ],
    },
    regularizers: { order, lambda: 0.1 },
    solver: { method: 'rk4' as const, steps: 5 },
    t0: 0,
    t1: 0.5,
  });
  const model = Model.create(rt, { blocks: [block(2), block(3)] }, rng);
  const x = randomArray(rng, 4 * 2),
    target = randomArray(rng, 4 * 2);
  const r = model.objective(x, target);
  assert.equal(Object.keys(r.regularizers).sort(), ['b0.r2', 'b1.r3']);
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const loss = () => model.objective(x, target, { loss: mseLoss, gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, loss, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );
});

test('GRU encoder over a sequence (run backwards) → ODE → head: gradients match central differences', () => {
  const rng = new Rng(31);
  const steps = 4,
    features = 2;
  const model = Model.create(
    rt,
    {
      encoder: { type: 'gru', inputs: features, hidden: 5, steps, readout: { type: 'linear', inputs: 5, outputs: 3 } },
      blocks: [
        {
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'linear', inputs: 3, outputs: 6 },
              { type: 'activation', fn: 'tanh' },
              { type: 'linear', inputs: 6, outputs: 3 },
            ],
          },
          solver: { method: 'rk4', steps: 4 },
        },
      ],
      head: { type: 'linear', inputs: 3, outputs: 2 },
    },
    rng,
  );
  assert.is(model.inputWidth, steps * features);
  const x = randomArray(rng, 3 * steps * features),
    target = randomArray(rng, 3 * 2);
  model.objective(x, target);
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const loss = () => model.objective(x, target, { gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, loss, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );
});

test("predict runs the whole model and equals the objective's output", () => {
  const model = Model.create(rt, classifier('checkpoint', { method: 'dopri5', rtol: 1e-6, atol: 1e-6 }), new Rng(7));
  const { x, labels } = data(new Rng(8));
  const p = model.predict(x);
  assert.is(p.output.length, BATCH * 3);
  assert.is(p.blockStats.length, 1);
  assert.is(p.stats.nfe, p.blockStats[0].nfe);
  // Without regularisers in the solve the steps may differ; with none configured they are the same solve.
  const plain = Model.create(
    rt,
    {
      ...classifier('checkpoint', { method: 'dopri5', rtol: 1e-6, atol: 1e-6 }),
      blocks: [
        {
          ...classifier('checkpoint', {}).blocks[0],
          regularizers: undefined,
          solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 },
        },
      ],
    },
    new Rng(7),
  );
  assertClose(
    plain.predict(x).output,
    plain.objective(x, labels, { loss: softmaxCrossEntropyLoss, gradient: false }).output,
    1e-14,
    'output',
  );
});

test('model descriptions are checked strictly, naming the path', () => {
  const good = classifier('checkpoint', { method: 'rk4', steps: 2 });
  const refused = (spec: unknown, pattern: RegExp) =>
    assert.throws(
      () => checkModelSpec(spec),
      (e: unknown) => e instanceof ArgumentError && pattern.test(e.message),
      JSON.stringify(spec).slice(0, 80),
    );
  refused({ ...good, heads: good.head }, /^model\.heads: unknown key/);
  refused({ ...good, blocks: [] }, /^model\.blocks: expected an array of 1 to/);
  refused(
    { ...good, blocks: [{ ...good.blocks[0], dynamics: undefined, mlp: { widths: [5, 5], activation: 'tanh' } }] },
    /^model\.encoder: expected a layer returning the ODE state's 5 values/,
  );
  refused(
    { ...good, blocks: [{ ...good.blocks[0], mlp: { widths: [4, 4], activation: 'tanh' } }] },
    /^model\.blocks\[0\]\.config: expected exactly one of mlp/,
  );
  refused(
    { ...good, blocks: [{ ...good.blocks[0], solver: { metod: 'rk4' } }] },
    /^model\.blocks\[0\]\.solver\.metod: unknown key; expected one of method/,
  );
  refused(
    {
      ...good,
      encoder: {
        type: 'sequential',
        layers: [
          { type: 'linear', inputs: 3, outputs: 4 },
          { type: 'linear', inputs: 5, outputs: 4 },
        ],
      },
    },
    /^model\.encoder\.layers\[1\]\.inputs: expected 4/,
  );
  refused({ ...good, head: { type: 'linear', inputs: 4 } }, /^model\.head\.outputs/);
  refused(
    {
      ...good,
      encoder: {
        type: 'gru',
        inputs: 2,
        hidden: 3,
        steps: 2,
        readout: { type: 'linear', inputs: 3, outputs: 4 },
        bidirectional: true,
      },
    },
    /^model\.encoder\.bidirectional/,
  );
  refused({ ...good, init: 'xavier' }, /^model\.init: expected one of pytorch, glorot/);
  assert.throws(
    () => Model.create(rt, { ...good, head: { type: 'linear', inputs: 5, outputs: 3 } }, new Rng(0)),
    (e: unknown) =>
      e instanceof ArgumentError && /^model\.head: expected a layer taking the ODE state's 4 values/.test(e.message),
  );
  assert.throws(
    () => Model.create(rt, good, undefined as never),
    (e: unknown) => e instanceof ArgumentError && /^rng: expected an Rng/.test(e.message),
  );
  assert.equal(Model.create(rt, good, new Rng(1)).spec?.head, good.head);
  const model = Model.create(rt, good, new Rng(1));
  const x = new Float64Array(3),
    labels = new Float64Array(1);
  assert.throws(
    () => model.objective(x, labels, { los: softmaxCrossEntropyLoss } as never),
    (e: unknown) => e instanceof ArgumentError && /^los: unknown key/.test(e.message),
  );
  assert.throws(
    () => model.predict(x, { time: [1] } as never),
    (e: unknown) => e instanceof ArgumentError && /^time: unknown key/.test(e.message),
  );
  assert.throws(
    () => model.objectiveAt(x, undefined as never, () => ({ value: 0, gradient: new Float64Array() })),
    (e: unknown) => e instanceof ArgumentError && /^times: expected an array/.test(e.message),
  );
});

const seriesModel = (gradient: 'checkpoint' | 'adjoint', solver: ModelSpec['blocks'][0]['solver']): ModelSpec => ({
  encoder: {
    type: 'gru',
    inputs: 3,
    hidden: 4,
    steps: 3,
    readout: {
      type: 'sequential',
      layers: [
        { type: 'linear', inputs: 4, outputs: 4 },
        { type: 'activation', fn: 'tanh' },
        { type: 'linear', inputs: 4, outputs: 2 },
      ],
    },
  },
  blocks: [
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'linear', inputs: 2, outputs: 6 },
          { type: 'activation', fn: 'tanh' },
          { type: 'linear', inputs: 6, outputs: 2 },
        ],
      },
      regularizers: { order: 2, lambda: 0.1 },
      t1: 2,
      solver,
      gradient,
    },
  ],
  head: { type: 'linear', inputs: 2, outputs: 1 },
});

/** A GRU-encoded time series read out at irregular times, some entries unobserved. */
function seriesData(rng: Rng, batch: number) {
  const times = [0, 0.3, 0.75, 1.2, 2];
  const x = randomArray(rng, batch * 9);
  const target = randomArray(rng, times.length * batch);
  const mask = Float64Array.from(target, () => (rng.uniform() < 0.6 ? 1 : 0));
  return { times, x, target, mask };
}

test('time series: GRU encoder → ODE to irregular times → head, masked loss; checkpointed on an rk4 grid, gradients match central differences', () => {
  const rng = new Rng(51);
  const model = Model.create(rt, seriesModel('checkpoint', { method: 'rk4', steps: 7 }), rng);
  const { times, x, target, mask } = seriesData(rng, 3);
  const loss = maskedMseLoss(target, mask);
  const r = model.objectiveAt(x, times, loss);
  assert.is(r.output.length, times.length * 3);
  assert.ok(r.regularizers.r2 > 0);
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const value = () => model.objectiveAt(x, times, loss, { gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, value, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );
  // The outputs are the head applied to z at each time, as predict gives them.
  assertClose(model.predict(x, { times, solver: { method: 'rk4', steps: 7 } }).output, r.output, 0, 'predict at times');
});

test('time series through the adjoint agrees with the checkpointed replay (dopri5, 1e-10)', () => {
  const solver = { method: 'dopri5' as const, rtol: 1e-10, atol: 1e-10 };
  const a = Model.create(rt, seriesModel('checkpoint', solver), new Rng(52));
  const b = Model.create(rt, seriesModel('adjoint', solver), new Rng(52));
  const { times, x, target, mask } = seriesData(new Rng(53), 4);
  a.objectiveAt(x, times, maskedMseLoss(target, mask));
  b.objectiveAt(x, times, maskedMseLoss(target, mask));
  a.params.forEach((p, i) => assertClose(p.grad.toFloat64Array(), b.params[i].grad.toFloat64Array(), 1e-6, p.name));
});

test("a continuous normalising flow as a Model: the flow NLL's gradients (exact trace, R_2) match central differences; Δlog p of a linear flow is −t·tr(A)", () => {
  const rng = new Rng(61);
  const model = Model.create(
    rt,
    {
      blocks: [
        {
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'concatSquashLinear', inputs: 2, outputs: 8 },
              { type: 'activation', fn: 'tanh' },
              { type: 'concatSquashLinear', inputs: 8, outputs: 2 },
            ],
          },
          terms: [
            { kind: 'logDensity', estimator: 'exact' },
            { kind: 'taylor', order: 2, lambda: 0.01 },
          ],
          solver: { method: 'rk4', steps: 6 },
        },
      ],
    },
    rng,
  );
  const x = randomArray(rng, 5 * 2, -2, 2),
    none = new Float64Array(5);
  const r = model.objective(x, none, { loss: flowNllLoss });
  assert.is(r.logDensity?.length, 5);
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const value = () => model.objective(x, none, { loss: flowNllLoss, gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, value, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );

  const linear = Model.create(
    rt,
    {
      blocks: [
        {
          dynamics: { type: 'linear', inputs: 2, outputs: 2, bias: false },
          terms: [{ kind: 'logDensity', estimator: 'exact' }],
          t1: 0.7,
          solver: { method: 'dopri5', rtol: 1e-12, atol: 1e-12 },
        },
      ],
    },
    rng,
  );
  const A = linear.params[0].value.toFloat64Array();
  const { logDensity } = linear.objective(x, none, { loss: flowNllLoss, gradient: false });
  logDensity!.forEach((v) =>
    assert.ok(Math.abs(v + 0.7 * (A[0] + A[3])) < 1e-12, `Δlog p ${v} vs ${-0.7 * (A[0] + A[3])}`),
  );
});

test('train() takes a Model: a classifier on two separable clusters learns (loss falls, accuracy rises)', () => {
  const rng = new Rng(41);
  const model = Model.create(
    rt,
    {
      blocks: [
        {
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'concatLinear', inputs: 2, outputs: 8 },
              { type: 'activation', fn: 'tanh' },
              { type: 'linear', inputs: 8, outputs: 2 },
            ],
          },
          solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5 },
        },
      ],
      head: { type: 'linear', inputs: 2, outputs: 2 },
    },
    rng,
  );
  const n = 64;
  const labels = Float64Array.from({ length: n }, (_, i) => i % 2);
  const inputs = Float64Array.from({ length: 2 * n }, (_, j) => (labels[j >> 1] ? 1 : -1) * 0.8 + rng.normal() * 0.3);
  const accuracy = () => {
    const out = model.predict(inputs).output;
    let right = 0;
    for (let i = 0; i < n; i++) right += Number(out[2 * i + 1] > out[2 * i] === (labels[i] === 1));
    return right / n;
  };
  const log = train({
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.05 }),
    data: { inputs, targets: labels },
    iterations: 30,
    batchSize: 32,
    rng,
    loss: softmaxCrossEntropyLoss,
  });
  const losses = log.records.map((r) => r.loss);
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
  assert.ok(accuracy() >= 0.95, `accuracy ${accuracy()}`);
});

test.run();
