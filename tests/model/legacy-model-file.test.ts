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

test('a version-1 file loads with the same configuration, bit-identical weights and the same predictions', () => {
  const { model, metadata } = loadModel(rt, bytes);
  assert.is(metadata.version, '1');
  assert.equal(model.config, expected.config);
  for (const p of model.params) {
    const w = expected.weights[p.name];
    assert.equal(Array.from(p.value.data), w.data, p.name);
  }
  const { z1, stats } = model.predict(Float64Array.from(expected.z0));
  // The file's part (configuration, weights) is checked bit for bit above. The prediction also runs the
  // activation kernels, whose last bits changed when tanh moved to one expm1-based form (≤ 5e-16
  // relative, as the old one's ≤ 4e-16): it must match the recorded values to that rounding, same steps.
  assert.is(z1.length, expected.z1.length);
  z1.forEach((v, i) =>
    assert.ok(
      Math.abs(v - expected.z1[i]) <= 1e-14 * Math.max(1, Math.abs(expected.z1[i])),
      `z1[${i}] = ${v}, recorded ${expected.z1[i]}`,
    ),
  );
  assert.is(stats.nfe, expected.nfe);
});

test.run();
