// Composed models at their edges: parts from another runtime are refused (their offsets would address
// this runtime's memory), a head that reads the time sees each output's own time, a backward pass uses
// its own forward's noise even after another forward, and models with MLP blocks, code-built parts
// or a single block saved alone round-trip (or say why they cannot).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';
import { Tape } from '../../src/autodiff/tape.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { loadComposedModel, loadModel, saveModel } from '../../src/model/serialize.js';
import { SafetensorsError } from '../../src/io/safetensors.js';
import { createLayer } from '../../src/nn/spec.js';
import { linear } from '../../src/nn/dense.js';
import { tapeOps } from '../../src/nn/ops.js';
import type { Layer } from '../../src/nn/layer.js';
import { defineDynamics } from '../../src/nn/define-dynamics.js';
import { checkDirectional } from '../helpers/gradcheck.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const other = createRuntimeSync();
const refusedAs = (pattern: RegExp) => (e: unknown) => e instanceof ArgumentError && pattern.test(e.message);

test('parts on another runtime are refused by name: a head, an encoder, dynamics over a foreign layer, a foreign parameter on a tape', () => {
  const block = NeuralOde.create(
    rt,
    { dynamics: { type: 'linear', inputs: 2, outputs: 2 }, solver: { method: 'rk4', steps: 2 } },
    new Rng(1),
  );
  const foreign = linear(other, { inputs: 2, outputs: 2 }, { rng: new Rng(2) });
  assert.throws(
    () => new Model(rt, { blocks: [block], head: foreign }),
    refusedAs(/^head: expected parameters on the same runtime/),
  );
  assert.throws(
    () => new Model(rt, { blocks: [block], encoder: foreign }),
    refusedAs(/^encoder: expected parameters on the same runtime/),
  );
  assert.throws(
    () => defineDynamics(rt, 2, (ops, z) => foreign.apply(ops, z)),
    refusedAs(/^graph: expected parameters on the same runtime/),
  );
  assert.throws(
    () => new Tape(rt).parameter(foreign.params[0] as never),
    refusedAs(/^parameter: expected a parameter on this tape's runtime/),
  );
  assert.throws(
    () =>
      new Model(rt, {
        blocks: [NeuralOde.create(other, { dynamics: { type: 'linear', inputs: 2, outputs: 2 } }, new Rng(3))],
      }),
    refusedAs(/^blocks\[0\]: expected a NeuralOde on this model's runtime/),
  );
  assert.throws(
    () => new Model(rt, { blocks: [block], heda: foreign } as never),
    refusedAs(/^parts\.heda: unknown key/),
  );
  assert.throws(
    () => new Model(rt, { blocks: [block], head: { type: 'linear', inputs: 2, outputs: 1 } } as never),
    refusedAs(/^head: expected a layer value/),
  );
});

const timedHead: ModelSpec = {
  blocks: [
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'linear', inputs: 2, outputs: 5 },
          { type: 'activation', fn: 'tanh' },
          { type: 'linear', inputs: 5, outputs: 2 },
        ],
      },
      t0: 0.5,
      t1: 2,
      solver: { method: 'rk4', steps: 6 },
    },
  ],
  encoder: { type: 'concatLinear', inputs: 3, outputs: 2 },
  head: { type: 'concatSquashLinear', inputs: 2, outputs: 1 },
};

test("a head that reads the time sees each output's time, an encoder the first block's t0; gradients through both match central differences", () => {
  const rng = new Rng(4);
  const model = Model.create(rt, timedHead, rng);
  const x = randomArray(rng, 3 * 3),
    times = [0.5, 1.1, 2];
  const { output } = model.predict(x, { times });
  // By hand: encoder at t0 = 0.5, solve, head at each time.
  const z0 = rt.arena.scope(() => {
    const tape = new Tape(rt);
    return (model.encoder as Layer)
      .apply(tapeOps(tape, 0.5), tape.constant(Tensor.from(rt.arena, x, 3, 3)))
      .value.toFloat64Array();
  });
  const { zs } = model.blocks[0].predict(z0, { times });
  times.forEach((t, m) => {
    const expected = rt.arena.scope(() => {
      const tape = new Tape(rt);
      return model
        .head!.apply(tapeOps(tape, t), tape.constant(Tensor.from(rt.arena, zs.subarray(m * 6, (m + 1) * 6), 3, 2)))
        .value.toFloat64Array();
    });
    assertClose(output.subarray(m * 3, (m + 1) * 3), expected, 1e-15, `output at t = ${t}`);
  });
  const target = randomArray(rng, 9),
    mask = Float64Array.from(target, (_, i) => (i % 4 === 0 ? 0 : 1));
  model.objectiveAt(x, times, maskedMseLoss(target, mask));
  const grads = model.params.map((p) => p.grad.toFloat64Array());
  const value = () => model.objectiveAt(x, times, maskedMseLoss(target, mask), { gradient: false }).loss;
  model.params.forEach((p, i) =>
    checkDirectional(p.name, value, p.value, grads[i], rng, { h: 1e-5, tol: 1e-7, floor: 1e-4 }),
  );
});

