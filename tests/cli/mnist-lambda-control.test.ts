// The MNIST experiment's λ tuned to an NFE budget (`taynode beyond`'s budgets): the controller's λ must
// reach the training objective, now that λ scaling is a per-call option (it was a field on the model).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { loadMnistClasses, splitMnist } from '../../packages/cli/src/experiments/mnist/data.js';
import { DEFAULT_MNIST } from '../../packages/cli/src/experiments/mnist/settings.js';
import { trainMnist } from '../../packages/cli/src/experiments/mnist/run.js';

const classes = loadMnistClasses();

test("the λ controller's λ scales the regulariser in every training iteration", () => {
  const rt = createRuntimeSync();
  const data = splitMnist(classes, { total: 40, testFraction: 0.5, seed: 0 });
  const s = {
    ...DEFAULT_MNIST,
    iterations: 3,
    epochs: 0,
    batchSize: 10,
    curvePoints: 0,
    evalTrain: 10,
    nfeBatch: 10,
    perExample: 1,
    perExampleTrain: 1,
    rkImages: 4,
    trainTol: 1e-3,
    evalTol: 1e-3,
  };
  // No measurement is due (they start at iteration 1000): λ stays at its initial value throughout.
  const weightsAfter = (initialLambda: number) => {
    const run = trainMnist(rt, s, data, {
      lambda: 1,
      order: 2,
      method: 'dopri5',
      tol: 1e-3,
      evalTol: 1e-3,
      lambdaControl: { targetNfe: 1e9, start: 1000, initialLambda, minLambda: 1e-8, maxLambda: 1e8 },
    });
    // (exp(log λ): equal to rounding)
    assert.is(run.records.length, 3);
    for (const r of run.records)
      assert.ok(Math.abs(r.lambda! / initialLambda - 1) < 1e-12, `λ ${r.lambda} at ${r.iteration}`);
    return run.model.params.map((p) => p.value.toFloat64Array());
  };
  const small = weightsAfter(1e-6),
    large = weightsAfter(1e3);
  const differ = small.some((w, i) => w.some((v, j) => v !== large[i][j]));
  assert.ok(differ, 'a λ a billion times larger trains other weights');
});

test('an f32 run measures its NFE for the controller on an f64 copy, as its curve and results (1.4e-8 is below f32)', () => {
  const rt = createRuntimeSync({ dtype: 'float32' });
  const data = splitMnist(classes, { total: 40, testFraction: 0.5, seed: 0 });
  const images = 20;
  const s = {
    ...DEFAULT_MNIST,
    iterations: 1,
    epochs: 0,
    batchSize: 10,
    curvePoints: 2,
    curveImages: images,
    evalTrain: 10,
    nfeBatch: images,
    perExample: 1,
    perExampleTrain: 1,
    rkImages: 4,
    trainTol: 1e-3,
    evalTol: 1.4e-8,
  };
  const run = trainMnist(rt, s, data, {
    lambda: 1,
    order: 2,
    method: 'dopri5',
    tol: 1e-3,
    evalTol: 1.4e-8,
    lambdaControl: {
      targetNfe: 30,
      batch: images,
      solver: { method: 'dopri5', rtol: 1.4e-8, atol: 1.4e-8 },
    },
  });
  // Iteration 0: the same first 20 training images, the same weights, the same solver.
  assert.is(run.curve[0].iteration, 0);
  assert.is(run.records[0].nfeMeasured, run.curve[0].nfe);
});

test.run();
