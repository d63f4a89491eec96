// Gradients of the full regularised objective through the solver against finite differences,
// and the continuous adjoint against discretise-then-optimise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { adjointGradient } from '../../src/gradients/adjoint-solve.js';
import { parameterAndInputDifferences, relativeError, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const data = (() => {
  const rng = new Rng(77);
  return { z0: randomArray(rng, 6, -1.5, 1.5), target: randomArray(rng, 6, -1, 1) };
})();

function model(config: Partial<NeuralOdeConfig>, activation: 'tanh' | 'sigmoid' = 'tanh'): NeuralOde {
  return NeuralOde.create(
    rt,
    {
      mlp: { widths: [2, 7, 2], activation },
      regularizers: { order: 3, lambda: 0.3, kinetic: 0.2, jacobian: 0.1 },
      ...config,
    },
    new Rng(5),
  );
}

/** Central differences of the objective w.r.t. every parameter and z0 (same ε via a fresh Rng(1) each time). */
function finiteDifferences(m: NeuralOde, grid?: ArrayLike<number>, h = 1e-6): { params: number[]; z0: number[] } {
  const loss = (z0: Float64Array) => m.objective(z0, data.target, { gradient: false, rng: new Rng(1), grid }).loss;
  return parameterAndInputDifferences(m.params, data.z0, loss, h);
}

const grads = (m: NeuralOde) => m.params.flatMap((p) => Array.from(p.grad.data));

/** The gradients `objective` left in the parameters and in zbar0 match central differences to 1e-7. */
function assertMatchesFiniteDifferences(
  m: NeuralOde,
  zbar0: Float64Array | undefined,
  grid?: ArrayLike<number>,
  params = grads(m),
): void {
  const fd = finiteDifferences(m, grid);
  const ep = relativeError(params, fd.params);
  const ez = relativeError(zbar0!, fd.z0);
  assert.ok(ep < 1e-7, `parameter gradient relative error ${ep}`);
  assert.ok(ez < 1e-7, `z0 gradient relative error ${ez}`);
}

for (const activation of ['tanh', 'sigmoid'] as const) {
  test(`rk4 on 4 steps (${activation}): gradient of MSE + R_3 + kinetic + Jacobian vs finite differences`, () => {
    const m = model({ solver: { method: 'rk4', steps: 4 } }, activation);
    const r = m.objective(data.z0, data.target, { rng: new Rng(1) });
    assert.ok(r.regularizers.r3 > 0 && r.regularizers.kinetic > 0 && r.regularizers.jacobian > 0);
    assert.is(r.nfeForward, 16);
    assert.is(r.nfeBackward, 16);
    assertMatchesFiniteDifferences(m, r.zbar0);
  });
}

for (const regularizers of [{}, { kinetic: 0.2, jacobian: 0.1 }]) {
  test(`rk4 on 4 steps without R_K (${JSON.stringify(regularizers)}): gradient vs finite differences (the plain program's kept values)`, () => {
    const m = model({ solver: { method: 'rk4', steps: 4 }, regularizers });
    const r = m.objective(data.z0, data.target, { rng: new Rng(1) });
    assert.is(r.nfeBackward, 16);
    assertMatchesFiniteDifferences(m, r.zbar0);
  });
}

test('dopri5 with accept/reject decisions held fixed: gradient vs finite differences on the same steps', () => {
  const m = model({ solver: { method: 'dopri5', rtol: 1e-8, atol: 1e-8 } });
  const r = m.objective(data.z0, data.target, { rng: new Rng(1) });
  const steps = r.steps!;
  assert.ok(steps.t.length >= 3, `several accepted steps (${steps.t.length})`);
  const grid = [...steps.t, 1];
  const adaptive = grads(m);
  // The replay of the adaptive solve and the fixed-grid solve on its steps give the same gradient.
  const again = m.objective(data.z0, data.target, { rng: new Rng(1), grid });
  assert.ok(Math.abs(again.loss - r.loss) < 1e-13 * Math.abs(r.loss), 'same loss on the recorded grid');
  assert.ok(relativeError(grads(m), adaptive) < 1e-12, 'same gradient on the recorded grid');
  assertMatchesFiniteDifferences(m, r.zbar0, grid, adaptive);
  // dopri5's 7th (FSAL) stage has b = 0 and feeds nothing: the replay evaluates 6 stages per step.
  assert.is(r.nfeBackward, 6 * steps.t.length);
});

test('rk4 on 3 steps: gradient vs finite differences, and the adjoint agrees with replay', () => {
  const m = model({ solver: { method: 'rk4', steps: 3 } });
  const r = m.objective(data.z0, data.target, { rng: new Rng(1) });
  assertMatchesFiniteDifferences(m, r.zbar0);
  const solver = { method: 'dopri5' as const, rtol: 1e-9, atol: 1e-9 };
  const a = model({ solver, gradient: 'adjoint' });
  a.objective(data.z0, data.target, { rng: new Rng(1) });
  const d = model({ solver });
  d.objective(data.z0, data.target, { rng: new Rng(1) });
  assert.ok(relativeError(grads(a), grads(d)) < 1e-5);
});

test('a finite-difference mismatch is detectable: dropping a regulariser from the gradient fails the check', () => {
  const m = model({ solver: { method: 'rk4', steps: 3 } });
  const fd = finiteDifferences(m);
  const other = model({ solver: { method: 'rk4', steps: 3 }, regularizers: { order: 3, lambda: 0.3, kinetic: 0.2 } });
  other.objective(data.z0, data.target, { rng: new Rng(1) });
  assert.ok(relativeError(grads(other), fd.params) > 1e-4);
});

for (const method of ['dopri5', 'bosh3'] as const) {
  test(`continuous adjoint agrees with discretise-then-optimise to the solver tolerance (${method})`, () => {
    const solver = { method, rtol: 1e-10, atol: 1e-10 };
    const a = model({ solver, gradient: 'adjoint' });
    const d = model({ solver, gradient: 'checkpoint' });
    const ra = a.objective(data.z0, data.target, { rng: new Rng(1) });
    const rd = d.objective(data.z0, data.target, { rng: new Rng(1) });
    assert.is(ra.loss, rd.loss);
    const ep = relativeError(grads(a), grads(d));
    const ez = relativeError(ra.zbar0!, rd.zbar0!);
    assert.ok(ep < 1e-6, `parameters: relative difference ${ep}`);
    assert.ok(ez < 1e-6, `z0: relative difference ${ez}`);
    assert.ok(ra.nfeBackward > 0 && ra.checkpointBytes === 0 && rd.checkpointBytes > 0);
    // Looser tolerance: the two differ by more, yet still at the tolerance's scale.
    const loose = { method, rtol: 1e-4, atol: 1e-4 };
    const la = model({ solver: loose, gradient: 'adjoint' });
    const ld = model({ solver: loose });
    const qa = la.objective(data.z0, data.target, { rng: new Rng(1) });
    ld.objective(data.z0, data.target, { rng: new Rng(1) });
    const el = relativeError(grads(la), grads(ld));
    assert.ok(el < 1e-2, `loose: ${el}`);
    assert.ok(qa.nfeBackward > 0);
  });
}

test('adjoint on a fixed rk4 grid (solved back on the reversed grid) converges to the replay gradient', () => {
  const diff = (steps: number) => {
    const a = model({ solver: { method: 'rk4', steps }, gradient: 'adjoint' });
    const d = model({ solver: { method: 'rk4', steps } });
    a.objective(data.z0, data.target, { rng: new Rng(1) });
    d.objective(data.z0, data.target, { rng: new Rng(1) });
    return relativeError(grads(a), grads(d));
  };
  const coarse = diff(5),
    fine = diff(20);
  assert.ok(fine < 1e-6, `20 steps: ${fine}`);
  assert.ok(coarse / fine > 30, `fourth-order convergence of the difference: ${coarse} → ${fine}`);
});

test('a model first used inside an arena scope gives the same objective and gradient afterwards', () => {
  // Its per-batch working buffers must not live in the caller's scope: after the scope ends, the
  // solver's own buffers would be placed over them.
  for (const gradient of ['checkpoint', 'adjoint'] as const) {
    const first = model({ gradient, solver: { method: 'rk4', steps: 3 } });
    const fresh = model({ gradient, solver: { method: 'rk4', steps: 3 } });
    rt.arena.scope(() => first.objective(data.z0, data.target, { rng: new Rng(1) }));
    const got = first.objective(data.z0, data.target, { rng: new Rng(1) });
    const gotGrads = grads(first);
    const want = fresh.objective(data.z0, data.target, { rng: new Rng(1) });
    assert.equal([got.loss, got.regularizers], [want.loss, want.regularizers], gradient);
    assert.equal(gotGrads, grads(fresh), gradient);
    assert.equal(Array.from(got.zbar0!), Array.from(want.zbar0!), gradient);
  }
});

test('checkpoint memory grows with the accepted steps', () => {
  const m = model({ solver: { method: 'rk4', steps: 5 } });
  const r5 = m.objective(data.z0, data.target, { rng: new Rng(1) });
  const m10 = model({ solver: { method: 'rk4', steps: 10 } });
  const r10 = m10.objective(data.z0, data.target, { rng: new Rng(1) });
  const state = 3 * 2 + 3; // batch × D + three integrals
  assert.is(r5.checkpointBytes, 5 * state * 8);
  assert.is(r10.checkpointBytes, 10 * state * 8);
});

test('bad configuration and data are named', () => {
  assert.throws(
    () => model({ solver: { method: 'rk4' } }),
    /solver.steps: expected a step count for the fixed-step method rk4/,
  );
  assert.throws(() => model({ solver: { method: 'nope' as 'rk4' } }), /solver.method: expected one of/);
  assert.throws(() => model({ gradient: 'magic' as 'adjoint' }), /gradient: expected one of "checkpoint", "adjoint"/);
  assert.throws(() => model({ regularizers: { order: 9 } }), /regularizers.order: expected an integer K in 1..8/);
  assert.throws(() => model({ regularizers: { lambda: 1 } }), /regularizers.order/);
  assert.throws(() => model({ t0: NaN }), /^t0: expected a finite start time, got NaN/);
  assert.throws(() => model({ t0: '0' as unknown as number }), /^t0: expected a finite start time/);
  assert.throws(() => model({ t1: Infinity }), /^t1: expected a finite end time different from t0 = 0/);
  assert.throws(() => model({ t1: 0 }), /^t1: expected a finite end time different from t0 = 0/);
  assert.throws(
    () => model({ backend: 'js' } as Partial<NeuralOdeConfig>),
    /backend: expected no such option \(removed/,
  );
  const m = model({});
  assert.throws(() => m.objective(data.z0, data.target), /rng: expected an Rng/);
  assert.throws(
    () => m.objective(new Float64Array(3), new Float64Array(3)),
    /z0: expected a Float64Array of batch × 2 values, got 3/,
  );
  assert.throws(
    () => m.objective(data.z0, new Float64Array(4), { rng: new Rng(1) }),
    /target holds 4 values, z0 holds 6/,
  );
  // The adjoint's inputs must match the augmented dynamics (batch 3 × D 2, terms r3, kinetic, jacobian).
  const dyn = m.dynamics(3, true);
  const [z1, three] = [new Float64Array(6), new Float64Array(3)];
  const adjoint = (z: Float64Array, zbar: Float64Array, terms: Float64Array) => () =>
    adjointGradient(rt, dyn, m.params, z, zbar, terms, 0, 1, m.solveOptions({ method: 'rk4', steps: 2 }));
  assert.throws(adjoint(new Float64Array(4), z1, three), /^z1: expected 6 values/);
  assert.throws(adjoint(z1, new Float64Array(5), three), /^zbar1: expected 6 values/);
  assert.throws(adjoint(z1, z1, new Float64Array(2)), /^termCotangents: expected 3 values/);
  const bad = data.z0.slice();
  bad[2] = NaN;
  assert.throws(() => m.objective(bad, data.target, { rng: new Rng(1) }), /z0\[2\]: expected a finite initial state/);
});

test.run();