test("forward, another forward of the same batch size, then backward of the first: the first's own noise (Hutchinson) is used", () => {
  const block = NeuralOde.create(
    rt,
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'linear', inputs: 2, outputs: 6 },
          { type: 'activation', fn: 'tanh' },
          { type: 'linear', inputs: 6, outputs: 2 },
        ],
      },
      terms: [
        { kind: 'logDensity', estimator: 'hutchinson' },
        { kind: 'jacobianFrobenius', lambda: 0.1 },
      ],
      solver: { method: 'rk4', steps: 3 },
    },
    new Rng(5),
  );
  const za = randomArray(new Rng(6), 8),
    zb = randomArray(new Rng(7), 8);
  const gradOf = (interleave: boolean) => {
    for (const p of block.params) p.grad.data.fill(0);
    const pass = block.forward(za, { rng: new Rng(8), record: true });
    if (interleave) block.forward(zb, { rng: new Rng(9), record: true });
    block.backward(
      pass,
      za.map((v) => v / 4),
      new Float64Array(4).fill(0.25),
    );
    return block.params.map((p) => p.grad.toFloat64Array());
  };
  const direct = gradOf(false),
    interleaved = gradOf(true);
  direct.forEach((g, i) => assert.equal(interleaved[i], g, block.params[i].name));
});

test('round trips: a Model with an MLP block saves and reloads twice; a block saved alone loads with loadModel; code-built parts under other names are saved as code', () => {
  const withMlp: ModelSpec = {
    blocks: [{ mlp: { widths: [2, 5, 2], activation: 'softplus' }, solver: { method: 'rk4', steps: 3 } }],
    head: { type: 'linear', inputs: 2, outputs: 1 },
  };
  const model = Model.create(rt, withMlp, new Rng(10));
  assert.equal(
    model.params.map((p) => p.name),
    [
      'blocks.0.layer0.weight',
      'blocks.0.layer0.bias',
      'blocks.0.layer1.weight',
      'blocks.0.layer1.bias',
      'head.weight',
      'head.bias',
    ],
  );
  const once = loadComposedModel(rt, saveModel(model)).model;
  const twice = loadComposedModel(rt, saveModel(once)).model;
  const x = randomArray(new Rng(11), 6);
  assert.equal(twice.predict(x).output, model.predict(x).output);
  // One block of it, alone: the names it would have alone.
  const { model: alone } = loadModel(rt, saveModel(model.blocks[0]));
  assert.equal(alone.predict(x).z1, model.blocks[0].predict(x).z1);
  // Parts built in code under their own names: no description would rebuild them, so they save as code.
  const rng = new Rng(12);
  const custom = new Model(rt, {
    blocks: [NeuralOde.create(rt, { dynamics: { type: 'linear', inputs: 2, outputs: 2 } }, rng, { name: 'f' })],
    head: createLayer(rt, { type: 'linear', inputs: 2, outputs: 1 }, { rng, name: 'out' }),
  });
  assert.is(custom.spec, null);
  assert.throws(
    () => loadComposedModel(rt, saveModel(custom)),
    (e: unknown) => e instanceof SafetensorsError && /written as code/.test(e.message),
  );
});

test('a loss whose gradient holds NaN is refused by name (it would turn every parameter gradient into NaN)', () => {
  const model = Model.create(rt, timedHead, new Rng(13));
  const x = randomArray(new Rng(14), 3 * 3);
  const bad = () => ({ value: 1, gradient: new Float64Array(6).fill(Number.NaN) });
  assert.throws(() => model.objectiveAt(x, [0.5, 2], bad), refusedAs(/^loss gradient\[0\]: expected a finite value/));
  const block = model.blocks[0];
  assert.throws(
    () =>
      block.objectiveAt(new Float64Array(4), [2], () => ({ value: 1, gradient: Float64Array.of(0, 0, Infinity, 0) })),
    refusedAs(/^loss gradient\[2\]: expected a finite value/),
  );
});

test.run();
