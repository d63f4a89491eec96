// A pool's shared steps (stepSizes: 'shared', the default in Node): the shards of an adaptive solve
// advance on ONE step-size sequence, the single-thread batch solve's, by combining their parts of every
// error norm at a shared-memory barrier. So with dopri5 the pooled loss, terms, NFE and gradient are the
// single-thread ones to rounding (the only difference: sums of squares added shard by shard). A failure
// in one worker stops the others (no hang) and is reported as that worker's own error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { flowNllLoss, softmaxCrossEntropyLoss } from '../../src/model/losses.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { createWorkerPool, type WorkerPool } from '../../src/parallel/pool.js';
import { combineNormParts, type NormPart } from '../../src/parallel/shared-norm.js';
import { assertClose, randomArray } from '../helpers/numeric.js';
import { rejects } from '../helpers/rejects.js';

const rt = createRuntimeSync();

let pool: WorkerPool;
test.before(async () => {
  pool = await createWorkerPool({ workers: 2 });
});
test.after(async () => {
  await pool?.close();
});

const flatGrads = (m: NeuralOde | Model) => Float64Array.from(m.params.flatMap((p) => Array.from(p.grad.data)));

const dopri5: NeuralOdeConfig = {
  mlp: { widths: [3, 9, 3], activation: 'tanh' },
  terms: [
    { kind: 'taylor', order: 2, lambda: 0.05 },
    { kind: 'kinetic', lambda: 0.01 },
  ],
  solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 },
};

test('the pool defaults to shared steps in Node; stepSizes is checked strictly, per pool and per call', async () => {
  assert.is(pool.stepSizes, 'shared');
  await rejects(
    createWorkerPool({ workers: 1, stepSizes: 'both' as never }),
    /stepSizes: expected one of "shared", "per-shard", got "both"/,
  );
  const model = NeuralOde.create(rt, dopri5, new Rng(1));
  const x = randomArray(new Rng(2), 4 * 3);
  await rejects(pool.objective(model, x, x, { stepSizes: 'lockstep' as never }), /stepSizes: expected one of/);
  await rejects(pool.predict(model, x, { stepSizes: 1 as never }), /stepSizes: expected one of/);
});

test('where memory cannot be shared (a page without cross-origin isolation) the default is per shard and shared steps are refused by name', async () => {
  const scope = globalThis as { crossOriginIsolated?: boolean };
  scope.crossOriginIsolated = false;
  try {
    await rejects(
      createWorkerPool({ workers: 1, stepSizes: 'shared' }),
      /stepSizes: expected 'per-shard' on this host: shared steps need SharedArrayBuffer/,
    );
    const fallback = await createWorkerPool({ workers: 1 });
    assert.is(fallback.stepSizes, 'per-shard');
    await fallback.close();
  } finally {
    delete scope.crossOriginIsolated;
  }
});

test('combineNormParts: per-example sums of squares add up; batch means combine as weighted means before the square; non-finite gives NaN', () => {
  // One batch of 5 rows × 1 value plus one batch-mean component, cut 3 + 2.
  const err = [0.1, -0.3, 0.2, 0.05, -0.4],
    y = [1, 2, -1, 0.5, 3];
  const atol = 1e-3,
    rtol = 1e-2;
  const r = (e: number, v: number) => e / (atol + rtol * Math.abs(v));
  const shardMean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const part = (rows: number[]): NormPart => ({
    sumSquares: rows.reduce((s, i) => s + r(err[i], y[i]) ** 2, 0),
    count: rows.length,
    rtol,
    means: Float64Array.of(
      shardMean(rows.map((i) => err[i])),
      shardMean(rows.map((i) => y[i])),
      shardMean(rows.map((i) => y[i])),
      atol,
    ),
  });
  const batchMeanR = r(shardMean(err), shardMean(y));
  const expected = Math.sqrt((err.reduce((s, e, i) => s + r(e, y[i]) ** 2, 0) + batchMeanR ** 2) / 6);
  const combined = combineNormParts([part([0, 1, 2]), part([3, 4])], [3 / 5, 2 / 5]);
  assert.ok(Math.abs(combined - expected) <= 1e-15 * expected, `${combined} vs ${expected}`);
  const broken = part([3, 4]);
  broken.sumSquares = NaN;
  assert.ok(Number.isNaN(combineNormParts([part([0, 1, 2]), broken], [3 / 5, 2 / 5])));
  const infiniteMean = part([3, 4]);
  infiniteMean.means[2] = Infinity;
  assert.ok(Number.isNaN(combineNormParts([part([0, 1, 2]), infiniteMean], [3 / 5, 2 / 5])));
});

