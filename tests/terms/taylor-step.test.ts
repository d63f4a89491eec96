// R_K's per-step estimators (src/terms/taylor-step.ts): 'stepRandom' (one uniform time per accepted
// step, on the step's dense output) and 'stepStart' (a left Riemann sum), evaluated in the backward pass.
// Their values against the exact integral ('stages'), the per-step value against a direct evaluation at
// the dense output, their gradients against f64 central differences with the draws (same seed) and the
// steps (the recorded steps passed back as a grid) held fixed, backprop against checkpoint, and the
// configurations they refuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { taylorRegulariser } from '../../src/terms/integrands.js';
import type { TaylorEstimator } from '../../src/terms/terms.js';
import { parameterAndInputDifferences, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const mlp = { widths: [2, 8, 2], activation: 'tanh' as const };

/** A small MLP (weights doubled so that R_3 is far from 0) with R_3 by `estimator`. */
function model(estimator: TaylorEstimator, config: Omit<NeuralOdeConfig, 'mlp'> = {}, lambda = 0.1): NeuralOde {
  const m = NeuralOde.create(
    rt,
    { mlp, terms: [{ kind: 'taylor', order: 3, lambda, estimator }], ...config },
    new Rng(5),
  );
  for (const p of m.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 2 * v));
  return m;
}

const z0 = Float64Array.from([1, -0.5, 0.3, 0.8, -1.2, 0.1]);
const target = new Float64Array(6);
const exactR3 = () =>
  model('stages', { solver: { rtol: 1e-11, atol: 1e-11 } }).objective(z0, target, { gradient: false }).regularizers.r3;

test('stepRandom is unbiased: its mean over 500 seeds is the exact integral within 4 standard errors', () => {
  const exact = exactR3();
  // (at rtol 1e-6 the dense output is within ~1e-6 of the solution: its integral is the exact one here)
  const m = model('stepRandom', { solver: { rtol: 1e-6, atol: 1e-6 } });
  const values = Array.from(
    { length: 500 },
    (_, s) => m.objective(z0, target, { rng: new Rng(1000 + s) }).regularizers.r3,
  );
  const mean = values.reduce((a, b) => a + b) / values.length;
  const se = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) / values.length);
  assert.ok(se > 0, 'the estimate varies with the seed');
  assert.ok(se < 0.03 * exact, `a precise test: standard error ${se} of ${exact}`);
  assert.ok(Math.abs(mean - exact) < 4 * se, `mean ${mean} vs exact ${exact} (standard error ${se})`);
});

test("stepRandom: each step adds |h|·r(τ, z(τ)) at τ = t + u·h, z(τ) the dense output, u the Rng's draw for the step", () => {
  const steps = 3;
  const m = model('stepRandom', { solver: { method: 'dopri5', steps } });
  const r = m.objective(z0, target, { rng: new Rng(7) });
  const u = new Rng(7).fill(new Float64Array(steps)); // no other term draws: the steps' draws come first
  let expected = 0;
  for (let j = 0; j < steps; j++) {
    const tau = (j + u[j]) / steps;
    const z = m.predict(z0, { times: [tau] }).zs;
    const value = rt.arena.scope(() => taylorRegulariser(m.vectorField, tau, Tensor.from(rt.arena, z, 3, 2), 3).value);
    expected += value / (3 * 2) / steps;
  }
  assert.ok(Math.abs(r.regularizers.r3 - expected) < 1e-12 * expected, `${r.regularizers.r3} vs ${expected}`);
  assert.ok(Math.abs(r.loss - r.dataLoss - 0.1 * r.regularizers.r3) < 1e-14, 'λ·R_3 is in the loss');
});

test('stepStart is a left Riemann sum: its error against the exact integral halves with the step (first order)', () => {
  const exact = exactR3();
  const m = model('stepStart');
  const error = (n: number) =>
    m.objective(z0, target, { grid: Array.from({ length: n + 1 }, (_, i) => i / n) }).regularizers.r3 - exact;
  const errors = [128, 256, 512].map(error);
  assert.ok(Math.abs(errors[0]) > 1e-5, `a visible bias (${errors[0]})`);
  for (let i = 1; i < errors.length; i++) {
    const ratio = errors[i - 1] / errors[i];
    assert.ok(ratio > 1.7 && ratio < 2.3, `error ratio ${ratio} (errors ${errors.join(', ')})`);
  }
});

