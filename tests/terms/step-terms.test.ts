// ERNODE's and SRNODE's step terms: known answers on a linear ODE, a plain-TS reference of the error
// ratio, and their gradients (through the replay) against f64 central differences with the accepted
// steps held fixed (the first solve's steps replayed as a grid).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { TABLEAUS } from '../../src/ode/tableaus.js';
import type { TermConfig } from '../../src/terms/terms.js';
import { parameterAndInputDifferences, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();

/** f = a·z: one linear layer [D, D] with the time column and bias zeroed. */
function linearModel(a: number, d: number, terms: TermConfig[], solver: NeuralOdeConfig['solver'], t1 = 1): NeuralOde {
  const m = NeuralOde.create(rt, { mlp: { widths: [d, d], activation: 'tanh' }, terms, solver, t1 }, new Rng(0));
  const [weight, bias] = m.params;
  const w = new Float64Array(weight.value.size); // [out, in + 1], time last
  for (let i = 0; i < d; i++) w[i * (d + 1) + i] = a;
  weight.value.copyFrom(w);
  bias.value.copyFrom(new Float64Array(bias.value.size));
  return m;
}

test('stiffness: ρ = |a| on f = a·z at every step, so R_S = |a|·|t1 − t0| whatever the steps', () => {
  for (const [a, t1] of [
    [-3, 1],
    [2, 0.5],
    [-0.7, -2],
  ] as const) {
    const m = linearModel(a, 3, [{ kind: 'stiffness', lambda: 0.5 }], { method: 'dopri5', rtol: 1e-6, atol: 1e-6 }, t1);
    const z0 = Float64Array.from([1, -2, 0.5, 0.3, 0.1, -1]);
    const r = m.objective(z0, new Float64Array(6));
    assert.ok(r.forwardStats.acceptedSteps > 2, 'several steps');
    assert.ok(
      Math.abs(r.regularizers.stiffness - Math.abs(a * t1)) < 1e-10,
      `R_S = ${r.regularizers.stiffness}, expected ${Math.abs(a * t1)}`,
    );
    assert.ok(Math.abs(r.loss - r.dataLoss - 0.5 * r.regularizers.stiffness) < 1e-12, 'λ·R_S is in the loss');
  }
});

/** Plain-TS reference: one step of `tableau` on f = a·z (scalar per component), its error ratio and y1. */
function referenceErrorTerm(
  a: number,
  z0: Float64Array,
  steps: Float64Array,
  rtol: number,
  atol: number,
  method: 'dopri5' | 'bosh3' | 'fehlberg45',
): number {
  const tab = TABLEAUS[method];
  let y = Array.from(z0),
    total = 0;
  for (const h of steps) {
    const k: number[][] = [];
    for (let i = 0; i < tab.stages; i++)
      k.push(y.map((yc, c) => a * (yc + h * tab.a[i].reduce((s, aij, j) => s + aij * k[j][c], 0))));
    const y1 = y.map((yc, c) => yc + h * tab.b.reduce((s, bj, j) => s + bj * k[j][c], 0));
    const e = y.map((_, c) => h * tab.bError!.reduce((s, w, j) => s + w * k[j][c], 0));
    const ms =
      e.reduce((s, ec, c) => s + (ec / (atol + rtol * Math.max(Math.abs(y[c]), Math.abs(y1[c])))) ** 2, 0) / y.length;
    total += Math.sqrt(ms) * Math.abs(h);
    y = y1;
  }
  return total;
}

test('errorEstimate: Σ E_j·|h_j| equals a plain-TS reference of the embedded pair on f = a·z (dopri5, bosh3, fehlberg45)', () => {
  for (const method of ['dopri5', 'bosh3', 'fehlberg45'] as const) {
    const rtol = 1e-5,
      atol = 1e-6;
    const m = linearModel(-1.3, 2, [{ kind: 'errorEstimate', lambda: 1 }], { method, rtol, atol });
    const z0 = Float64Array.from([1.5, -0.4, 0.2, 2]);
    const r = m.objective(z0, new Float64Array(4));
    const steps = r.steps!;
    assert.ok(steps.h.length > 2);
    const ref = referenceErrorTerm(-1.3, z0, steps.h, rtol, atol, method);
    assert.ok(ref > 1e-3, `a term that matters (${ref})`);
    assert.ok(
      Math.abs(r.regularizers.errorEstimate - ref) < 1e-12 * Math.max(1, ref) + 1e-14,
      `${method}: ${r.regularizers.errorEstimate} vs ${ref}`,
    );
    // An accepted step has an error ratio ≤ 1, so R_E ≤ Σ|h| = |t1 − t0|.
    assert.ok(r.regularizers.errorEstimate <= 1 + 1e-12);
  }
});

const data = (() => {
  const rng = new Rng(77);
  return { z0: randomArray(rng, 6, -1.5, 1.5), target: randomArray(rng, 6, -1, 1) };
})();

/** The objective's gradient vs central differences of its value, every parameter and z0, on a fixed grid. */
function checkGradient(terms: TermConfig[], method: 'dopri5' | 'tsit5' | 'bosh3', tol = 1e-6) {
  const m = NeuralOde.create(
    rt,
    {
      mlp: { widths: [2, 7, 2], activation: 'tanh' },
      terms,
      solver: { method, rtol: 1e-4, atol: 1e-4, errorNorm: 'state' },
    },
    new Rng(5),
  );
  for (const p of m.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 2 * v));
  const first = m.objective(data.z0, data.target, { rng: new Rng(1) });
  const steps = first.steps!;
  const grid = [...steps.t, steps.tEnd!];
  assert.ok(grid.length > 3, 'several steps');
  const r = m.objective(data.z0, data.target, { rng: new Rng(1), grid });
  for (const t of terms)
    if (t.kind === 'errorEstimate' || t.kind === 'stiffness')
      assert.ok(r.regularizers[t.kind] > 1e-3, `${t.kind} matters (${r.regularizers[t.kind]})`);
  const analytic = m.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));
  const zbar = Array.from(r.zbar0!);
  // The value of the objective (step terms included) comes with a gradient solve; the grid holds the steps.
  const loss = (z0: Float64Array) => m.objective(z0, data.target, { rng: new Rng(1), grid }).loss;
  const { params: fd, z0: fdZ } = parameterAndInputDifferences(m.params, data.z0, loss);
  const scale = Math.max(...fd.map(Math.abs), ...fdZ.map(Math.abs));
  const worst = (x: number[], y: number[]) => Math.max(...x.map((v, i) => Math.abs(v - y[i]))) / scale;
  assert.ok(
    worst(analytic, fd) < tol,
    `${method} ${terms.map((t) => t.kind)}: parameters, max error ${worst(analytic, fd)} of ${scale}`,
  );
  assert.ok(worst(zbar, fdZ) < tol, `${method}: z0, max error ${worst(zbar, fdZ)}`);
}

