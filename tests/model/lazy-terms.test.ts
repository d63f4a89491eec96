// lazyTerms: the forward solve carries z alone and the replay evaluates the terms' integrands, as the
// paper's code does. With errorNorm 'state' the steps are the augmented solve's, so the gradient must
// be the same to rounding; without the conditions the option changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../../src/model/losses.js';

const spec = (errorNorm: 'state' | 'all'): ModelSpec => ({
  blocks: [
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'activation', fn: 'sigmoid' },
          { type: 'concatLinear', inputs: 6, outputs: 5 },
          { type: 'activation', fn: 'tanh' },
          { type: 'concatLinear', inputs: 5, outputs: 6 },
        ],
      },
      terms: [
        { kind: 'taylor', order: 3, lambda: 0.3 },
        { kind: 'kinetic', lambda: 0.1 },
      ],
      solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7, errorNorm },
    },
  ],
  head: { type: 'linear', inputs: 6, outputs: 3 },
});

function grads(model: Model, x: Float64Array, y: Float64Array, lazyTerms: boolean) {
  const r = model.objective(x, y, { loss: softmaxCrossEntropyLoss, lazyTerms });
  return { r, g: model.params.map((p) => p.grad.toFloat64Array()) };
}

test('lazy terms: the same gradient and steps as the eager solve, without computing the terms forward', () => {
  const rt = createRuntimeSync();
  const model = Model.create(rt, spec('state'), new Rng(4));
  for (const p of model.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 3 * v));
  const rng = new Rng(1);
  const x = rng.fill(new Float64Array(4 * 6), (r) => r.normal());
  const y = Float64Array.from([0, 2, 1, 2]);
  const eager = grads(model, x, y, false);
  const lazy = grads(model, x, y, true);
  assert.ok(eager.r.regularizers.r3 > 1e-3, 'the terms matter here');
  assert.equal(lazy.r.regularizers, {});
  assert.is(lazy.r.dataLoss, eager.r.dataLoss);
  assert.is(lazy.r.nfeForward, eager.r.nfeForward);
  assert.is(lazy.r.nfeBackward, eager.r.nfeBackward);
  let worst = 0;
  eager.g.forEach((g, i) =>
    g.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(v - lazy.g[i][j]) / (1e-12 + Math.abs(v)));
    }),
  );
  assert.ok(worst < 1e-9, `relative difference ${worst}`);
  // the term gradient is really in there: without the terms the gradient differs
  const none = Model.create(rt, { ...spec('state'), blocks: [{ ...spec('state').blocks[0], terms: [] }] }, new Rng(4));
  none.params.forEach((p, i) => p.value.copyFrom(model.params[i].value.toFloat64Array()));
  const plain = grads(none, x, y, false);
  assert.ok(plain.g.some((g, i) => g.some((v, j) => Math.abs(v - lazy.g[i][j]) > 1e-6)));
});

test('lazy terms are ignored where they cannot hold (errorNorm all, no gradient)', () => {
  const rt = createRuntimeSync();
  const model = Model.create(rt, spec('all'), new Rng(4));
  const x = new Rng(2).fill(new Float64Array(2 * 6), (r) => r.normal());
  const y = Float64Array.from([1, 0]);
  const r = model.objective(x, y, { loss: softmaxCrossEntropyLoss, lazyTerms: true });
  assert.ok(r.regularizers.r3 > 0, 'computed as usual');
  const m2 = Model.create(rt, spec('state'), new Rng(4));
  assert.ok(
    m2.objective(x, y, { loss: softmaxCrossEntropyLoss, lazyTerms: true, gradient: false }).regularizers.r3 > 0,
  );
  assert.throws(() => model.objective(x, y, { loss: softmaxCrossEntropyLoss, lazyTerms: 1 as never }), /lazyTerms/);
});

test.run();
