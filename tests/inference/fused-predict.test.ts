// The fused layer-table path (src/inference) against the graph path on every layer kind it covers, at
// batch 1 and at awkward batch sizes (3: rows past the GEMM's four-row tiles only, through predict; 7:
// one tile and three past it, through fusedPredict with a larger limit, since predict takes the graph
// path there), in f64 and f32: the same kernels' summation orders, so z(t1) agrees bit for bit and the
// solver takes the same steps (NFE, accepted and rejected counts equal). Models it does not cover fall
// back to the graph path and say why in `result.path`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { concatLinear } from '../../src/nn/dense.js';
import { defineDynamics } from '../../src/nn/define-dynamics.js';
import { FUSED_MAX_BATCH, fusedPredict } from '../../src/inference/index.js';
import { randomArray } from '../helpers/numeric.js';
import { ArgumentError } from '../../src/errors.js';
import { MaxStepsError } from '../../src/ode/errors.js';

const runtimes: [string, Runtime][] = [
  ['f64', createRuntimeSync()],
  ['f32', createRuntimeSync({ dtype: 'float32' })],
];

const CONFIGS: [string, NeuralOdeConfig][] = [
  ['mlp 2-64-64-2 tanh (concat-time linear)', { mlp: { widths: [2, 64, 64, 2], activation: 'tanh' } }],
  [
    'mlp sigmoid, dopri5 at 1e-8',
    { mlp: { widths: [3, 9, 3], activation: 'sigmoid' }, solver: { rtol: 1e-8, atol: 1e-8 } },
  ],
  [
    'concatSquashLinear, softplus, linear without bias, sin',
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'concatSquashLinear', inputs: 3, outputs: 7 },
          { type: 'activation', fn: 'softplus' },
          { type: 'linear', inputs: 7, outputs: 5, bias: false },
          { type: 'activation', fn: 'sin' },
          { type: 'concatLinear', inputs: 5, outputs: 3 },
        ],
      },
    },
  ],
  [
    'activation first, relu, cos, exp, square, linear into concatLinear',
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'activation', fn: 'tanh' },
          { type: 'concatLinear', inputs: 3, outputs: 6 },
          { type: 'activation', fn: 'relu' },
          { type: 'linear', inputs: 6, outputs: 6 },
          { type: 'concatLinear', inputs: 6, outputs: 5 },
          { type: 'activation', fn: 'cos' },
          { type: 'linear', inputs: 5, outputs: 4 },
          { type: 'activation', fn: 'exp' },
          { type: 'activation', fn: 'square' },
          { type: 'linear', inputs: 4, outputs: 3 },
        ],
      },
      solver: { method: 'tsit5' },
    },
  ],
  ['a bare linear layer, bosh3', { dynamics: { type: 'linear', inputs: 4, outputs: 4 }, solver: { method: 'bosh3' } }],
  [
    'backwards in time (t0 = 1, t1 = −0.5)',
    { mlp: { widths: [2, 12, 2], activation: 'softplus' }, t0: 1, t1: -0.5, solver: { rtol: 1e-7, atol: 1e-9 } },
  ],
  [
    'non-FSAL cash_karp, two chunks of the shared dimension (k = 301)',
    { mlp: { widths: [300, 5, 300], activation: 'tanh' }, solver: { method: 'cash_karp', rtol: 1e-4, atol: 1e-6 } },
  ],
];

for (const [dtype, rt] of runtimes) {
  for (const [name, config] of CONFIGS) {
    test(`${dtype} ${name}: fused equals the graph path at batch 1, 3, 7`, () => {
      const model = NeuralOde.create(rt, config, new Rng(11));
      for (const batch of [1, 3, 7]) {
        const z0 = randomArray(new Rng(batch), batch * model.stateSize, -1, 1);
        if (dtype === 'f32')
          z0.forEach((v, i) => {
            z0[i] = Math.fround(v);
          });
        const graph = model.predict(z0, { fastPath: false });
        assert.equal(graph.path, { fused: false, reason: 'fastPath: false' });
        if (batch <= FUSED_MAX_BATCH) {
          const fused = model.predict(z0);
          assert.equal(fused.path, { fused: true }, `batch ${batch}: ${fused.path.reason}`);
          assert.equal(Array.from(fused.zs), Array.from(graph.zs));
        }
        const fused = fusedPredict(
          model,
          { z0, batch, times: [model.config.t1], solve: model.solveOptions(model.config.solver ?? {}) },
          8,
        );
        if (typeof fused === 'string') throw new Error(fused);
        assert.equal(fused.stats, graph.stats, `batch ${batch}: stats`);
        assert.ok(fused.stats.nfe > 6, 'a solve of several steps');
        assert.equal(Array.from(fused.z1), Array.from(graph.z1), `batch ${batch}: z(t1) bit for bit`);
      }
    });
  }
}