test('errorEstimate gradient = central differences with the steps held fixed (dopri5, tsit5, bosh3)', () => {
  checkGradient([{ kind: 'errorEstimate', lambda: 0.7 }], 'dopri5');
  checkGradient([{ kind: 'errorEstimate', lambda: 0.7 }], 'tsit5');
  checkGradient([{ kind: 'errorEstimate', lambda: 0.7 }], 'bosh3');
});

test('stiffness gradient = central differences with the steps held fixed (dopri5, tsit5)', () => {
  checkGradient([{ kind: 'stiffness', lambda: 0.4 }], 'dopri5');
  checkGradient([{ kind: 'stiffness', lambda: 0.4 }], 'tsit5');
});

test('step terms combine with integral terms and each other in one replay', () => {
  checkGradient(
    [
      { kind: 'taylor', order: 2, lambda: 0.05 },
      { kind: 'errorEstimate', lambda: 0.3 },
      { kind: 'stiffness', lambda: 0.2 },
    ],
    'dopri5',
  );
});

test("lambdaScale multiplies the step terms' weight in the loss and the gradient", () => {
  const make = () =>
    NeuralOde.create(
      rt,
      {
        mlp: { widths: [2, 5, 2], activation: 'tanh' },
        terms: [{ kind: 'stiffness', lambda: 0.4 }],
        solver: { rtol: 1e-4, atol: 1e-4 },
      },
      new Rng(5),
    );
  const one = make(),
    two = make();
  const a = one.objective(data.z0, data.target),
    b = two.objective(data.z0, data.target, { lambdaScale: 2.5 });
  assert.ok(Math.abs(b.loss - b.dataLoss - 2.5 * (a.loss - a.dataLoss)) < 1e-12);
  const zero = make();
  const c = zero.objective(data.z0, data.target, { lambdaScale: 0 });
  const gradOf = (m: NeuralOde) => m.params[0].grad.toFloat64Array();
  // gradient(scale) is affine in the scale: g(2.5) = g(0) + 2.5·(g(1) − g(0))
  const g0 = gradOf(zero),
    g1 = gradOf(one),
    g25 = gradOf(two);
  g0.forEach((v, i) => assert.ok(Math.abs(g25[i] - (v + 2.5 * (g1[i] - v))) < 1e-10));
  assert.is(c.loss, c.dataLoss);
});

test('step terms refuse what they cannot work with, by name', () => {
  const base = { mlp: { widths: [2, 3, 2], activation: 'tanh' as const } };
  assert.throws(
    () => NeuralOde.create(rt, { ...base, terms: [{ kind: 'errorEstimate' }], gradient: 'adjoint' }, new Rng(0)),
    /gradient.*checkpoint/,
  );
  assert.throws(
    () =>
      NeuralOde.create(
        rt,
        { ...base, terms: [{ kind: 'errorEstimate' }], solver: { method: 'rk4', steps: 4 } },
        new Rng(0),
      ),
    /solver\.steps/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { ...base, terms: [{ kind: 'errorEstimate' }], solver: { method: 'rk4' } }, new Rng(0)),
    /solver\.steps/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { ...base, terms: [{ kind: 'stiffness' }], solver: { method: 'bosh3' } }, new Rng(0)),
    /solver\.method.*first-same-as-last/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { ...base, terms: [{ kind: 'stiffness', lamda: 1 } as never] }, new Rng(0)),
    /terms\[0\]\.lamda/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { ...base, terms: [{ kind: 'stiffness', lambda: -1 }] }, new Rng(0)),
    /terms\[0\]\.lambda/,
  );
});

test.run();