test('the forward solve carries z alone: plain NFE, and R_K is reported only where a gradient is taken', () => {
  const solver = { rtol: 1e-5, atol: 1e-5 };
  const plain = NeuralOde.create(rt, { mlp, solver }, new Rng(5));
  for (const p of plain.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 2 * v));
  const m = model('stepStart', { solver });
  const a = plain.objective(z0, target),
    b = m.objective(z0, target);
  assert.is(b.nfeForward, a.nfeForward);
  assert.equal(Array.from(b.z1), Array.from(a.z1));
  assert.ok(b.regularizers.r3 > 0);
  assert.equal(m.objective(z0, target, { gradient: false }).regularizers, {});
});

const data = (() => {
  const rng = new Rng(77);
  return { z0: randomArray(rng, 6, -1.5, 1.5), target: randomArray(rng, 6, -1, 1) };
})();

/** The objective's gradient vs central differences of its value (every parameter and z0) on a fixed grid and seed. */
function checkGradient(estimator: TaylorEstimator, gradient: 'checkpoint' | 'backprop', tol = 1e-6) {
  const make = (lambda: number) =>
    model(estimator, { solver: { method: 'dopri5', rtol: 1e-4, atol: 1e-4 }, gradient }, lambda);
  const m = make(2);
  const first = m.objective(data.z0, data.target, { rng: new Rng(1) });
  const grid = [...first.steps!.t, first.steps!.tEnd!];
  assert.ok(grid.length > 3, 'several steps');
  const r = m.objective(data.z0, data.target, { rng: new Rng(1), grid });
  const analytic = m.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
  const zbar = Array.from(r.zbar0!);
  const loss = (z: Float64Array) => m.objective(z, data.target, { rng: new Rng(1), grid }).loss;
  const { params: fd, z0: fdZ } = parameterAndInputDifferences(m.params, data.z0, loss);
  const scale = Math.max(...fd.map(Math.abs), ...fdZ.map(Math.abs));
  const worst = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i]))) / scale;
  // The term must matter: without it the gradient is far from this one.
  const without = make(0);
  without.objective(data.z0, data.target, { rng: new Rng(1), grid });
  const plainGrad = without.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
  assert.ok(worst(plainGrad, fd) > 0.05, `${estimator}: R_3's share of the gradient (${worst(plainGrad, fd)})`);
  assert.ok(
    worst(analytic, fd) < tol,
    `${estimator} ${gradient}: parameters, max error ${worst(analytic, fd)} of ${scale}`,
  );
  assert.ok(worst(zbar, fdZ) < tol, `${estimator} ${gradient}: z0, max error ${worst(zbar, fdZ)}`);
}

test('stepRandom gradient = central differences with the seed and the steps held fixed (checkpoint, backprop)', () => {
  checkGradient('stepRandom', 'checkpoint');
  checkGradient('stepRandom', 'backprop');
});

test('stepRandom with a time series (outputs inside steps, reversed with the same steps): gradient = central differences', () => {
  const m = model('stepRandom', { solver: { method: 'dopri5', rtol: 1e-4, atol: 1e-4 } }, 2);
  const times = [0.3, 0.65, 1];
  const loss = maskedMseLoss(randomArray(new Rng(8), times.length * 6));
  const first = m.objectiveAt(data.z0, times, loss, { rng: new Rng(1) });
  const grid = [...first.steps!.t, first.steps!.tEnd!];
  assert.ok(grid.length > 3, 'several steps');
  const r = m.objectiveAt(data.z0, times, loss, { rng: new Rng(1), grid });
  const analytic = m.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
  const { params: fd, z0: fdZ } = parameterAndInputDifferences(
    m.params,
    data.z0,
    (z) => m.objectiveAt(z, times, loss, { rng: new Rng(1), grid }).loss,
  );
  const scale = Math.max(...fd.map(Math.abs), ...fdZ.map(Math.abs));
  const worst = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i]))) / scale;
  assert.ok(worst(analytic, fd) < 1e-6, `parameters, max error ${worst(analytic, fd)} of ${scale}`);
  assert.ok(worst(Array.from(r.zbar0!), fdZ) < 1e-6, `z0, max error ${worst(Array.from(r.zbar0!), fdZ)}`);
});

test('stepStart gradient = central differences with the steps held fixed (checkpoint, backprop)', () => {
  checkGradient('stepStart', 'checkpoint');
  checkGradient('stepStart', 'backprop');
});

