// A batch whose solve could not fit the runtime's maximum memory is refused before any work: the
// arena neither grows nor allocates, and f is never evaluated (a 1e8 × 2 batch used to run for a
// minute and take ~6 GB before ArenaExhaustedError).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArenaExhaustedError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { odeint } from '../../src/ode/index.js';

const MAX = 64 * 2 ** 20;
const rows = 1_500_000; // × 2 values × 8 bytes = 24 MB: the state, a trial state and one stage exceed 64 MB
const z0 = new Float64Array(rows * 2).fill(0.5);

function refusedBeforeWork(rt: ReturnType<typeof createRuntimeSync>, run: () => unknown): void {
  const capacity = rt.arena.capacityBytes,
    used = rt.arena.usedBytes;
  assert.throws(
    run,
    (e: unknown) =>
      e instanceof ArenaExhaustedError &&
      /batch of 1500000 rows × 2 values needs at least 72000000 bytes.*maxMemoryBytes/.test((e as Error).message),
  );
  assert.is(rt.arena.capacityBytes, capacity, 'memory did not grow');
  assert.is(rt.arena.usedBytes, used, 'nothing was allocated');
}

test('NeuralOde.predict and objective, Model.predict: refused before the dynamics are built or f evaluated', () => {
  const rt = createRuntimeSync({ maxMemoryBytes: MAX });
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 4, 2], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } },
    new Rng(1),
  );
  let evaluations = 0;
  refusedBeforeWork(rt, () =>
    model.predict(z0, {
      onEvaluation: () => {
        evaluations++;
      },
    }),
  );
  refusedBeforeWork(rt, () => model.objective(z0, z0));
  refusedBeforeWork(rt, () => new Model(rt, { blocks: [model] }).predict(z0));
  assert.is(evaluations, 0);
  model.predict(z0.subarray(0, 2000)); // a batch that fits still runs
});

test('odeint refuses such a batch before solving', () => {
  const rt = createRuntimeSync({ maxMemoryBytes: MAX });
  let evaluations = 0;
  refusedBeforeWork(rt, () =>
    odeint(
      () => {
        evaluations++;
      },
      { data: z0, rows, cols: 2 },
      [0, 1],
      { runtime: rt },
    ),
  );
  assert.is(evaluations, 0);
});

test.run();
