// A model file written by taynode's first file format (version 1: biases stored [1, out], config
// { mlp, regularizers, solver, gradient, t0, t1 }) must keep loading, bit for bit, whatever the writer
// does today. The fixture and its expected values were produced by that writer; never regenerate them.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { loadModel } from '../../src/model/serialize.js';

const rt = createRuntimeSync();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const bytes = new Uint8Array(readFileSync(fixture('legacy-v1-model.safetensors')));
const expected = JSON.parse(readFileSync(fixture('legacy-v1-model.expected.json'), 'utf8'));

test('a version-1 file loads with the same configuration and bit-identical weights and predictions', () => {
  const { model, metadata } = loadModel(rt, bytes);
  assert.is(metadata.version, '1');
  assert.equal(model.config, expected.config);
  for (const p of model.params) {
    const w = expected.weights[p.name];
    assert.equal(Array.from(p.value.data), w.data, p.name);
  }
  const { z1, stats } = model.predict(Float64Array.from(expected.z0));
  assert.equal(Array.from(z1), expected.z1);
  assert.is(stats.nfe, expected.nfe);
});

test.run();
