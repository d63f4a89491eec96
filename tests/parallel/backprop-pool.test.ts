// gradient 'backprop' through the worker pool: the config travels in the model file, each worker's
// shard stores its own forward stages, and the pooled gradient equals the single-thread checkpointed one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { createWorkerPool } from '../../src/parallel/pool.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const config = (gradient: 'checkpoint' | 'backprop'): NeuralOdeConfig => ({
  mlp: { widths: [3, 9, 3], activation: 'tanh' },
  terms: [
    { kind: 'taylor', order: 2, lambda: 0.05 },
    { kind: 'kinetic', lambda: 0.01 },
  ],
  solver: { method: 'rk4', steps: 6 },
  gradient,
});

test('fixed grid (rk4): a backprop model pooled over two workers gives the single-thread checkpointed gradient to rounding', async () => {
  const pool = await createWorkerPool({ workers: 2 });
  try {
    const rng = new Rng(2);
    const x = randomArray(rng, 7 * 3),
      target = randomArray(rng, 7 * 3);
    const reference = NeuralOde.create(rt, config('checkpoint'), new Rng(1));
    const single = reference.objective(x, target);
    const expected = reference.params.flatMap((p) => Array.from(p.grad.data));
    const model = NeuralOde.create(rt, config('backprop'), new Rng(1));
    const pooled = await pool.objective(model, x, target);
    assertClose(
      model.params.flatMap((p) => Array.from(p.grad.data)),
      expected,
      1e-13,
      'gradient',
    );
    assertClose([pooled.loss], [single.loss], 1e-13, 'loss');
    assert.is(pooled.nfeBackward, 0, 'no stage replayed in any worker');
    assert.ok(expected.some((g) => g !== 0));
  } finally {
    await pool.close();
  }
});

test("objectiveAt with a backprop model: a series loss that throws frees each worker's stored stages (repeated failures do not exhaust the arena)", async () => {
  // ~50 kB of stored stages per shard and call: 40 kept after failures would outgrow a 1 MiB arena.
  const pool = await createWorkerPool({ workers: 2, runtime: { maxMemoryBytes: 2 ** 20 } });
  try {
    const model = NeuralOde.create(
      rt,
      { ...config('backprop'), solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } },
      new Rng(1),
    );
    const z0 = randomArray(new Rng(2), 16 * 3);
    const failing = () => {
      throw new Error('loss failed on purpose');
    };
    for (let i = 0; i < 40; i++) {
      let error: Error | undefined;
      try {
        await pool.objectiveAt(model, z0, [1], failing);
      } catch (e) {
        error = e as Error;
      }
      assert.match(error?.message ?? '', /loss failed on purpose/, `call ${i}: ${error?.message}`);
    }
    const square = (zs: Float64Array) => ({ value: zs.reduce((s, v) => s + v * v, 0), gradient: zs.map((v) => 2 * v) });
    const pooled = await pool.objectiveAt(model, z0, [1], square);
    assert.ok(Number.isFinite(pooled.loss));
  } finally {
    await pool.close();
  }
});
test.run();
