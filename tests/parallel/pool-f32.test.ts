// A worker pool of float32 runtimes (createWorkerPool's runtime.dtype): an f32 model's pooled loss and
// gradient on a fixed grid equal its single-thread ones to f32 rounding (the shards' sums differ in
// order: 1e-5 relative), and a model of the other dtype is refused rather than computed in a precision
// it does not have.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { createWorkerPool } from '../../src/parallel/pool.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const config: NeuralOdeConfig = {
  mlp: { widths: [3, 9, 3], activation: 'tanh' },
  terms: [{ kind: 'taylor', order: 2, lambda: 0.05 }],
  solver: { method: 'rk4', steps: 6 },
};

test('an f32 pool: pooled loss and gradient of an f32 model match its single-thread ones; an f64 model is refused', async () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const pool = await createWorkerPool({ workers: 2, runtime: { dtype: 'float32' } });
  try {
    const model = NeuralOde.create(rt32, config, new Rng(1));
    const rng = new Rng(2);
    const x = randomArray(rng, 7 * 3),
      target = randomArray(rng, 7 * 3);
    const single = model.objective(x, target);
    const expected = model.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
    const pooled = await pool.objective(model, x, target);
    assertClose(
      model.params.flatMap((p) => Array.from(p.grad.toFloat64Array())),
      expected,
      1e-5,
      'gradient',
    );
    assertClose([pooled.loss, pooled.regularizers.r2], [single.loss, single.regularizers.r2], 1e-5, 'loss, R_2');
    const m64 = NeuralOde.create(createRuntimeSync(), config, new Rng(1));
    let error: Error | undefined;
    await pool.objective(m64, x, target).catch((e: Error) => {
      error = e;
    });
    assert.match(String(error?.message), /model: expected a model in a float32 runtime.*got "a float64 model"/);
  } finally {
    await pool.close();
  }
});

test('a bad runtime.dtype is refused by name', async () => {
  let error: Error | undefined;
  await createWorkerPool({ workers: 1, runtime: { dtype: 'f32' as never } }).catch((e: Error) => {
    error = e;
  });
  assert.match(String(error?.message), /runtime.dtype: expected one of "float64", "float32", got "f32"/);
});

test('an f32 pool with shared steps (dopri5): pooled NFE equal, loss and gradient to f32 rounding of the single thread', async () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const pool = await createWorkerPool({ workers: 2, runtime: { dtype: 'float32' }, stepSizes: 'shared' });
  try {
    const model = NeuralOde.create(
      rt32,
      { ...config, solver: { method: 'dopri5', rtol: 1e-3, atol: 1e-3 } },
      new Rng(1),
    );
    const rng = new Rng(3);
    const x = randomArray(rng, 8 * 3, -2, 2),
      target = randomArray(rng, 8 * 3);
    const single = model.objective(x, target);
    const expected = model.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
    const pooled = await pool.objective(model, x, target);
    assert.is(pooled.nfeForward, single.nfeForward, 'the same steps');
    assertClose(
      model.params.flatMap((p) => Array.from(p.grad.toFloat64Array())),
      expected,
      1e-5,
      'gradient',
    );
    assertClose([pooled.loss, pooled.regularizers.r2], [single.loss, single.regularizers.r2], 1e-5, 'loss, R_2');
  } finally {
    await pool.close();
  }
});

test.run();
