// The worker pool (src/parallel) against the single-thread path: on a fixed grid every shard takes the
// batch's steps, so the pooled loss, terms and gradient are the single-thread ones to rounding; with
// per-shard adaptive steps each shard is solved alone, and the pooled figures are the shard-size-weighted
// means of those solves (shared steps, the default: shared-steps.test.ts). Noise is seeded per shard; failures reject with the worker's message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, kernelWasmBytes } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { flowNllLoss, gaussianNllLoss, mseLoss, softmaxCrossEntropyLoss, tapeLoss } from '../../src/model/losses.js';
import { saveModel } from '../../src/model/serialize.js';
import { defineDynamics } from '../../src/nn/define-dynamics.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { createWorkerPool, MAX_POOL_MODELS, WorkerPool } from '../../src/parallel/pool.js';
import { splitRows } from '../../src/parallel/shards.js';
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

const grads = (m: NeuralOde | Model) => m.params.map((p) => p.grad.toFloat64Array());
const flat = (arrays: Float64Array[]) => Float64Array.from(arrays.flatMap((a) => Array.from(a)));

const rk4Config: NeuralOdeConfig = {
  mlp: { widths: [3, 9, 3], activation: 'tanh' },
  terms: [
    { kind: 'taylor', order: 2, lambda: 0.05 },
    { kind: 'kinetic', lambda: 0.01 },
  ],
  solver: { method: 'rk4', steps: 6 },
};

const classifierSpec = (solver: NeuralOdeConfig['solver'], terms: NeuralOdeConfig['terms']): ModelSpec => ({
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
      terms,
      solver,
    },
  ],
  head: { type: 'linear', inputs: 3, outputs: 2 },
});

test("fixed grid (rk4): the pooled loss, terms and gradient of a NeuralOde equal the single-thread batch's to rounding (7 rows → shards of 4 and 3)", async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(1));
  const rng = new Rng(2);
  const x = randomArray(rng, 7 * 3),
    target = randomArray(rng, 7 * 3);
  const single = model.objective(x, target);
  const expected = flat(grads(model));
  const pooled = await pool.objective(model, x, target);
  assert.equal(
    pooled.shards.map((s) => s.rows),
    [4, 3],
  );
  assertClose(flat(grads(model)), expected, 1e-13, 'gradient');
  assertClose(
    [pooled.loss, pooled.dataLoss, pooled.regularizers.r2, pooled.regularizers.kinetic],
    [single.loss, single.dataLoss, single.regularizers.r2, single.regularizers.kinetic],
    1e-13,
    'loss, data loss, R_2, kinetic',
  );
  assert.is(pooled.nfeForward, single.nfeForward, 'every shard evaluates f as often as the batch on a grid');
  assert.ok(expected.some((g) => g !== 0));
});

test("the objective's lambdaScale (the λ controller's) reaches the workers' copies", async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(32));
  const rng = new Rng(33);
  const x = randomArray(rng, 5 * 3),
    target = randomArray(rng, 5 * 3);
  const unscaled = model.objective(x, target).loss;
  const single = model.objective(x, target, { lambdaScale: 7 });
  const expected = flat(grads(model));
  const pooled = await pool.objective(model, x, target, { lambdaScale: 7 });
  assert.ok(Math.abs(single.loss - unscaled) > 1e-6, 'the scale changes the loss');
  assertClose([pooled.loss], [single.loss], 1e-13, 'loss with λ × 7');
  assertClose(flat(grads(model)), expected, 1e-13, 'gradient with λ × 7');
});

test('fixed grid: a Model (encoder → block with R_3 → head, cross-entropy, lazy terms) pools to the single-thread gradient to rounding', async () => {
  const solver = { method: 'rk4' as const, steps: 5, errorNorm: 'state' as const };
  const model = Model.create(rt, classifierSpec(solver, [{ kind: 'taylor', order: 3, lambda: 0.1 }]), new Rng(3));
  const rng = new Rng(4);
  const x = randomArray(rng, 9 * 4),
    target = Float64Array.from({ length: 9 }, (_, i) => i % 2);
  for (const lazyTerms of [false, true]) {
    const single = model.objective(x, target, { loss: softmaxCrossEntropyLoss, lazyTerms });
    const expected = flat(grads(model));
    const pooled = await pool.objective(model, x, target, { loss: softmaxCrossEntropyLoss, lazyTerms });
    assertClose(flat(grads(model)), expected, 1e-13, `gradient (lazyTerms ${lazyTerms})`);
    assertClose([pooled.loss], [single.loss], 1e-13, 'loss');
    assert.equal(Object.keys(pooled.regularizers), Object.keys(single.regularizers));
  }
});