test("dopri5, shared steps: a NeuralOde's pooled loss, R_2, kinetic, NFE and gradient equal the single-thread batch's (9 rows → 5 + 4)", async () => {
  const model = NeuralOde.create(rt, dopri5, new Rng(5));
  const rng = new Rng(6);
  const x = randomArray(rng, 9 * 3, -2, 2),
    target = randomArray(rng, 9 * 3);
  const single = model.objective(x, target);
  const expected = flatGrads(model);
  const pooled = await pool.objective(model, x, target);
  assertClose(flatGrads(model), expected, 1e-12, 'gradient');
  assertClose(
    [pooled.loss, pooled.dataLoss, pooled.regularizers.r2, pooled.regularizers.kinetic],
    [single.loss, single.dataLoss, single.regularizers.r2, single.regularizers.kinetic],
    1e-13,
    'loss, data loss, R_2, kinetic',
  );
  assert.equal([pooled.nfeForward, pooled.nfeBackward], [single.nfeForward, single.nfeBackward]);
  assert.equal(
    pooled.shards.map((s) => s.forwardStats.acceptedSteps),
    [single.forwardStats.acceptedSteps, single.forwardStats.acceptedSteps],
  );
  assert.is(pooled.forwardStats.rejectedSteps, single.forwardStats.rejectedSteps);
  assert.ok(
    Math.abs(pooled.forwardStats.initialStep - single.forwardStats.initialStep) <=
      1e-14 * Math.abs(single.forwardStats.initialStep),
    "Hairer's initial step from the batch's norms",
  );
  // Per shard (today's other mode) the shards take their own steps: not the batch's to this precision.
  const perShard = await pool.objective(model, x, target, { stepSizes: 'per-shard' });
  assert.ok(
    Math.abs(perShard.loss - single.loss) > 1e-11 * single.loss,
    "per-shard steps differ from the batch solve's",
  );
});

test('dopri5, shared steps: errorNorm "state", a CNF\'s per-example log-density with R_2 (flowNll), and a lazy-terms Model equal the single-thread batch', async () => {
  const rng = new Rng(7);
  const stateNorm = NeuralOde.create(rt, { ...dopri5, solver: { ...dopri5.solver, errorNorm: 'state' } }, new Rng(8));
  const x = randomArray(rng, 7 * 3, -2, 2),
    target = randomArray(rng, 7 * 3);
  const single = stateNorm.objective(x, target);
  const expected = flatGrads(stateNorm);
  const pooled = await pool.objective(stateNorm, x, target);
  assertClose(flatGrads(stateNorm), expected, 1e-12, 'errorNorm state: gradient');
  assert.is(pooled.nfeForward, single.nfeForward);

  const flow = NeuralOde.create(
    rt,
    {
      ...dopri5,
      terms: [
        { kind: 'logDensity', estimator: 'exact' },
        { kind: 'taylor', order: 2, lambda: 0.1 },
      ],
    },
    new Rng(9),
  );
  const zeros = new Float64Array(7);
  const flowSingle = flow.objective(x, zeros, { loss: flowNllLoss });
  const flowExpected = flatGrads(flow);
  const flowPooled = await pool.objective(flow, x, zeros, { loss: flowNllLoss });
  assertClose(flatGrads(flow), flowExpected, 1e-12, 'CNF: gradient');
  assertClose(
    [flowPooled.loss, flowPooled.regularizers.r2],
    [flowSingle.loss, flowSingle.regularizers.r2],
    1e-13,
    'CNF: loss, R_2',
  );
  assert.equal([flowPooled.nfeForward, flowPooled.nfeBackward], [flowSingle.nfeForward, flowSingle.nfeBackward]);

  const spec: ModelSpec = {
    encoder: { type: 'linear', inputs: 4, outputs: 3 },
    blocks: [
      {
        dynamics: {
          type: 'sequential',
          layers: [
            { type: 'concatLinear', inputs: 3, outputs: 8 },
            { type: 'activation', fn: 'sigmoid' },
            { type: 'concatLinear', inputs: 8, outputs: 3 },
          ],
        },
        terms: [{ kind: 'taylor', order: 3, lambda: 0.02 }],
        solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7, errorNorm: 'state' },
      },
    ],
    head: { type: 'linear', inputs: 3, outputs: 2 },
  };
  const model = Model.create(rt, spec, new Rng(10));
  const cx = randomArray(rng, 11 * 4, -2, 2),
    labels = Float64Array.from({ length: 11 }, (_, i) => i % 2);
  const modelSingle = model.objective(cx, labels, { loss: softmaxCrossEntropyLoss, lazyTerms: true });
  const modelExpected = flatGrads(model);
  const modelPooled = await pool.objective(model, cx, labels, { loss: softmaxCrossEntropyLoss, lazyTerms: true });
  assertClose(flatGrads(model), modelExpected, 1e-12, 'Model, lazy terms: gradient');
  assertClose([modelPooled.loss], [modelSingle.loss], 1e-13, 'Model: loss');
  assert.is(modelPooled.nfeForward, modelSingle.nfeForward);
});

