// NeuralOde.objectiveAt: a masked loss on z at several times (some inside steps, some at step ends,
// t0 and t1) through the MLP neural ODE with all regularisers; the replay's gradients against central
// differences on the recorded grid, the adjoint's against the replay to the solver tolerance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { adjointGradient } from '../../src/gradients/adjoint-solve.js';
import { ArgumentError } from '../../src/errors.js';
import { parameterAndInputDifferences, relativeError, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const TIMES = [0, 0.13, 0.25, 0.4, 0.77, 1];
const BATCH = 3,
  D = 2;
const data = (() => {
  const rng = new Rng(21);
  const size = TIMES.length * BATCH * D;
  const mask = Float64Array.from({ length: size }, () => (rng.uniform() < 0.6 ? 1 : 0));
  const target = randomArray(rng, size, -1, 1).map((v, i) => (mask[i] ? v : NaN)); // missing: NaN
  return { z0: randomArray(rng, BATCH * D, -1.5, 1.5), target, mask };
})();
const loss = maskedMseLoss(data.target, data.mask);

function model(config: Partial<NeuralOdeConfig>): NeuralOde {
  return NeuralOde.create(
    rt,
    {
      mlp: { widths: [D, 7, D], activation: 'tanh' },
      regularizers: { order: 3, lambda: 0.3, kinetic: 0.2, jacobian: 0.1 },
      ...config,
    },
    new Rng(5),
  );
}

const grads = (m: NeuralOde) => m.params.flatMap((p) => Array.from(p.grad.data));

function assertMatchesFiniteDifferences(m: NeuralOde, zbar0: Float64Array, grid?: ArrayLike<number>, h = 1e-6): void {
  const params = grads(m);
  const value = (z0: Float64Array) => m.objectiveAt(z0, TIMES, loss, { gradient: false, rng: new Rng(1), grid }).loss;
  const { params: fdParams, z0: fdZ0 } = parameterAndInputDifferences(m.params, data.z0, value, h);
  const ep = relativeError(params, fdParams),
    ez = relativeError(zbar0, fdZ0);
  assert.ok(ep < 1e-7, `parameter gradient relative error ${ep}`);
  assert.ok(ez < 1e-7, `z0 gradient relative error ${ez}`);
}

test('maskedMseLoss is the mean over observed entries, NaN targets where missing ignored', () => {
  const zs = randomArray(new Rng(4), data.target.length);
  const { value, gradient } = loss(zs, { times: TIMES.length, batch: BATCH, d: D });
  let sum = 0,
    count = 0;
  data.mask.forEach((o, i) => {
    if (o) {
      sum += (zs[i] - data.target[i]) ** 2;
      count++;
    }
  });
  assert.ok(count > 0 && count < data.mask.length, 'some entries missing');
  assert.ok(Math.abs(value - sum / count) < 1e-15 * (sum / count));
  gradient.forEach((g, i) =>
    assert.ok(Math.abs(g - (data.mask[i] ? (2 * (zs[i] - data.target[i])) / count : 0)) < 1e-15),
  );
});

test('rk4 on 4 steps (Hermite dense output with f(t1, y1); outputs at t0, inside steps, at a step end, at t1): checkpoint gradient vs finite differences', () => {
  const m = model({ solver: { method: 'rk4', steps: 4 } });
  const r = m.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
  assert.is(r.zs.length, TIMES.length * BATCH * D);
  assert.equal(Array.from(r.zs.subarray(0, BATCH * D)), Array.from(data.z0), 'z at t0 is z0');
  assert.equal(Array.from(r.zs.subarray((TIMES.length - 1) * BATCH * D)), Array.from(r.z1), 'z at t1 is z1');
  // Outputs inside steps 0, 1, 3: each also replays f(t1, y1).
  assert.is(r.nfeBackward, 4 * 4 + 3);
  assertMatchesFiniteDifferences(m, r.zbar0!);
});

for (const method of ['dopri5', 'fehlberg45'] as const) {
  test(`${method} with accept/reject held fixed: checkpoint gradient vs finite differences on the recorded grid`, () => {
    const m = model({ solver: { method, rtol: 1e-7, atol: 1e-7 } });
    const r = m.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
    const grid = [...r.steps!.t, 1];
    assert.ok(grid.length >= 4, `several steps (${grid.length - 1})`);
    const adaptive = grads(m);
    const again = m.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1), grid });
    assert.ok(Math.abs(again.loss - r.loss) < 1e-13 * r.loss, 'same loss on the recorded grid');
    assert.ok(relativeError(grads(m), adaptive) < 1e-12, 'same gradient on the recorded grid');
    assertMatchesFiniteDifferences(m, again.zbar0!, grid);
  });
}

