import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { loadModel, saveModel } from '../../src/model/serialize.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { ArgumentError } from '../../src/errors.js';
import { randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const config = {
  mlp: { widths: [2, 9, 2], activation: 'softplus' as const },
  regularizers: { order: 3, lambda: 0.01 },
  solver: { method: 'dopri5' as const, rtol: 1e-7, atol: 1e-7 },
};

test('save → load gives the same configuration, weights and bit-identical predictions', () => {
  const model = NeuralOde.create(rt, config, new Rng(4));
  const bytes = saveModel(model, { note: 'test' });
  const { model: back, metadata } = loadModel(rt, bytes);
  assert.is(metadata.note, 'test');
  assert.equal(back.config, model.config);
  const z0 = randomArray(new Rng(1), 10, -2, 2);
  const a = model.predict(z0),
    b = back.predict(z0);
  assert.equal(Array.from(b.z1), Array.from(a.z1));
  assert.is(b.stats.nfe, a.stats.nfe);
  // The file is plain safetensors: names and shapes a PyTorch user would expect.
  const raw = decodeSafetensors(bytes);
  assert.equal([...raw.tensors.keys()].sort(), ['layer0.bias', 'layer0.weight', 'layer1.bias', 'layer1.weight']);
  assert.equal(raw.tensors.get('layer0.weight')!.shape, [9, 3]);
  assert.equal(raw.tensors.get('layer0.bias')!.shape, [9], 'biases are 1-D, as in PyTorch');
  assert.is(raw.metadata.version, '2');
});

test('F32 files: saveModel writes them on request, and they load with each weight rounded to float32', () => {
  const model = NeuralOde.create(rt, config, new Rng(4));
  const bytes = saveModel(model, {}, { dtype: 'F32' });
  assert.ok(bytes.length < saveModel(model).length);
  const { model: back } = loadModel(rt, bytes);
  model.params.forEach((p, i) =>
    assert.equal(Array.from(back.params[i].value.data), Array.from(p.value.data, Math.fround), p.name),
  );
  assert.throws(
    () => saveModel(model, {}, { dtyp: 'F32' } as never),
    (e: unknown) => e instanceof ArgumentError && /dtyp: unknown key/.test((e as Error).message),
  );
});

test('a bare state_dict (no taynode metadata, as safetensors.torch.save_file writes it) loads with options.config', () => {
  const model = NeuralOde.create(rt, config, new Rng(4));
  const { tensors } = decodeSafetensors(saveModel(model));
  const bare = encodeSafetensors(tensors, {}, { dtype: 'F32' });
  assert.throws(
    () => loadModel(rt, bare),
    (e: unknown) =>
      e instanceof SafetensorsError &&
      /not a taynode model; for a bare state_dict pass options.config/.test((e as Error).message),
  );
  const { model: back } = loadModel(rt, bare, { config });
  assert.equal(back.config, model.config);
  assert.throws(
    () => loadModel(rt, saveModel(model), { config }),
    (e: unknown) => e instanceof ArgumentError && e.argument === 'config',
  );
  assert.throws(
    () => loadModel(rt, bare, { config: { ...config, solver: { stepz: 3 } } as never }),
    (e: unknown) => e instanceof ArgumentError && e.argument === 'solver.stepz',
  );
  assert.throws(
    () => loadModel(undefined as never, bare, { config }),
    (e: unknown) => e instanceof ArgumentError && e.argument === 'rt',
  );
});

test('truncated or corrupt model files are rejected with a clear error', () => {
  const bytes = saveModel(NeuralOde.create(rt, config, new Rng(4)));
  const rejects = (b: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => loadModel(rt, b),
      (e: unknown) => e instanceof SafetensorsError && pattern.test((e as Error).message),
    );
  rejects(bytes.subarray(0, bytes.length - 8), /run past|belong to no tensor/);
  rejects(bytes.subarray(0, 20), /header length \d+ runs past the end/);
  const flipped = bytes.slice();
  flipped[9] = 0x7d; // '{"…' becomes '{}…': the JSON header no longer parses
  rejects(flipped, /not valid JSON|must start/);
  const { tensors, metadata } = decodeSafetensors(bytes);
  rejects(encodeSafetensors(tensors, { ...metadata, format: 'other' }), /not a taynode model/);
  rejects(encodeSafetensors(tensors, { ...metadata, config: '{"mlp": 3' }), /"config" is not valid JSON/);
  rejects(
    encodeSafetensors(tensors, {
      ...metadata,
      config: JSON.stringify({ ...config, mlp: { widths: [2, 9, 3], activation: 'tanh' } }),
    }),
    /stored configuration is invalid \(mlp.widths/,
  );
  const missing = new Map(tensors);
  missing.delete('layer1.bias');
  rejects(encodeSafetensors(missing, metadata), /tensor "layer1.bias" is missing/);
  const reshaped = new Map(tensors);
  reshaped.set('layer0.weight', { shape: [3, 9], data: tensors.get('layer0.weight')!.data });
  rejects(
    encodeSafetensors(reshaped, metadata),
    /"layer0.weight" has shape \[3, 9\], the configuration needs \[9, 3\]/,
  );
  const nan = new Map(tensors);
  nan.set('layer1.bias', { shape: [1, 2], data: new Float64Array([0, NaN]) });
  rejects(encodeSafetensors(nan, metadata), /non-finite value at 1/);
  const extra = new Map(tensors);
  extra.set('junk', { shape: [1], data: new Float64Array(1) });
  rejects(encodeSafetensors(extra, metadata), /unexpected tensor "junk"/);
});

test('files from before the backend option was removed load (the field is dropped); an unknown backend is rejected', () => {
  const model = NeuralOde.create(rt, config, new Rng(4));
  const { tensors, metadata } = decodeSafetensors(saveModel(model));
  assert.not.ok('backend' in JSON.parse(metadata.config), 'new files carry no backend');
  const z0 = randomArray(new Rng(2), 6, -2, 2);
  for (const backend of ['wasm', 'js']) {
    const legacy = encodeSafetensors(tensors, {
      ...metadata,
      config: JSON.stringify({ ...JSON.parse(metadata.config), backend }),
    });
    const { model: back } = loadModel(rt, legacy);
    assert.equal(back.config, model.config);
    assert.equal(Array.from(back.predict(z0).z1), Array.from(model.predict(z0).z1));
  }
  const odd = encodeSafetensors(tensors, {
    ...metadata,
    config: JSON.stringify({ ...JSON.parse(metadata.config), backend: 'gpu' }),
  });
  assert.throws(
    () => loadModel(rt, odd),
    (e: unknown) =>
      e instanceof SafetensorsError &&
      /stored configuration is invalid \(backend: expected no such option/.test((e as Error).message),
  );
});

test.run();
