import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../../src/runtime/wasm.js';
import { ArgumentError } from '../../../src/errors.js';
import { makeDataset } from '../../../packages/cli/src/experiments/cnf/data.js';
import { evaluateDensity } from '../../../packages/cli/src/experiments/cnf/model.js';
import { DEFAULT_CNF } from '../../../packages/cli/src/experiments/cnf/settings.js';
import { trainRow } from '../../../packages/cli/src/experiments/cnf/train.js';

const rt = createRuntimeSync();
const tiny = {
  ...DEFAULT_CNF,
  hidden: [8],
  batchSize: 50,
  evalTols: [1e-4],
  trainTol: 1e-4,
  testSize: 40,
  tightEvalSize: 40,
  testBatchSize: 20,
  converge: true,
};

test('a converging row stops at the target when its validation NLL is within the gap of the true NLL (checked every evalEvery iterations)', () => {
  const data = makeDataset('8gaussians', 200, 40, 0, 50);
  const row = trainRow(
    rt,
    data,
    { ...tiny, evalEvery: 2, patience: 10, maxIterations: 20, convergeGap: 10 },
    'none',
    'rk4-4',
    0,
  );
  assert.is(row.stopReason, 'target', 'within 1000 % of the true NLL at the first check');
  assert.is(row.iterationsDone, 2);
  assert.equal(
    row.validation.map((v) => v.iteration),
    [1],
  );
  assert.is(row.evals[0].batches, 2);
});

test('a converging row that never reaches the target stops at --max-iterations and keeps its best validated weights', () => {
  const data = makeDataset('moons', 200, 40, 0, 50);
  const s = { ...tiny, evalEvery: 1, patience: 100, maxIterations: 12, lr: 0.3 };
  const row = trainRow(rt, data, s, 'none', 'rk4-4', 0);
  assert.is(row.stopReason, 'max-iterations');
  assert.is(row.iterationsDone, 12);
  const nlls = row.validation.map((v) => v.nll);
  const best = Math.min(...nlls);
  assert.ok(nlls[nlls.length - 1] > best, "this run's last check is not its best (so the weights were restored)");
  assert.is(row.keptIteration, row.validation[nlls.indexOf(best)].iteration);
  const now = evaluateDensity(row.model, data.validation, s.trainTol).nll;
  assert.ok(Math.abs(now - best) < 1e-12, `the kept weights give the best validation NLL: ${now} vs ${best}`);
});

test('a converging row stops by patience; a fixed-length row ends by iterations; no validation set is refused', () => {
  const data = makeDataset('moons', 200, 40, 0, 50);
  const row = trainRow(
    rt,
    data,
    { ...tiny, evalEvery: 1, patience: 2, maxIterations: 200, lr: 0.3 },
    'r2',
    'rk4-4',
    0.1,
  );
  assert.is(row.stopReason, 'patience');
  assert.ok(row.iterationsDone < 200);
  assert.is(row.iterationsDone - 1 - row.keptIteration!, 2);
  const fixed = trainRow(rt, data, { ...tiny, converge: false, iterations: 3 }, 'none', 'rk4-4', 0);
  assert.is(fixed.stopReason, 'iterations');
  assert.equal(fixed.validation, []);
  assert.throws(
    () => trainRow(rt, makeDataset('moons', 200, 40, 0), { ...tiny, maxIterations: 3 }, 'none', 'rk4-4', 0),
    (e: Error) => e instanceof ArgumentError && e.message.startsWith('validationSize:'),
  );
});

test('a float32 row is validated and evaluated in float64 (the same weights): its model is a float64 flow of float32 values', () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const data = makeDataset('8gaussians', 200, 40, 0, 50);
  const row = trainRow(
    rt32,
    data,
    { ...tiny, evalEvery: 2, patience: 10, maxIterations: 4, gradient: 'backprop' },
    'r3',
    'rk4-4',
    0.1,
  );
  assert.is(row.model.rt.dtype, 'float64');
  for (const p of row.model.params) for (const v of p.value.data) assert.is(v, Math.fround(v));
  assert.ok(row.validation.every((v) => Number.isFinite(v.nll)) && Number.isFinite(row.evals[0].nll));
});

test.run();