test('fixed grid: the other built-in losses are rebuilt in the workers (gaussianNll(σ) keeps σ; flowNll on a CNF with the exact log-density and R_2)', async () => {
  const rng = new Rng(26);
  const x = randomArray(rng, 6 * 3),
    target = randomArray(rng, 6 * 3);
  const model = NeuralOde.create(rt, rk4Config, new Rng(27));
  for (const loss of [gaussianNllLoss(0.3), gaussianNllLoss(2)]) {
    const single = model.objective(x, target, { loss });
    const expected = flat(grads(model));
    const pooled = await pool.objective(model, x, target, { loss });
    assertClose([pooled.loss], [single.loss], 1e-13, loss.name);
    assertClose(flat(grads(model)), expected, 1e-13, `${loss.name} gradient`);
  }
  const flow = NeuralOde.create(
    rt,
    {
      ...rk4Config,
      terms: [
        { kind: 'logDensity', estimator: 'exact' },
        { kind: 'taylor', order: 2, lambda: 0.1 },
      ],
    },
    new Rng(28),
  );
  const zeros = new Float64Array(6);
  const single = flow.objective(x, zeros, { loss: flowNllLoss });
  const expected = flat(grads(flow));
  const pooled = await pool.objective(flow, x, zeros, { loss: flowNllLoss });
  assertClose([pooled.loss, pooled.regularizers.r2], [single.loss, single.regularizers.r2], 1e-13, 'flow NLL and R_2');
  assertClose(flat(grads(flow)), expected, 1e-13, 'flow gradient');
});

test('adaptive (dopri5), stepSizes per-shard: each shard is solved with its own steps; the pooled gradient is the shard-size-weighted mean of the shards solved alone', async () => {
  const model = NeuralOde.create(
    rt,
    { ...rk4Config, solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } },
    new Rng(5),
  );
  const rng = new Rng(6);
  const batch = 9;
  const x = randomArray(rng, batch * 3, -2, 2),
    target = randomArray(rng, batch * 3);
  const shards = splitRows(batch, 2);
  const expected = new Float64Array(flat(grads(model)).length);
  let loss = 0;
  for (const s of shards) {
    const r = model.objective(
      x.slice(s.start * 3, (s.start + s.count) * 3),
      target.slice(s.start * 3, (s.start + s.count) * 3),
    );
    flat(grads(model)).forEach((g, i) => {
      expected[i] += (s.count / batch) * g;
    });
    loss += (s.count / batch) * r.loss;
  }
  const whole = model.objective(x, target);
  const wholeGrad = flat(grads(model));
  const pooled = await pool.objective(model, x, target, { stepSizes: 'per-shard' });
  assertClose(flat(grads(model)), expected, 1e-12, 'gradient = weighted mean of the shards solved alone');
  assertClose([pooled.loss], [loss], 1e-13, 'loss');
  // …which is not the batch solve's (one step size for all 9 rows), only close to it at this tolerance.
  assert.not.equal(Array.from(flat(grads(model))), Array.from(wholeGrad));
  assertClose([pooled.loss], [whole.loss], 1e-4, 'close to the batch solve');
});

test('noise (Jacobian–Frobenius term): one seed per shard drawn from rng in shard order; two runs agree bit for bit', async () => {
  const config: NeuralOdeConfig = { ...rk4Config, terms: [{ kind: 'jacobianFrobenius', lambda: 0.1 }] };
  const model = NeuralOde.create(rt, config, new Rng(7));
  const rng = new Rng(8);
  const x = randomArray(rng, 5 * 3),
    target = randomArray(rng, 5 * 3);
  const first = await pool.objective(model, x, target, { rng: new Rng(9) });
  const firstGrad = flat(grads(model));
  const again = await pool.objective(model, x, target, { rng: new Rng(9) });
  assert.equal(Array.from(flat(grads(model))), Array.from(firstGrad));
  assert.is(again.loss, first.loss);
  const other = await pool.objective(model, x, target, { rng: new Rng(10) });
  assert.is.not(other.regularizers.jacobian, first.regularizers.jacobian, 'another seed, other noise');
  // Shard s is the single-thread objective of its rows with Rng(seed_s), seed_s the s-th draw of the rng.
  const draws = new Rng(9);
  const seeds = [draws.nextUint32(), draws.nextUint32()];
  splitRows(5, 2).forEach((s, i) => {
    const alone = model.objective(
      x.slice(s.start * 3, (s.start + s.count) * 3),
      target.slice(s.start * 3, (s.start + s.count) * 3),
      { rng: new Rng(seeds[i]) },
    );
    assert.is(first.shards[i].regularizers.jacobian, alone.regularizers.jacobian, `shard ${i}`);
  });
  await rejects(pool.objective(model, x, target), /rng: expected an Rng/);
});

