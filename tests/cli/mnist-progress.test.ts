// What a MNIST run reports while and after it trains: the progress line of a regularised run shows R_K
// (the training solve leaves it out with lazyTerms, the default, so it is measured on the iteration's
// batch, without changing the training); a run too short for its verdict says so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { loadMnistClasses, splitMnist } from '../../packages/cli/src/experiments/mnist/data.js';
import { DEFAULT_MNIST, type MnistSettings } from '../../packages/cli/src/experiments/mnist/settings.js';
import { trainMnist, type RunOptions } from '../../packages/cli/src/experiments/mnist/run.js';
import { MIN_ITERATIONS_FOR_VERDICT, tooShortForVerdict } from '../../packages/cli/src/experiments/mnist/verdict.js';

const s: MnistSettings = {
  ...DEFAULT_MNIST,
  digits: 200,
  iterations: 4,
  batchSize: 20,
  trainTol: 1e-4,
  evalTrain: 20,
  rkImages: 20,
  curvePoints: 0,
  lazyTerms: true,
};
const data = splitMnist(loadMnistClasses(), { total: s.digits, testFraction: 0.2, seed: s.seed });
const run = (o: Partial<RunOptions>) =>
  trainMnist(createRuntimeSync(), s, data, { lambda: 0.5, order: 3, method: 'dopri5', tol: s.trainTol, ...o });

test('lazy terms: R_K of the batch is measured every rkEvery iterations and at the last; the training is unchanged', () => {
  const plain = run({});
  assert.ok(
    plain.records.every((r) => r.rK === undefined),
    'lazy: the training solve reports no R_K',
  );
  const shown = run({ rkEvery: 3 });
  assert.equal(
    shown.records.map((r) => r.rK !== undefined),
    [false, false, true, true],
  );
  for (const r of shown.records) if (r.rK !== undefined) assert.ok(Number.isFinite(r.rK) && r.rK > 0, `R_3 ${r.rK}`);
  assert.equal(
    shown.records.map((r) => r.loss),
    plain.records.map((r) => r.loss),
    'the same training',
  );
  assert.is(shown.rK, plain.rK);
});

test('the unregularised run has no R_K to show', () => {
  assert.ok(run({ lambda: 0, rkEvery: 1 }).records.every((r) => r.rK === undefined));
});

test('a verdict needs at least MIN_ITERATIONS_FOR_VERDICT iterations', () => {
  assert.is(tooShortForVerdict(MIN_ITERATIONS_FOR_VERDICT, 1.25), undefined);
  assert.match(
    tooShortForVerdict(1, 0.0125) ?? '',
    /^a run of 1 iteration \(0\.01 epochs\) is too short for this verdict to mean anything \(fewer than 100\)/,
  );
});

test.run();
