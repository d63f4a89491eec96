// A worker stuck in a loop cannot stop itself: a call's timeout rejects it with WorkerError, and the
// pool terminates the worker and starts a fresh one, so later calls (models loaded again) succeed.
// A worker that never starts fails createWorkerPool after startTimeoutMs. (The timeouts bound the
// tests; nothing asserts how long anything took.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { ArgumentError } from '../../src/errors.js';
import { createWorkerPool, WorkerError } from '../../src/parallel/pool.js';
import { assertClose, randomArray } from '../helpers/numeric.js';
import { rejects } from '../helpers/rejects.js';

const rt = createRuntimeSync();
const spinning = new URL('./fixtures/spinning-worker.ts', import.meta.url);
const model = NeuralOde.create(
  rt,
  { mlp: { widths: [2, 5, 2], activation: 'tanh' }, solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } },
  new Rng(1),
);
const x = randomArray(new Rng(2), 4 * 2);
const stuck = Float64Array.of(777, 0, ...x.subarray(2));
const timedOut = (e: Error) =>
  e instanceof WorkerError &&
  e.worker === 0 &&
  /^worker 0: no reply within \d+ ms \(timeoutMs\): the worker was terminated and replaced/.test(e.message);

for (const stepSizes of ['shared', 'per-shard'] as const) {
  test(`a worker stuck in a loop: the call rejects after its timeout, the worker is replaced, the pool goes on (${stepSizes} steps)`, async () => {
    const pool = await createWorkerPool({ workers: 2, workerUrl: spinning, stepSizes, callTimeoutMs: 60_000 });
    try {
      const before = await pool.predict(model, x);
      await rejects(pool.predict(model, stuck, { timeoutMs: 1500 }), timedOut);
      assert.is(pool.size, 2);
      const after = await pool.predict(model, x);
      assertClose(after.z1, before.z1, 0, 'the fresh worker (the model loaded into it again) gives the same result');
      await pool.objective(model, x, x);
    } finally {
      await pool.close();
    }
  });
}

test("the pool's callTimeoutMs applies to calls that set none", async () => {
  const pool = await createWorkerPool({ workers: 1, workerUrl: spinning, callTimeoutMs: 1500 });
  try {
    await rejects(pool.predict(model, stuck), timedOut);
    await pool.predict(model, x, { timeoutMs: 60_000 });
  } finally {
    await pool.close();
  }
});

test('a worker that never says it is ready fails createWorkerPool after startTimeoutMs', async () => {
  await rejects(
    createWorkerPool({
      workers: 1,
      workerUrl: new URL('./fixtures/silent-worker.ts', import.meta.url),
      startTimeoutMs: 1500,
    }),
    (e) => e instanceof WorkerError && /^worker 0: did not start within 1500 ms \(startTimeoutMs\)/.test(e.message),
  );
});

test('timeouts are checked: positive milliseconds', async () => {
  await rejects(
    createWorkerPool({ workers: 1, callTimeoutMs: 0 }),
    (e) => e instanceof ArgumentError && e.argument === 'callTimeoutMs',
  );
  await rejects(
    createWorkerPool({ workers: 1, startTimeoutMs: -1 }),
    (e) => e instanceof ArgumentError && e.argument === 'startTimeoutMs',
  );
  const pool = await createWorkerPool({ workers: 1 });
  try {
    await rejects(
      pool.predict(model, x, { timeoutMs: NaN }),
      (e) => e instanceof ArgumentError && e.argument === 'timeoutMs',
    );
  } finally {
    await pool.close();
  }
});

test.run();