test('backprop equals checkpoint: the same values and gradients (both estimators, beside a kinetic term)', () => {
  for (const estimator of ['stepRandom', 'stepStart'] as const) {
    const run = (gradient: 'checkpoint' | 'backprop') => {
      const m = NeuralOde.create(
        rt,
        {
          mlp,
          terms: [
            { kind: 'taylor', order: 2, lambda: 0.3, estimator },
            { kind: 'kinetic', lambda: 0.2 },
          ],
          solver: { rtol: 1e-5, atol: 1e-5, errorNorm: 'state' },
          gradient,
        },
        new Rng(5),
      );
      const r = m.objective(data.z0, data.target, { rng: new Rng(3) });
      return { r, grads: m.params.flatMap((p) => Array.from(p.grad.toFloat64Array())) };
    };
    const a = run('checkpoint'),
      b = run('backprop');
    assert.ok(a.r.regularizers.r2 > 0 && a.r.regularizers.kinetic > 0);
    assert.ok(Math.abs(a.r.regularizers.r2 - b.r.regularizers.r2) < 1e-12 * a.r.regularizers.r2, estimator);
    assert.ok(Math.abs(a.r.loss - b.r.loss) < 1e-12, estimator);
    const scale = Math.max(...a.grads.map(Math.abs));
    a.grads.forEach((g, i) =>
      assert.ok(Math.abs(g - b.grads[i]) < 1e-10 * scale, `${estimator}: gradient ${i}: ${g} vs ${b.grads[i]}`),
    );
    Array.from(a.r.zbar0!).forEach((g, i) => assert.ok(Math.abs(g - b.r.zbar0![i]) < 1e-10, `${estimator}: z̄0[${i}]`));
  }
});

test("a Model block with stepRandom: the times come from the objective's rng, the value is reported after its backward", () => {
  const block: NeuralOdeConfig = {
    mlp,
    terms: [{ kind: 'taylor', order: 3, lambda: 0.1, estimator: 'stepRandom' }],
    solver: { method: 'dopri5', steps: 3 },
  };
  const m = Model.create(rt, { blocks: [block] }, new Rng(2));
  const a = m.objective(z0, target, { rng: new Rng(4) }),
    b = m.objective(z0, target, { rng: new Rng(4) }),
    c = m.objective(z0, target, { rng: new Rng(5) });
  assert.ok(a.regularizers.r3 > 0);
  assert.is(b.regularizers.r3, a.regularizers.r3, 'the same seed, the same times');
  assert.is.not(c.regularizers.r3, a.regularizers.r3, 'another seed, other times');
  assert.ok(Math.abs(a.loss - a.dataLoss - 0.1 * a.regularizers.r3) < 1e-14);
});

test('f32: both estimators agree with f64 to f32 rounding (same weights, seed and steps)', () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  for (const estimator of ['stepRandom', 'stepStart'] as const) {
    const config: NeuralOdeConfig = {
      mlp,
      terms: [{ kind: 'taylor', order: 3, lambda: 0.1, estimator }],
      solver: { method: 'dopri5', steps: 4 },
    };
    const m64 = NeuralOde.create(rt, config, new Rng(5)),
      m32 = NeuralOde.create(rt32, config, new Rng(5));
    const a = m64.objective(z0, target, { rng: new Rng(6) }),
      b = m32.objective(z0, target, { rng: new Rng(6) });
    assert.ok(
      Math.abs(b.regularizers.r3 - a.regularizers.r3) < 1e-5 * a.regularizers.r3,
      `${estimator}: ${b.regularizers.r3} vs ${a.regularizers.r3}`,
    );
    const g64 = m64.params.flatMap((p) => Array.from(p.grad.toFloat64Array())),
      g32 = m32.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
    const scale = Math.max(...g64.map(Math.abs));
    g64.forEach((g, i) => assert.ok(Math.abs(g - g32[i]) < 1e-5 * scale, `${estimator}: gradient ${i}`));
  }
});

test('the per-step estimators refuse what they cannot work with, by name', () => {
  const with_ =
    (estimator: unknown, rest: Partial<NeuralOdeConfig> = {}) =>
    () =>
      NeuralOde.create(rt, { mlp, terms: [{ kind: 'taylor', order: 3, estimator } as never], ...rest }, new Rng(0));
  assert.throws(
    with_('stepRandom', { gradient: 'adjoint' }),
    /^gradient: expected 'checkpoint' or 'backprop' \(a taylor term with estimator 'stepRandom'/,
  );
  assert.throws(with_('stepStart', { gradient: 'adjoint' }), /^gradient: .*estimator 'stepStart'/);
  assert.throws(with_('midpoint'), /^terms\[0\]\.estimator: expected one of stages, stepRandom, stepStart/);
  // rk4's dense output (Hermite) reads f at the step's end, which its stages do not hold.
  assert.throws(with_('stepRandom', { solver: { method: 'rk4', steps: 4 } }), /^solver\.method: .*dense output/);
  with_('stepStart', { solver: { method: 'rk4', steps: 4 } })(); // a fixed grid is fine: no error estimate is read
  with_('stages', { gradient: 'adjoint' })();
  // The random times come from the objective's Rng.
  const m = model('stepRandom');
  assert.throws(() => m.objective(z0, target), /^rng: expected an Rng/);
});

test.run();