test("R_K's stepRandom: its times come from one seed per shard drawn from rng in shard order; refused without rng", async () => {
  const config: NeuralOdeConfig = {
    mlp: rk4Config.mlp,
    terms: [{ kind: 'taylor', order: 2, lambda: 0.1, estimator: 'stepRandom' }],
    solver: { method: 'dopri5', steps: 4 },
  };
  const model = NeuralOde.create(rt, config, new Rng(7));
  const rng = new Rng(8);
  const x = randomArray(rng, 5 * 3),
    target = randomArray(rng, 5 * 3);
  const first = await pool.objective(model, x, target, { rng: new Rng(9) });
  const draws = new Rng(9);
  const seeds = [draws.nextUint32(), draws.nextUint32()];
  splitRows(5, 2).forEach((s, i) => {
    const alone = model.objective(
      x.slice(s.start * 3, (s.start + s.count) * 3),
      target.slice(s.start * 3, (s.start + s.count) * 3),
      { rng: new Rng(seeds[i]) },
    );
    assert.ok(alone.regularizers.r2 > 0);
    assert.is(first.shards[i].regularizers.r2, alone.regularizers.r2, `shard ${i}`);
  });
  await rejects(pool.objective(model, x, target), /rng: expected an Rng/);
});

test('train({ pool }) on a fixed grid follows the single-thread run to rounding; two pooled runs are identical', async () => {
  const data = (() => {
    const rng = new Rng(11);
    const inputs = randomArray(rng, 24 * 3);
    return { inputs, targets: inputs.map((v) => Math.sin(2 * v)) };
  })();
  const run = async (withPool: boolean) => {
    const model = NeuralOde.create(rt, rk4Config, new Rng(12));
    const options = {
      model,
      optimizer: new Adam(rt.kernels, model.params, { lr: 0.02 }),
      data,
      iterations: 5,
      batchSize: 8,
      rng: new Rng(13),
    };
    const log = withPool ? await train({ ...options, pool }) : train(options);
    return {
      losses: log.records.map((r) => r.loss),
      weights: flat(model.params.map((p) => p.value.toFloat64Array())),
      nfe: log.records.map((r) => r.nfeForward),
    };
  };
  const single = await run(false),
    pooled = await run(true),
    pooledAgain = await run(true);
  assertClose(pooled.losses, single.losses, 1e-12, 'losses');
  assertClose(pooled.weights, single.weights, 1e-12, 'weights after 5 steps');
  assert.equal(pooled.nfe, single.nfe);
  assert.equal(pooledAgain.losses, pooled.losses);
  assert.equal(Array.from(pooledAgain.weights), Array.from(pooled.weights));
});

test('predict: a NeuralOde, a Model and saved bytes across the workers, with output times, as the single-thread predict on a grid', async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(14));
  const rng = new Rng(15);
  const x = randomArray(rng, 5 * 3);
  const times = [0.25, 0.5, 1];
  const single = model.predict(x, { times });
  const pooled = await pool.predict(model, x, { times });
  assertClose(pooled.output, single.zs, 1e-14, 'zs [times, batch, D]');
  assertClose(pooled.z1, single.z1, 1e-14, 'z1');
  assert.is(pooled.stats.length, 2);
  const composed = Model.create(rt, classifierSpec({ method: 'dopri5', rtol: 1e-7, atol: 1e-7 }, []), new Rng(16));
  const cx = randomArray(rng, 6 * 4);
  const fromBytes = await pool.predict(saveModel(composed), cx, { stepSizes: 'per-shard' });
  const fromModel = await pool.predict(composed, cx, { stepSizes: 'per-shard' });
  assert.equal(Array.from(fromBytes.output), Array.from(fromModel.output));
  // Each shard alone, single-thread: the adaptive solve's per-shard semantics.
  const expected = splitRows(6, 2).flatMap((s) =>
    Array.from(composed.predict(cx.slice(s.start * 4, (s.start + s.count) * 4)).output),
  );
  assertClose(fromModel.output, expected, 1e-14, 'outputs of the shards solved alone');
});