test("adjoint gradient with shared steps: the forward is the batch's; the backward solve shares one step sequence but its norm is not the single thread's (stated in the README)", async () => {
  const model = NeuralOde.create(rt, { ...dopri5, gradient: 'adjoint' }, new Rng(11));
  const rng = new Rng(12);
  const x = randomArray(rng, 8 * 3, -2, 2),
    target = randomArray(rng, 8 * 3);
  const single = model.objective(x, target);
  const expected = flatGrads(model);
  const pooled = await pool.objective(model, x, target);
  assert.is(pooled.nfeForward, single.nfeForward);
  assertClose([pooled.loss], [single.loss], 1e-13, 'loss');
  assert.equal(
    pooled.shards.map((s) => s.nfeBackward),
    [pooled.nfeBackward, pooled.nfeBackward],
    'every shard takes the same backward steps',
  );
  assertClose(flatGrads(model), expected, 1e-4, "gradient, to the backward solve's tolerance");
});

test('predict with shared steps equals the single-thread predict of the batch (dopri5, output times)', async () => {
  const model = NeuralOde.create(rt, dopri5, new Rng(13));
  const x = randomArray(new Rng(14), 5 * 3, -2, 2);
  const times = [0.25, 0.5, 1];
  const single = model.predict(x, { times });
  const pooled = await pool.predict(model, x, { times });
  assertClose(pooled.output, single.zs, 1e-13, 'zs');
  assert.equal(
    pooled.stats.map((s) => s[0].nfe),
    [single.stats.nfe, single.stats.nfe],
  );
});

test("objectiveAt: the series loss runs on the main thread over the whole batch; with shared steps loss, zs, NFE and gradient are the single thread's", async () => {
  const model = NeuralOde.create(rt, dopri5, new Rng(15));
  const rng = new Rng(16);
  const batch = 7,
    times = [0.3, 0.7, 1];
  const z0 = randomArray(rng, batch * 3, -2, 2);
  const target = randomArray(rng, times.length * batch * 3);
  const mask = Float64Array.from(target, (_, i) => (i % 5 === 2 ? 0 : 1));
  const loss = maskedMseLoss(target, mask);
  const single = model.objectiveAt(z0, times, loss);
  const expected = flatGrads(model);
  const pooled = await pool.objectiveAt(model, z0, times, loss);
  assertClose(flatGrads(model), expected, 1e-12, 'gradient');
  assertClose(pooled.zs, single.zs, 1e-13, 'zs [times, batch, D]');
  assertClose(
    [pooled.loss, pooled.dataLoss, pooled.regularizers.r2, pooled.regularizers.kinetic],
    [single.loss, single.dataLoss, single.regularizers.r2, single.regularizers.kinetic],
    1e-13,
    'loss, data loss, terms',
  );
  assert.equal([pooled.nfeForward, pooled.nfeBackward], [single.nfeForward, single.nfeBackward]);
  // On a fixed grid it matches as well, per shard or shared (no norm to combine).
  const grid = NeuralOde.create(rt, { ...dopri5, solver: { method: 'rk4', steps: 5 } }, new Rng(17));
  const gridSingle = grid.objectiveAt(z0, times, loss);
  const gridExpected = flatGrads(grid);
  const gridPooled = await pool.objectiveAt(grid, z0, times, loss, { stepSizes: 'per-shard' });
  assertClose(flatGrads(grid), gridExpected, 1e-12, 'rk4 grid: gradient');
  assertClose([gridPooled.loss], [gridSingle.loss], 1e-13, 'rk4 grid: loss');
  // Bad input is refused by name, and a loss that throws leaves the pool usable.
  await rejects(
    pool.objectiveAt(model, z0.subarray(1), times, loss),
    /z0: expected a Float64Array of batch × 3 values/,
  );
  await rejects(pool.objectiveAt(model, z0, times, 'mse' as never), /loss: expected a function/);
  await rejects(
    pool.objectiveAt(model, z0, times, () => {
      throw new Error('loss broke');
    }),
    /loss broke/,
  );
  await rejects(pool.objectiveAt(model, z0, times, loss, { lazyTerms: true } as never), /lazyTerms: unknown key/);
  await rejects(pool.objectiveAt(model, z0, [0.5, 0.2], loss), /times/);
  const again = await pool.objectiveAt(model, z0, times, loss);
  assert.is(again.loss, pooled.loss);
});

