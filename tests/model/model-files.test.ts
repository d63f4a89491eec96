// Composed models through safetensors: every layer type round-trips bit for bit (F64), F32 files load
// (rounded), code-built dynamics save their weights and refill the same code-built model, and a stored
// description is strict and bounded before anything is allocated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { loadComposedModel, loadModel, loadWeights, saveModel } from '../../src/model/serialize.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { defineDynamics } from '../../src/nn/define-dynamics.js';
import { concatSquashLinear } from '../../src/nn/concat-squash.js';
import { randomArray } from '../helpers/numeric.js';
import { refusedCheaply } from '../helpers/refused-cheaply.js';

const rt = createRuntimeSync();

/** Every layer type: a GRU encoder with a sequential readout, a block of all dense kinds, a head. */
const everyLayer: ModelSpec = {
  encoder: {
    type: 'gru',
    inputs: 2,
    hidden: 3,
    steps: 3,
    readout: {
      type: 'sequential',
      layers: [
        { type: 'linear', inputs: 3, outputs: 4 },
        { type: 'activation', fn: 'sin' },
      ],
    },
  },
  blocks: [
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'activation', fn: 'sigmoid' },
          { type: 'concatLinear', inputs: 4, outputs: 5 },
          { type: 'activation', fn: 'softplus' },
          { type: 'concatSquashLinear', inputs: 5, outputs: 5 },
          { type: 'activation', fn: 'cos' },
          { type: 'linear', inputs: 5, outputs: 4, bias: false },
        ],
      },
      terms: [
        { kind: 'taylor', order: 3, lambda: 0.02 },
        { kind: 'kinetic', lambda: 0.01 },
      ],
      solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7, errorNorm: 'state' },
      gradient: 'adjoint',
      t0: 0,
      t1: 0.8,
    },
  ],
  head: {
    type: 'sequential',
    layers: [
      { type: 'activation', fn: 'tanh' },
      { type: 'linear', inputs: 4, outputs: 2 },
    ],
  },
  init: 'glorot',
};

test('a composed model with every layer type round-trips bit for bit: weights, description and predictions', () => {
  const model = Model.create(rt, everyLayer, new Rng(1));
  const bytes = saveModel(model, { note: 'test' });
  const { model: back, metadata } = loadComposedModel(rt, bytes);
  assert.is(metadata.note, 'test');
  assert.equal(back.spec, model.spec);
  assert.equal(
    back.params.map((p) => p.name),
    model.params.map((p) => p.name),
  );
  model.params.forEach((p, i) => assert.equal(back.params[i].value.toFloat64Array(), p.value.toFloat64Array(), p.name));
  const x = randomArray(new Rng(2), 3 * 6);
  assert.equal(back.predict(x).output, model.predict(x).output);
  // Biases are PyTorch's vectors in the file, weights matrices.
  const { tensors } = decodeSafetensors(bytes);
  assert.equal(tensors.get('encoder.gru.bias_ih')!.shape, [9]);
  assert.equal(tensors.get('blocks.0.3._hyper_gate.bias')!.shape, [5]);
  assert.equal(tensors.get('blocks.0.3._hyper_gate.weight')!.shape, [5, 1]);
  assert.equal(tensors.get('head.1.weight')!.shape, [2, 4]);
});

test('F32 files load, every value rounded to float32', () => {
  const model = Model.create(rt, everyLayer, new Rng(3));
  const { model: back } = loadComposedModel(rt, saveModel(model, {}, { dtype: 'F32' }));
  model.params.forEach((p, i) =>
    assert.equal(
      back.params[i].value.toFloat64Array(),
      Float64Array.from(Float32Array.from(p.value.toFloat64Array())),
      p.name,
    ),
  );
});

test('a NeuralOde with a layer-described dynamics round-trips through loadModel; a NeuralOde file loads as a one-block Model', () => {
  const ode = NeuralOde.create(
    rt,
    { dynamics: everyLayer.blocks[0].dynamics, terms: [{ kind: 'logDensity', estimator: 'exact' }] },
    new Rng(4),
  );
  const bytes = saveModel(ode);
  const { model: back } = loadModel(rt, bytes);
  assert.equal(back.config.dynamics, ode.config.dynamics);
  ode.params.forEach((p, i) => assert.equal(back.params[i].value.toFloat64Array(), p.value.toFloat64Array(), p.name));
  const { model: composed } = loadComposedModel(rt, bytes);
  assert.is(composed.blocks.length, 1);
  const z0 = randomArray(new Rng(5), 8);
  assert.equal(composed.predict(z0).output, ode.predict(z0).z1);
  assert.throws(
    () => loadModel(rt, saveModel(Model.create(rt, everyLayer, new Rng(0)))),
    (e: unknown) => e instanceof SafetensorsError && /load it with loadComposedModel/.test(e.message),
  );
});

