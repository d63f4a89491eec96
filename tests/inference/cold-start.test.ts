// What a cold start spends: loading a model file draws no random initial weights (the file overwrites
// every parameter), and a loaded model predicts as the saved one did. Times are measured by
// `npm run bench -- inference`, not asserted.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { loadComposedModel, loadModel, saveModel } from '../../src/model/serialize.js';

const rt = createRuntimeSync();

/** Counts Rng.prototype.uniform calls during `body`. */
function draws(body: () => void): number {
  const original = Rng.prototype.uniform;
  let count = 0;
  Rng.prototype.uniform = function (this: Rng) {
    count++;
    return original.call(this);
  };
  try {
    body();
  } finally {
    Rng.prototype.uniform = original;
  }
  return count;
}

test('loadModel and loadComposedModel draw no random weights, and the loaded models predict as the saved ones', () => {
  const block = NeuralOde.create(rt, { mlp: { widths: [2, 64, 64, 2], activation: 'tanh' } }, new Rng(0));
  const composed = Model.create(
    rt,
    {
      encoder: { type: 'linear', inputs: 3, outputs: 2 },
      blocks: [{ dynamics: { type: 'concatSquashLinear', inputs: 2, outputs: 2 } }],
    },
    new Rng(1),
  );
  const [b1, b2] = [saveModel(block), saveModel(composed)];
  assert.ok(
    draws(() => NeuralOde.create(rt, { mlp: { widths: [2, 64, 64, 2], activation: 'tanh' } }, new Rng(0))) > 4000,
    'creating draws',
  );
  let loaded!: NeuralOde, loadedComposed!: Model;
  assert.is(
    draws(() => {
      loaded = loadModel(rt, b1).model;
      loadedComposed = loadComposedModel(rt, b2).model;
    }),
    0,
  );
  const z0 = Float64Array.of(0.5, -0.25),
    x = Float64Array.of(0.1, 0.2, 0.3);
  assert.equal(Array.from(loaded.predict(z0).z1), Array.from(block.predict(z0).z1));
  assert.equal(Array.from(loadedComposed.predict(x).output), Array.from(composed.predict(x).output));
});

test.run();