test('train({ pool }) with dopri5 and shared steps follows the single-thread run (losses, NFE, weights after 4 steps)', async () => {
  const rng = new Rng(18);
  const inputs = randomArray(rng, 20 * 3, -2, 2);
  const data = { inputs, targets: inputs.map((v) => Math.sin(2 * v)) };
  const run = async (withPool: boolean) => {
    const model = NeuralOde.create(rt, dopri5, new Rng(19));
    const options = {
      model,
      optimizer: new Adam(rt.kernels, model.params, { lr: 0.02 }),
      data,
      iterations: 4,
      batchSize: 10,
      rng: new Rng(20),
    };
    const log = withPool ? await train({ ...options, pool }) : train(options);
    return {
      losses: log.records.map((r) => r.loss),
      nfe: log.records.map((r) => r.nfeForward),
      weights: Float64Array.from(model.params.flatMap((p) => Array.from(p.value.data))),
    };
  };
  const single = await run(false),
    pooled = await run(true);
  assertClose(pooled.losses, single.losses, 1e-11, 'losses');
  assertClose(pooled.weights, single.weights, 1e-11, 'weights');
  assert.equal(pooled.nfe, single.nfe);
});

test("more workers than rows (3 workers, 2 rows): only the shards that exist meet, and the result is the single thread's", async () => {
  const three = await createWorkerPool({ workers: 3 });
  try {
    const model = NeuralOde.create(rt, dopri5, new Rng(25));
    const rng = new Rng(26);
    const x = randomArray(rng, 2 * 3, -2, 2),
      target = randomArray(rng, 2 * 3);
    const single = model.objective(x, target);
    const expected = flatGrads(model);
    const pooled = await three.objective(model, x, target);
    assert.is(pooled.shards.length, 2);
    assertClose(flatGrads(model), expected, 1e-12, 'gradient');
    assertClose([pooled.loss], [single.loss], 1e-13, 'loss');
    assert.equal([pooled.nfeForward, pooled.nfeBackward], [single.nfeForward, single.nfeBackward]);
    const one = randomArray(rng, 3, -2, 2);
    const predicted = await three.predict(model, one);
    assertClose(predicted.output, model.predict(one).zs, 1e-13, 'one row: one shard, no partner to wait for');
  } finally {
    await three.close();
  }
});

test("a failure every shard meets after the same norm (maxSteps) is each worker's own: reported as shard 0's, every time", async () => {
  const failing = NeuralOde.create(
    rt,
    { ...dopri5, solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10, maxSteps: 1 } },
    new Rng(23),
  );
  const x = randomArray(new Rng(24), 6 * 3);
  for (let i = 0; i < 20; i++)
    await rejects(pool.objective(failing, x, x), /^worker 0: MaxStepsError: maxSteps \(1\) reached/);
});

test("a failure in one shard stops the others at the next norm (no hang) and is reported as that worker's own error; the pool stays usable", async () => {
  const failing = await createWorkerPool({
    workers: 2,
    workerUrl: new URL('./fixtures/failing-shard-worker.ts', import.meta.url),
  });
  try {
    const model = NeuralOde.create(rt, dopri5, new Rng(21));
    const x = randomArray(new Rng(22), 6 * 3);
    x[3 * 3] = 13; // the first row of shard 1: that worker throws before its first norm
    await rejects(failing.objective(model, x, x), /^worker 1: Error: shard failed on purpose/);
    x[3 * 3] = 0;
    const ok = await failing.objective(model, x, x);
    assert.ok(Number.isFinite(ok.loss));
    x[3 * 3] = 14; // that worker exits: the pool aborts the one waiting for it
    await rejects(failing.objective(model, x, x), /^worker 1: died/);
  } finally {
    await failing.close();
  }
});

test.run();