test('dynamics written as code: saveModel keeps the weights, loadModel says to use loadWeights, which refills the same model strictly', () => {
  const build = (seed: number) => {
    const rng = new Rng(seed);
    const l1 = concatSquashLinear(rt, { inputs: 2, outputs: 6 }, { rng, name: 'f.a' });
    const l2 = concatSquashLinear(rt, { inputs: 6, outputs: 2 }, { rng, name: 'f.b' });
    return NeuralOde.fromDynamics(
      rt,
      defineDynamics(rt, 2, (ops, z) => l2.apply(ops, ops.activation('tanh', l1.apply(ops, z)))),
      { regularizers: { order: 2, lambda: 0.1 } },
    );
  };
  const trained = build(6),
    fresh = build(7);
  const bytes = saveModel(trained);
  assert.throws(
    () => loadModel(rt, bytes),
    (e: unknown) => e instanceof SafetensorsError && /written as code.*loadWeights/.test(e.message),
  );
  loadWeights(fresh, bytes);
  trained.params.forEach((p, i) =>
    assert.equal(fresh.params[i].value.toFloat64Array(), p.value.toFloat64Array(), p.name),
  );
  // A composed model around it saves too; loadComposedModel refuses, loadWeights fills a rebuilt one.
  const composedBytes = saveModel(new Model(rt, { blocks: [trained] }));
  assert.throws(
    () => loadComposedModel(rt, composedBytes),
    (e: unknown) => e instanceof SafetensorsError && /written as code/.test(e.message),
  );
  const other = build(8);
  loadWeights(new Model(rt, { blocks: [other] }), composedBytes);
  assert.equal(other.params[0].value.toFloat64Array(), trained.params[0].value.toFloat64Array());
  // Strict: a missing or extra tensor, or a wrong shape, is named.
  const { tensors, metadata } = decodeSafetensors(bytes);
  const without = new Map(tensors);
  without.delete('f.a._layer.bias');
  assert.throws(
    () => loadWeights(fresh, encodeSafetensors(without, metadata)),
    (e: unknown) => e instanceof SafetensorsError && /"f\.a\._layer\.bias" is missing/.test(e.message),
  );
  const extra = new Map(tensors);
  extra.set('f.c.weight', { shape: [1], data: new Float64Array(1) });
  assert.throws(
    () => loadWeights(fresh, encodeSafetensors(extra, metadata)),
    (e: unknown) => e instanceof SafetensorsError && /unexpected tensor "f\.c\.weight"/.test(e.message),
  );
});

const { tensors: smallTensors, metadata: smallMeta } = decodeSafetensors(
  saveModel(Model.create(rt, everyLayer, new Rng(9))),
);
const withSpec = (edit: (spec: any) => void) => {
  const spec = JSON.parse(smallMeta.spec);
  edit(spec);
  return encodeSafetensors(smallTensors, { ...smallMeta, spec: JSON.stringify(spec) });
};

test('hostile composed-model files are refused by name before anything is allocated', () => {
  const load = (r: typeof rt, b: Uint8Array) => loadComposedModel(r, b);
  // A small file whose description claims layers of 8000 × 8000 (far more than its tensors).
  refusedCheaply(
    withSpec((s) => {
      s.head.layers[1] = { type: 'linear', inputs: 4, outputs: 8000 };
    }),
    /tensor "head\.1\.weight" has shape \[2, 4\], the configuration needs \[8000, 4\]/,
    load,
  );
  refusedCheaply(
    withSpec((s) => {
      s.blocks = Array(8)
        .fill(s.blocks[0])
        .map((b: object) => ({
          ...b,
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'linear', inputs: 4, outputs: 8192 },
              { type: 'linear', inputs: 8192, outputs: 8192 },
              { type: 'linear', inputs: 8192, outputs: 4 },
            ],
          },
        }));
    }),
    /parameters in all/,
    load,
  );
  refusedCheaply(
    withSpec((s) => {
      s.encoder.steps = 1e9;
    }),
    /model\.encoder\.steps/,
    load,
  );
  refusedCheaply(
    withSpec((s) => {
      s.head.layers[1].outputz = 2;
    }),
    /model\.head\.layers\[1\]\.outputz: unknown key/,
    load,
  );
  refusedCheaply(
    withSpec((s) => {
      s.blocks[0].terms[0].lamda = 1;
    }),
    /lamda/,
    load,
  );
  refusedCheaply(
    withSpec((s) => {
      s.blocks[0].solver.steps = 1e9;
    }),
    /steps/,
    load,
  );
  refusedCheaply(encodeSafetensors(smallTensors, { ...smallMeta, spec: '{not json' }), /not JSON/, load);
});

test.run();