for (const method of ['dopri5', 'bosh3'] as const) {
  test(`adjoint with outputs agrees with the replay to the solver tolerance (${method})`, () => {
    const solver = { method, rtol: 1e-10, atol: 1e-10 };
    const a = model({ solver, gradient: 'adjoint' });
    const d = model({ solver });
    const ra = a.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
    const rd = d.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
    assert.is(ra.loss, rd.loss);
    const ep = relativeError(grads(a), grads(d)),
      ez = relativeError(ra.zbar0!, rd.zbar0!);
    assert.ok(ep < 1e-6, `parameters: relative difference ${ep}`);
    assert.ok(ez < 1e-6, `z0: relative difference ${ez}`);
    // Not vacuous: the replay without the outputs inside (the t1 output alone) is far off.
    const last = data.mask.map((o, i) => (i >= (TIMES.length - 1) * BATCH * D ? o : 0));
    d.objectiveAt(data.z0, TIMES, maskedMseLoss(data.target, last), { rng: new Rng(1) });
    assert.ok(relativeError(grads(d), grads(a)) > 1e-2, 'the outputs inside [t0, t1] matter');
  });
}

test('adjoint on a fixed rk4 grid cut at the output times converges to the replay gradient', () => {
  const diff = (steps: number) => {
    const a = model({ solver: { method: 'rk4', steps }, gradient: 'adjoint' });
    const d = model({ solver: { method: 'rk4', steps } });
    a.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
    d.objectiveAt(data.z0, TIMES, loss, { rng: new Rng(1) });
    return relativeError(grads(a), grads(d));
  };
  const coarse = diff(5),
    fine = diff(40);
  assert.ok(fine < 1e-6, `40 steps: ${fine}`);
  assert.ok(coarse / fine > 100, `convergence of the difference: ${coarse} → ${fine}`);
});

test('objectiveAt at t1 alone with an unmasked MSE is objective (to rounding)', () => {
  for (const gradient of ['checkpoint', 'adjoint'] as const) {
    const m = model({ solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 }, gradient });
    const target = data.target.subarray(0, BATCH * D).map((v, i) => (Number.isNaN(v) ? i / 7 : v));
    const at = m.objectiveAt(data.z0, [1], maskedMseLoss(target), { rng: new Rng(1) });
    const atGrads = grads(m);
    const plain = m.objective(data.z0, target, { rng: new Rng(1) });
    // Equal to rounding: maskedMseLoss sums in TypeScript, mseLoss on the tape.
    assert.ok(Math.abs(at.loss - plain.loss) < 1e-15 * plain.loss, gradient);
    assert.ok(relativeError(atGrads, grads(m)) < 1e-13, gradient);
    assert.ok(relativeError(at.zbar0!, plain.zbar0!) < 1e-13, gradient);
  }
});

test('bad times, losses, masks and adjoint outputs are refused by name', () => {
  const m = model({ solver: { method: 'rk4', steps: 2 } });
  const named = (run: () => unknown, what: RegExp) =>
    assert.throws(run, (e: Error) => what.test(e.message), String(what));
  const at =
    (times: unknown, l: unknown = loss) =>
    () =>
      m.objectiveAt(data.z0, times as number[], l as typeof loss, { rng: new Rng(1) });
  named(at([0.5, 0.2]), /^times\[1\]: expected times monotone in the solve's direction \(not below 0.5\), got 0.2/);
  named(at([0.5, 1.5]), /^times\[1\]: expected a time within the solve's \[0, 1\], got 1.5/);
  named(at([]), /^times: expected at least one output time/);
  named(at(7), /^times: expected an array of times/);
  named(at([0.5], 'mse'), /^loss: expected a function/);
  named(
    at([0.5], () => ({ value: 0, gradient: new Float64Array(2) })),
    /loss: its gradient holds 2 values, zs holds 6/,
  );
  named(at(TIMES.slice(1)), /^target: expected 30 values \(\[times, batch, D\] = \[5, 3, 2\]\), got 36/);
  named(
    () => maskedMseLoss(data.target, new Float64Array(3)),
    /^mask: expected a Float64Array of 36 values like target/,
  );
  named(
    () =>
      maskedMseLoss(
        data.target,
        data.mask.map((v) => v / 2),
      ),
    /^mask\[\d+\]: expected 0 \(missing\) or 1 \(observed\)/,
  );
  named(() => maskedMseLoss(data.target), /^target\[\d+\]: expected a finite value where observed, got NaN/);
  const dyn = m.dynamics(BATCH, true);
  const z = new Float64Array(BATCH * D);
  const adjoint = (outputs: unknown) => () =>
    adjointGradient(
      rt,
      dyn,
      m.params,
      z,
      z,
      new Float64Array(3),
      0,
      1,
      m.solveOptions({ method: 'rk4', steps: 2 }),
      outputs as never,
    );
  named(
    adjoint({ times: [0.5], cotangents: [new Float64Array(9)] }),
    /^outputs.cotangents\[0\]: expected a Float64Array of 6 values/,
  );
  named(
    adjoint({ times: [0.5], cotangents: [z], states: [z, z] }),
    /^outputs.states: expected an array of one state per time \(1\), got 2/,
  );
  named(
    adjoint({ times: [0.5], cotangents: [z], states: [new Float64Array(5)] }),
    /^outputs.states\[0\]: expected a Float64Array of 6 values/,
  );
  named(adjoint({ times: [2], cotangents: [z] }), /^outputs.times\[0\]: expected a time within the solve's \[0, 1\]/);
  assert.throws(adjoint({ times: [0.5, 0.4], cotangents: [z, z] }), (e: Error) => e instanceof ArgumentError);
});

test.run();