test('at most MAX_POOL_MODELS models stay loaded: fresh saveModel bytes each call do not pile up, and an unloaded model loads again', async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(24));
  const x = randomArray(new Rng(25), 3 * 3);
  const first = saveModel(model);
  const expected = (await pool.predict(first, x)).output;
  for (let i = 0; i < MAX_POOL_MODELS + 2; i++) await pool.predict(saveModel(model), x);
  assert.is(pool.loadedModels, MAX_POOL_MODELS);
  assert.equal(
    Array.from((await pool.predict(first, x)).output),
    Array.from(expected),
    'the first bytes, unloaded meanwhile, load and predict again',
  );
  assert.is(pool.loadedModels, MAX_POOL_MODELS);
});

test('models in use are never unloaded: more than MAX_POOL_MODELS concurrent predicts on fresh bytes all succeed, then the pool shrinks back', async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(26));
  const x = randomArray(new Rng(27), 3 * 3);
  const expected = Array.from((await pool.predict(model, x)).output);
  const results = await Promise.allSettled(
    Array.from({ length: MAX_POOL_MODELS + 3 }, () => pool.predict(saveModel(model), x)),
  );
  results.forEach((r, i) => {
    assert.is(r.status, 'fulfilled', `call ${i}: ${r.status === 'rejected' ? (r.reason as Error).message : ''}`);
    if (r.status === 'fulfilled') assert.equal(Array.from(r.value.output), expected);
  });
  await pool.predict(saveModel(model), x); // with nothing in use, the least recently used make room again
  assert.is(pool.loadedModels, MAX_POOL_MODELS, 'back to the bound');
});

test('the caller may change x right after calling: what was passed is what is solved', async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(28));
  const x = randomArray(new Rng(31), 4 * 3);
  const expected = Array.from((await pool.predict(model, x)).output);
  const pending = pool.predict(saveModel(model), x); // fresh bytes: the call waits for their load
  x.fill(0);
  assert.equal(Array.from((await pending).output), expected);
});

test("runtime options reach the workers: a shared compiled module; a memory bound too small for the model fails its load with the worker's message", async () => {
  const module = await WebAssembly.compile(kernelWasmBytes() as BufferSource);
  const small = await createWorkerPool({ workers: 2, runtime: { module, maxMemoryBytes: 2 ** 20 } });
  try {
    const model = NeuralOde.create(rt, rk4Config, new Rng(29));
    const x = randomArray(new Rng(30), 4 * 3);
    assertClose((await small.predict(model, x)).output, model.predict(x).z1, 1e-14, 'predict with the shared module');
    const big = NeuralOde.create(rt, { mlp: { widths: [300, 600, 300], activation: 'tanh' } }, new Rng(31));
    await rejects(small.predict(big, new Float64Array(300)), /^worker 0: ArenaExhaustedError: /);
  } finally {
    await small.close();
  }
});

test('the pool sends the current parameters with every request', async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(17));
  const x = randomArray(new Rng(18), 4 * 3);
  const before = await pool.predict(model, x);
  model.params[0].value.data[0] += 0.5;
  const after = await pool.predict(model, x);
  assertClose(after.output, model.predict(x).z1, 1e-14);
  assert.not.equal(Array.from(after.output), Array.from(before.output));
});