test('a rejected step: the fused path rejects where the graph path does', () => {
  const [, rt] = runtimes[0];
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 8, 2], activation: 'tanh' }, solver: { rtol: 1e-10, atol: 1e-10 } },
    new Rng(3),
  );
  model.params.forEach((p) => p.value.copyFrom(p.value.toFloat64Array().map((v) => 6 * v)));
  const z0 = Float64Array.of(2, -1);
  const fused = model.predict(z0),
    graph = model.predict(z0, { fastPath: false });
  assert.ok(graph.stats.rejectedSteps > 0, 'the graph path rejects a step');
  assert.equal(fused.stats, graph.stats);
  assert.equal(Array.from(fused.z1), Array.from(graph.z1));
});

test('a solve that fails fails alike: MaxStepsError with the same message and statistics', () => {
  const [, rt] = runtimes[0];
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 8, 2], activation: 'tanh' }, solver: { rtol: 1e-10, atol: 1e-10, maxSteps: 3 } },
    new Rng(3),
  );
  const caught = (fastPath: boolean) => {
    try {
      model.predict(Float64Array.of(0.5, -0.25), { fastPath });
    } catch (e) {
      return e as MaxStepsError;
    }
    throw new Error('no error');
  };
  const [fused, graph] = [caught(true), caught(false)];
  assert.ok(fused instanceof MaxStepsError && graph instanceof MaxStepsError);
  assert.is(fused.message, graph.message);
  assert.equal(fused.stats, graph.stats);
});

test('output times at t1 only are served; earlier ones take the graph path', () => {
  const [, rt] = runtimes[0];
  const model = NeuralOde.create(rt, { mlp: { widths: [2, 8, 2], activation: 'tanh' } }, new Rng(3));
  const z0 = Float64Array.of(0.5, -0.25);
  const atEnd = model.predict(z0, { times: [1, 1] });
  assert.ok(atEnd.path.fused);
  assert.equal(Array.from(atEnd.zs), [...atEnd.z1, ...atEnd.z1]);
  const inside = model.predict(z0, { times: [0.5, 1] });
  assert.equal(inside.path, { fused: false, reason: 'output times before t1 (dense output)' });
  assert.equal(Array.from(inside.z1), Array.from(atEnd.z1));
});

test('fallbacks say why: dynamics as code, a large batch, a fixed grid, onEvaluation', () => {
  const [, rt] = runtimes[0];
  const rng = new Rng(4);
  const l = concatLinear(rt, { inputs: 2, outputs: 2 }, { rng, name: 'f' });
  const coded = NeuralOde.fromDynamics(
    rt,
    defineDynamics(rt, 2, (ops, z) => l.apply(ops, ops.activation('tanh', z))),
  );
  assert.match(coded.predict(Float64Array.of(0.1, 0.2)).path.reason!, /dynamics written as code/);
  const model = NeuralOde.create(rt, { mlp: { widths: [2, 8, 2], activation: 'tanh' } }, rng);
  const big = model.predict(randomArray(rng, 2 * (FUSED_MAX_BATCH + 1)));
  assert.equal(big.path.fused, false);
  assert.match(big.path.reason!, new RegExp(`batch ${FUSED_MAX_BATCH + 1}`));
  assert.match(
    model.predict(Float64Array.of(0.1, 0.2), { solver: { method: 'rk4', steps: 4 } }).path.reason!,
    /fixed step grid/,
  );
  assert.match(model.predict(Float64Array.of(0.1, 0.2), { onEvaluation: () => {} }).path.reason!, /onEvaluation/);
  assert.throws(
    () => model.predict(Float64Array.of(0.1, 0.2), { fastPath: 'yes' as unknown as boolean }),
    (e: Error) => e instanceof ArgumentError && /fastPath/.test(e.message),
  );
});

test("a Model reports each block's path and agrees with its graph path", () => {
  const [, rt] = runtimes[0];
  const model = Model.create(
    rt,
    {
      encoder: { type: 'linear', inputs: 3, outputs: 2 },
      blocks: [
        { dynamics: { type: 'concatLinear', inputs: 2, outputs: 2 } },
        { mlp: { widths: [2, 6, 2], activation: 'softplus' } },
      ],
      head: { type: 'linear', inputs: 2, outputs: 1 },
    },
    new Rng(8),
  );
  const x = randomArray(new Rng(1), 3 * 3);
  const fused = model.predict(x),
    graph = model.predict(x, { fastPath: false });
  assert.equal(fused.paths, [{ fused: true }, { fused: true }]);
  assert.equal(
    graph.paths.map((p) => p.fused),
    [false, false],
  );
  assert.equal(Array.from(fused.output), Array.from(graph.output));
  assert.equal(fused.stats, graph.stats);
});

test.run();