test('errors: a worker that throws rejects with its message; bad options and unsendable models are refused by name', async () => {
  const failing = NeuralOde.create(
    rt,
    { ...rk4Config, solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10, maxSteps: 1 } },
    new Rng(19),
  );
  const x = randomArray(new Rng(20), 4 * 3);
  await rejects(
    pool.objective(failing, x, x),
    (e: Error) => e.name === 'WorkerError' && /^worker 0: MaxStepsError: maxSteps \(1\) reached/.test(e.message),
  );
  // The pool stays usable after a worker's error reply.
  const model = NeuralOde.create(rt, rk4Config, new Rng(21));
  await pool.objective(model, x, x);
  await rejects(
    pool.objective(model, x, x, { loss: tapeLoss((tape, z, y) => tape.mse(z, y), { name: 'mine' }) }),
    /loss: expected a built-in loss .* "mine" is code/,
  );
  await rejects(pool.objective(model, x, x, { lazyTerms: true }), /lazyTerms: expected a Model/);
  await rejects(pool.objective(model, x.subarray(1), x), /x: expected a Float64Array of batch × 3 values, got 11/);
  await rejects(pool.objective(model, x, x.subarray(3)), /target holds 9 values/);
  await rejects(pool.objective(model, x, x, { loss: mseLoss, gradient: true } as never), /gradient: unknown key/);
  const coded = NeuralOde.fromDynamics(
    rt,
    defineDynamics(rt, 3, (ops, z) => ops.activation('tanh', z)),
  );
  await rejects(pool.predict(coded, x), /model: expected a model built from a description/);
  await rejects(createWorkerPool({ workers: 0 }), /workers: expected an integer ≥ 1 and ≤ 256, got 0/);
  await rejects(createWorkerPool({ workers: 1.5 }), /workers: expected an integer/);
  await rejects(createWorkerPool({ workers: 2, threads: 2 } as never), /threads: unknown key/);
  await rejects(createWorkerPool({ workers: 1, workerUrl: 'not a url' }), /workerUrl: expected an absolute URL/);
  await rejects(
    createWorkerPool({ workers: 1, runtime: { maxMemoryBytes: -1 } }),
    /runtime.maxMemoryBytes: expected a finite number > 0 and ≤ 4294967296, got -1/,
  );
  await rejects(createWorkerPool({ workers: 1, runtime: { maxMemory: 1 } as never }), /runtime.maxMemory: unknown key/);
  await rejects(
    createWorkerPool({ workers: 1, runtime: { kernels: 'fast' as never } }),
    /runtime.kernels: expected one of "auto", "baseline", "relaxed", got "fast"/,
  );
  await rejects(
    createWorkerPool({ workers: 1, runtime: { module: new Uint8Array(4) as never } }),
    /runtime.module: expected a WebAssembly.Module/,
  );
  await rejects(new WorkerPool().predict(model, x), /not started \(create pools with createWorkerPool\)/);
  assert.throws(
    () =>
      train({
        model,
        optimizer: new Adam(rt.kernels, model.params),
        data: { inputs: x, targets: x },
        iterations: 1,
        rng: new Rng(0),
        pool: {} as WorkerPool,
      }),
    /pool: expected a WorkerPool/,
  );
});

test('errors: a worker that dies or throws uncaught rejects the step with its reason (no hang); the pool then refuses work; close ends it', async () => {
  const workerUrl = new URL('./fixtures/exiting-worker.ts', import.meta.url);
  const model = NeuralOde.create(rt, rk4Config, new Rng(22));
  const x = randomArray(new Rng(23), 4 * 3);
  const dying = await createWorkerPool({ workers: 2, workerUrl });
  await rejects(
    dying.objective(model, x, x),
    (e: Error) => e.name === 'WorkerError' && /died: the worker exited \(code 7\)/.test(e.message),
  );
  await rejects(dying.predict(model, x), /failed earlier .*close this pool/);
  await dying.close();
  await rejects(dying.predict(model, x), /worker pool: closed/);
  const throwing = await createWorkerPool({
    workers: 1,
    workerUrl: new URL('./fixtures/throwing-worker.ts', import.meta.url),
  });
  await rejects(throwing.objective(model, x, x), /worker 0: died: uncaught in the worker: thirteen/);
  await throwing.close();
  await throwing.close();
  await rejects(
    createWorkerPool({ workers: 1, workerUrl: new URL('./fixtures/no-such-worker.ts', import.meta.url) }),
    /worker 0: died: .*no-such-worker/,
  );
});

test("the caller's arrays and parameters stay whole: requests transfer their own copies, never the caller's buffers", async () => {
  const model = NeuralOde.create(rt, rk4Config, new Rng(5));
  const rng = new Rng(6);
  const x = randomArray(rng, 7 * 3),
    target = randomArray(rng, 7 * 3);
  const [xCopy, targetCopy] = [x.slice(), target.slice()];
  const before = flat(model.params.map((p) => p.value.toFloat64Array()));
  await pool.objective(model, x, target);
  const predicted = await pool.predict(model, x);
  assert.is(x.byteLength, xCopy.byteLength, 'x is not detached');
  assert.equal(Array.from(x), Array.from(xCopy));
  assert.equal(Array.from(target), Array.from(targetCopy));
  assert.equal(
    Array.from(flat(model.params.map((p) => p.value.toFloat64Array()))),
    Array.from(before),
    'parameters unchanged',
  );
  assert.is(predicted.z1.length, 7 * 3);
});

test.run();
