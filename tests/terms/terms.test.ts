// Integral terms as a list: the CNF log-density (exact and Hutchinson traces, their VJPs, gradients
// through the replay and the adjoint), regularisers over |dt| when t1 < t0, the error norm restricted
// to z, and strict validation of the list.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/autodiff/graph.js';
import { Parameter } from '../../src/autodiff/parameter.js';
import { Dynamics } from '../../src/nn/vector-field.js';
import { createNetwork, type Network } from '../../src/nn/mlp.js';
import { GraphAugmentedDynamics } from '../../src/terms/graph-augmented.js';
import { checkTerms, termsFromRegularizers, type TermConfig } from '../../src/terms/terms.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { flowNllLoss } from '../../src/model/losses.js';
import { adjointGradient } from '../../src/gradients/adjoint-solve.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { saveModel, loadModel } from '../../src/model/serialize.js';
import { odeint } from '../../src/ode/solve.js';
import { parameterAndInputDifferences, randomArray, relativeError } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const exact: TermConfig = { kind: 'logDensity', estimator: 'exact' };

// ---- dz/dt = A z: the integrand −tr(A) is constant, so Δlog p = −(t1 − t0)·tr(A) to rounding.

const A = [
  [0.3, -1.2, 0.5],
  [0.7, -0.4, 0.1],
  [-0.2, 0.9, -0.8],
]; // tr(A) = −0.9
const traceA = A[0][0] + A[1][1] + A[2][2];

/** f(z) = z·Aᵀ (a linear op with a fixed weight, no bias, no time input): row b is A·z_b. */
function linearDynamics(): Dynamics {
  const g = new GraphBuilder(3);
  const w = Parameter.zeros(rt, 'A', 3, 3);
  w.value.copyFrom(A.flat());
  return new Dynamics(rt, g.build(g.linear(g.state, w)));
}

for (const [t0, t1] of [
  [0, 1.5],
  [0.5, -1],
]) {
  test(`dz/dt = A z on [${t0}, ${t1}]: exact Δlog p = −(t1 − t0)·tr(A) for every example (not sign-flipped)`, () => {
    const batch = 4;
    const dyn = new GraphAugmentedDynamics(rt, linearDynamics(), batch, [exact], true, t1 > t0 ? 1 : -1);
    assert.equal(dyn.layout, {
      z: { offset: 0, count: 12 },
      logDensity: { offset: 12, count: 4 },
      terms: { offset: 16, count: 0 },
    });
    const y0 = new Float64Array(dyn.stateSize);
    y0.set(randomArray(new Rng(3), 12));
    const r = odeint(dyn.odeFunction, y0, [t0, t1], { runtime: rt, rtol: 1e-10, atol: 1e-10 });
    const logDensity = r.ys[1].subarray(12, 16);
    const want = Array<number>(batch).fill(-(t1 - t0) * traceA);
    assert.ok(relativeError(logDensity, want) < 1e-13, `Δlog p ${Array.from(logDensity)} vs ${want[0]}`);
  });
}

test("dz/dt = A z: the Hutchinson integrand is −ε_bᵀAε_b per example with the Rng's ε (Gaussian)", () => {
  const batch = 3;
  const dyn = new GraphAugmentedDynamics(rt, linearDynamics(), batch, [
    { kind: 'logDensity', estimator: 'hutchinson', noise: 'gaussian' },
  ]);
  dyn.resampleNoise(new Rng(11));
  const same = new Rng(11);
  const eps = Float64Array.from({ length: batch * 3 }, () => same.normal());
  const y = new Float64Array(dyn.stateSize);
  y.set(randomArray(new Rng(4), batch * 3));
  const dy = new Float64Array(dyn.stateSize);
  dyn.evaluate(0.2, y, dy, 0);
  const want = Array.from({ length: batch }, (_, b) => {
    let s = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += eps[b * 3 + i] * A[i][j] * eps[b * 3 + j];
    return -s;
  });
  assert.ok(relativeError(dy.subarray(batch * 3), want) < 1e-14, `${Array.from(dy.subarray(batch * 3))} vs ${want}`);
});

// ---- a nonlinear MLP: the exact trace against finite differences, Hutchinson's mean against it.

function network(activation: 'tanh' | 'sigmoid' | 'softplus', widths = [3, 7, 3], seed = 5): Network {
  return createNetwork(rt, { widths, activation }, new Rng(seed));
}

function f(net: Network, batch: number, t: number, z: Float64Array): Float64Array {
  return arena.scope(() => {
    const d = net.graph.stateSize;
    const out = Tensor.zeros(arena, batch, d);
    net.graph.f(t, Tensor.from(arena, z, batch, d), out);
    return out.toFloat64Array();
  });
}

/** −tr(∂f_b/∂z_b) per example by central differences of f. */
function negativeTraceByDifferences(net: Network, batch: number, t: number, z: Float64Array, h = 1e-5): number[] {
  const d = net.graph.stateSize;
  return Array.from({ length: batch }, (_, b) => {
    let tr = 0;
    for (let i = 0; i < d; i++) {
      const up = z.slice(),
        down = z.slice();
      up[b * d + i] += h;
      down[b * d + i] -= h;
      tr += (f(net, batch, t, up)[b * d + i] - f(net, batch, t, down)[b * d + i]) / (2 * h);
    }
    return -tr;
  });
}

function logDensityIntegrand(dyn: GraphAugmentedDynamics, t: number, z: Float64Array): Float64Array {
  const y = new Float64Array(dyn.stateSize);
  y.set(z);
  const dy = new Float64Array(dyn.stateSize);
  dyn.evaluate(t, y, dy, 0);
  const { offset, count } = dyn.layout.logDensity;
  return dy.slice(offset, offset + count);
}

for (const activation of ['tanh', 'sigmoid', 'softplus'] as const) {
  test(`${activation}: the exact trace per example equals the Jacobian's trace by central differences`, () => {
    const net = network(activation);
    const batch = 4,
      t = 0.45;
    const z = randomArray(new Rng(6), batch * 3, -1.5, 1.5);
    const dyn = new GraphAugmentedDynamics(rt, net.graph, batch, [exact]);
    const got = logDensityIntegrand(dyn, t, z);
    const want = negativeTraceByDifferences(net, batch, t, z);
    const err = relativeError(got, want);
    assert.ok(err < 1e-8, `relative error ${err}: ${Array.from(got)} vs ${want}`);
  });
}

for (const noise of ['rademacher', 'gaussian'] as const) {
  test(`Hutchinson (${noise}): the mean over 4000 seeded ε converges to the exact trace`, () => {
    // Tolerance: 4 standard errors of the mean, the standard error estimated from the same samples.
    // The estimator is unbiased, so the mean lies within 4 SE with probability ≈ 1 − 6e-5 per example
    // (seeded: the outcome is fixed); it fails for a biased estimator (a wrong sign, a missing
    // direction, ε not fixed within an evaluation), whose error is many SE at this sample size.
    const net = network('tanh', [3, 7, 3], 12); // integrands ≈ 0.4: far from 0 in units of the SE
    const batch = 3,
      t = 0.2,
      samples = 4000;
    const z = randomArray(new Rng(7), batch * 3, -1, 1);
    const want = logDensityIntegrand(new GraphAugmentedDynamics(rt, net.graph, batch, [exact]), t, z);
    const dyn = new GraphAugmentedDynamics(rt, net.graph, batch, [
      { kind: 'logDensity', estimator: 'hutchinson', noise },
    ]);
    const sum = new Float64Array(batch),
      sumSq = new Float64Array(batch);
    for (let s = 0; s < samples; s++) {
      dyn.resampleNoise(new Rng(1000 + s));
      const v = logDensityIntegrand(dyn, t, z);
      for (let b = 0; b < batch; b++) {
        sum[b] += v[b];
        sumSq[b] += v[b] * v[b];
      }
    }
    for (let b = 0; b < batch; b++) {
      const mean = sum[b] / samples;
      const se = Math.sqrt((sumSq[b] / samples - mean * mean) / (samples - 1));
      assert.ok(
        se > 0 && se < 0.05 * Math.abs(want[b]),
        `example ${b}: a meaningful test needs 0 < SE ≪ |tr| (SE ${se}, tr ${want[b]})`,
      );
      assert.ok(Math.abs(mean - want[b]) < 4 * se, `example ${b}: mean ${mean} vs exact ${want[b]} (SE ${se})`);
    }
  });
}

// ---- the VJP of F with the log-density part (and the regularisers, either direction).

const VJP_CASES: { name: string; terms: TermConfig[]; direction: 1 | -1 }[] = [
  { name: 'exact log-density alone', terms: [exact], direction: 1 },
  {
    name: 'Hutchinson (Gaussian) + R_2 + kinetic + Jacobian (Gaussian), t1 < t0',
    direction: -1,
    terms: [
      { kind: 'logDensity', estimator: 'hutchinson', noise: 'gaussian' },
      { kind: 'taylor', order: 2, lambda: 1 },
      { kind: 'kinetic', lambda: 1 },
      { kind: 'jacobianFrobenius', lambda: 1, noise: 'gaussian' },
    ],
  },
  {
    name: 'exact log-density + kinetic (the plain program), t1 < t0',
    direction: -1,
    terms: [{ kind: 'kinetic' }, exact],
  },
];

for (const { name, terms, direction } of VJP_CASES) {
  test(`VJP of F (${name}) vs central differences, ∂/∂y and ∂/∂θ`, () => {
    const net = network('sigmoid', [3, 6, 3], 12);
    const batch = 3,
      t = 0.3;
    const dyn = new GraphAugmentedDynamics(rt, net.graph, batch, terms, true, direction);
    dyn.resampleNoise(new Rng(2));
    const rng = new Rng(19);
    const y = randomArray(rng, dyn.stateSize);
    const dyBar = randomArray(rng, dyn.stateSize);
    const g = (yy: Float64Array) => {
      const dy = new Float64Array(dyn.stateSize);
      dyn.evaluate(t, yy, dy, 1);
      return dy.reduce((s, v, i) => s + v * dyBar[i], 0);
    };
    for (const p of net.mlp!.params) p.grad.data.fill(0);
    const dy = new Float64Array(dyn.stateSize);
    dyn.evaluate(t, y, dy, 0);
    const yBar = new Float64Array(dyn.stateSize);
    dyn.vjp(0, dyBar, yBar);
    const h = 1e-6;
    const fdY = Array.from(y, (_, i) => {
      const yp = y.slice();
      yp[i] += h;
      const ym = y.slice();
      ym[i] -= h;
      return (g(yp) - g(ym)) / (2 * h);
    });
    assert.ok(relativeError(yBar, fdY) < 1e-7, `ȳ relative error ${relativeError(yBar, fdY)}`);
    const analytic = net.mlp!.params.flatMap((p) => Array.from(p.grad.data));
    const numeric: number[] = [];
    for (const p of net.mlp!.params) {
      const v = p.value.data;
      for (let i = 0; i < v.length; i++) {
        const keep = v[i];
        v[i] = keep + h;
        const up = g(y);
        v[i] = keep - h;
        const down = g(y);
        v[i] = keep;
        numeric.push((up - down) / (2 * h));
      }
    }
    assert.ok(relativeError(analytic, numeric) < 1e-7, `θ̄ relative error ${relativeError(analytic, numeric)}`);
  });
}

// ---- through the solver: gradients of a flow's negative log-likelihood (it reads Δlog p).

const flowData = (() => {
  const rng = new Rng(91);
  return { z0: randomArray(rng, 6, -1.5, 1.5), target: new Float64Array(3) };
})();

function flow(config: Partial<NeuralOdeConfig>, seed = 5): NeuralOde {
  return NeuralOde.create(
    rt,
    {
      mlp: { widths: [2, 7, 2], activation: 'tanh' },
      terms: [exact, { kind: 'taylor', order: 2, lambda: 0.1 }],
      ...config,
    },
    new Rng(seed),
  );
}

const grads = (m: NeuralOde) => m.params.flatMap((p) => Array.from(p.grad.data));

/** Central differences of the flow NLL w.r.t. every parameter and z0 (noise from a fresh Rng(1) each time). */
function finiteDifferences(m: NeuralOde, h = 1e-6): { params: number[]; z0: number[] } {
  const loss = (z0: Float64Array) =>
    m.objective(z0, flowData.target, { gradient: false, rng: new Rng(1), loss: flowNllLoss }).loss;
  return parameterAndInputDifferences(m.params, flowData.z0, loss, h);
}

function assertGradientsMatch(m: NeuralOde, zbar0: Float64Array, tolerance: number, what: string): void {
  const fd = finiteDifferences(m);
  const ep = relativeError(grads(m), fd.params),
    ez = relativeError(zbar0, fd.z0);
  assert.ok(ep < tolerance, `${what}: parameter gradient relative error ${ep}`);
  assert.ok(ez < tolerance, `${what}: z0 gradient relative error ${ez}`);
}

const FLOWS: { name: string; config: Partial<NeuralOdeConfig> }[] = [
  { name: 'exact trace + R_2', config: {} },
  {
    name: 'Hutchinson (Rademacher) trace + kinetic + Jacobian, t1 < t0',
    config: {
      t1: -1,
      terms: [
        { kind: 'kinetic', lambda: 0.2 },
        { kind: 'logDensity', estimator: 'hutchinson' },
        { kind: 'jacobianFrobenius', lambda: 0.1 },
      ],
    },
  },
];

for (const { name, config } of FLOWS) {
  test(`flow NLL (${name}), checkpoint replay on rk4 × 4: gradients w.r.t. z0 and θ vs central differences`, () => {
    const m = flow({ ...config, solver: { method: 'rk4', steps: 4 } });
    const r = m.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: flowNllLoss });
    assert.is(r.logDensity!.length, 3);
    assert.ok(r.logDensity!.every((v) => v !== 0));
    assertGradientsMatch(m, r.zbar0!, 1e-7, 'checkpoint');
  });
}

test("flow NLL, continuous adjoint: gradients vs central differences (rk4 × 40: the adjoint's O(h⁴) discretisation gap)", () => {
  const solver = { method: 'rk4' as const, steps: 40 };
  const m = flow({ solver, gradient: 'adjoint' });
  const r = m.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: flowNllLoss });
  assertGradientsMatch(m, r.zbar0!, 1e-6, 'adjoint');
  // and it agrees with the replay to the solver tolerance on an adaptive solve
  const tight = { method: 'dopri5' as const, rtol: 1e-10, atol: 1e-10 };
  const a = flow({ solver: tight, gradient: 'adjoint' }),
    d = flow({ solver: tight });
  const ra = a.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: flowNllLoss });
  const rd = d.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: flowNllLoss });
  assert.ok(relativeError(grads(a), grads(d)) < 1e-6, `θ: ${relativeError(grads(a), grads(d))}`);
  assert.ok(relativeError(ra.zbar0!, rd.zbar0!) < 1e-6, `z0: ${relativeError(ra.zbar0!, rd.zbar0!)}`);
});

test('the log-density cotangent matters: a loss that ignores Δlog p gives a different gradient', () => {
  const m = flow({ solver: { method: 'rk4', steps: 4 } });
  m.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: flowNllLoss });
  const withLogDensity = grads(m);
  const ignoring = {
    ...flowNllLoss,
    evaluate: (...args: Parameters<typeof flowNllLoss.evaluate>) => ({
      ...flowNllLoss.evaluate(...args),
      logDensityGradient: undefined,
    }),
  };
  m.objective(flowData.z0, flowData.target, { rng: new Rng(1), loss: ignoring });
  assert.ok(relativeError(grads(m), withLogDensity) > 1e-3);
});

// ---- t1 < t0: regularisers are integrals over |dt|.

/**
 * g(z, t) = −f(z, −t): with z_g(s) = z_f(−s), the run of g over [0, 1] mirrors f's over [0, −1].
 * For the MLP, every layer's time column is negated, and the last layer's output too (its time
 * column, negated twice, is kept).
 */
function mirror(from: NeuralOde, to: NeuralOde): void {
  const layers = from.params.length / 2;
  from.params.forEach((p, i) => {
    const v = p.value.toFloat64Array(),
      cols = p.value.cols;
    const last = i >= 2 * (layers - 1);
    const isWeight = p.name.endsWith('weight');
    const out = v.map((x, j) => {
      const timeColumn = isWeight && j % cols === cols - 1;
      const sign = (timeColumn ? -1 : 1) * (last ? -1 : 1);
      return sign * x;
    });
    to.params[i].value.copyFrom(out);
  });
}

test("t1 < t0: every regulariser ≥ 0 and equal to the mirrored problem's on [0, 1] (Δlog p too)", () => {
  const terms: TermConfig[] = [
    { kind: 'taylor', order: 3, lambda: 0.1 },
    { kind: 'kinetic', lambda: 0.1 },
    { kind: 'jacobianFrobenius', lambda: 0.1 },
    exact,
  ];
  const config = {
    mlp: { widths: [2, 6, 6, 2], activation: 'sigmoid' as const },
    terms,
    solver: { method: 'rk4' as const, steps: 8 },
  };
  const backward = NeuralOde.create(rt, { ...config, t0: 0, t1: -1 }, new Rng(4));
  const forward = NeuralOde.create(rt, { ...config, t0: 0, t1: 1 }, new Rng(0));
  mirror(backward, forward);
  const z0 = randomArray(new Rng(5), 6);
  const rb = backward.objective(z0, z0, { rng: new Rng(1), gradient: false });
  const rf = forward.objective(z0, z0, { rng: new Rng(1), gradient: false });
  assert.equal(Object.keys(rb.regularizers), ['r3', 'kinetic', 'jacobian']);
  for (const [name, value] of Object.entries(rb.regularizers)) {
    assert.ok(value > 0, `${name} = ${value} should be positive`);
    assert.ok(
      Math.abs(value - rf.regularizers[name]) <= 1e-12 * value,
      `${name}: ${value} vs mirrored ${rf.regularizers[name]}`,
    );
  }
  assert.ok(relativeError(rb.z1, rf.z1) < 1e-13, 'the same trajectory');
  assert.ok(
    relativeError(rb.logDensity!, rf.logDensity!) < 1e-12,
    `Δlog p: ${Array.from(rb.logDensity!)} vs ${Array.from(rf.logDensity!)}`,
  );
});

// ---- solver.errorNorm: 'state' keeps the integrals out of the step-size error norm.

test("errorNorm 'state': the regularised solve takes the unregularised solve's steps; 'all' does not", () => {
  const mlp = { widths: [2, 8, 2], activation: 'tanh' as const };
  const solver = { method: 'dopri5' as const, rtol: 1e-5, atol: 1e-5 };
  const terms: TermConfig[] = [
    { kind: 'taylor', order: 4, lambda: 1 },
    { kind: 'kinetic', lambda: 1 },
    { kind: 'logDensity', estimator: 'exact' },
  ];
  const z0 = randomArray(new Rng(6), 10, -2, 2);
  const steps = (config: Partial<NeuralOdeConfig>) => {
    const m = NeuralOde.create(rt, { mlp, t1: 3, ...config }, new Rng(9));
    const r = m.objective(z0, z0, { rng: new Rng(1) });
    return { t: Array.from(r.steps!.t), h: Array.from(r.steps!.h), rejected: r.forwardStats.rejectedSteps };
  };
  const plain = steps({ solver });
  const state = steps({ terms, solver: { ...solver, errorNorm: 'state' } });
  const all = steps({ terms, solver });
  assert.equal(state, plain);
  assert.not.equal(all.t, plain.t, 'with the integrals in the norm the steps differ');
});

// ---- validation.

test('terms: unknown keys, bad values, duplicates and mixing with regularizers are rejected by name', () => {
  const bad = (terms: unknown, pattern: RegExp) =>
    assert.throws(
      () => checkTerms(terms),
      (e: Error) => e instanceof ArgumentError && pattern.test(e.message),
      String(pattern),
    );
  bad(
    [{ kind: 'taylor', order: 2, lamda: 0.1 }],
    /^terms\[0\]\.lamda: expected no such key for a taylor term \(it takes order, lambda, estimator\)/,
  );
  bad(
    [{ kind: 'kinetic' }, { kind: 'logDensity', estimator: 'exact', noise: 'rademacher', order: 2 }],
    /^terms\[1\]\.order: expected no such key for a logDensity term/,
  );
  bad([{ kind: 'logDensity' }], /^terms\[0\]\.estimator: expected a value \(required/);
  bad(
    [{ kind: 'logDensity', estimator: 'trace' }],
    /^terms\[0\]\.estimator: expected one of exact, hutchinson, got "trace"/,
  );
  bad([{ kind: 'jacobianFrobenius', noise: 'uniform' }], /^terms\[0\]\.noise: expected one of rademacher, gaussian/);
  bad([{ kind: 'taylor', order: 9 }], /^terms\[0\]\.order: expected an integer K in 1\.\.8/);
  bad([{ kind: 'taylor' }], /^terms\[0\]\.order: expected a value/);
  bad([{ kind: 'kinetic', lambda: -1 }], /^terms\[0\]\.lambda: expected a finite non-negative weight/);
  bad([{ kind: 'kinetic' }, { kind: 'kinetic' }], /^terms\[1\]\.kind: expected at most one kinetic term/);
  bad([{ kind: 'curvature' }], /^terms\[0\]\.kind: expected one of taylor, kinetic, jacobianFrobenius, logDensity/);
  bad([null], /^terms\[0\]: expected a term/);
  bad({ kind: 'kinetic' }, /^terms: expected an array/);
  const mlp = { widths: [2, 4, 2], activation: 'tanh' as const };
  assert.throws(
    () => NeuralOde.create(rt, { mlp, terms: [{ kind: 'kinetic', lamda: 1 } as unknown as TermConfig] }, new Rng(0)),
    /^terms\[0\]\.lamda: expected no such key/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { mlp, terms: [], regularizers: { kinetic: 1 } }, new Rng(0)),
    /^terms: expected either terms or regularizers, not both/,
  );
  assert.throws(
    () => NeuralOde.create(rt, { mlp, solver: { errorNorm: 'z' as 'state' } }, new Rng(0)),
    /^solver\.errorNorm: expected one of "all", "state", got "z"/,
  );
  assert.throws(
    () =>
      new GraphAugmentedDynamics(rt, linearDynamics(), 1, [
        { kind: 'logDensity', estimator: 'exact', lambda: 1 } as unknown as TermConfig,
      ]),
    /^terms\[0\]\.lambda: expected no such key for a logDensity term/,
  );
  // Valid lists pass, and the shorthand converts to the list it stands for.
  checkTerms([
    { kind: 'taylor', order: 2 },
    { kind: 'kinetic', lambda: 0 },
    { kind: 'jacobianFrobenius', noise: 'gaussian' },
    exact,
  ]);
  assert.equal(termsFromRegularizers({ order: 3, lambda: 0.5, kinetic: 0.1, jacobian: 0.2 }), [
    { kind: 'taylor', order: 3, lambda: 0.5 },
    { kind: 'kinetic', lambda: 0.1 },
    { kind: 'jacobianFrobenius', lambda: 0.2, noise: 'rademacher' },
  ]);
  assert.equal(termsFromRegularizers({ kinetic: 0 }), []);
});

test('flow NLL needs the log-density; Hutchinson needs an Rng; the log-density cotangent is checked (objective and adjoint)', () => {
  const plain = NeuralOde.create(rt, { mlp: { widths: [2, 4, 2], activation: 'tanh' } }, new Rng(0));
  assert.throws(
    () => plain.objective(flowData.z0, flowData.target, { loss: flowNllLoss }),
    /^logDensity: expected Δlog p for each of the 3 examples/,
  );
  const hutchinson = flow({ terms: [{ kind: 'logDensity', estimator: 'hutchinson' }] });
  assert.throws(
    () => hutchinson.objective(flowData.z0, flowData.target, { loss: flowNllLoss }),
    /^rng: expected an Rng/,
  );
  const m = flow({});
  const dyn = m.dynamics(3, true);
  const six = new Float64Array(6),
    lambdas = new Float64Array(1);
  const adjoint = (logDensityBar: Float64Array) => () =>
    adjointGradient(
      rt,
      dyn,
      m.params,
      six,
      six,
      lambdas,
      0,
      1,
      m.solveOptions({ method: 'rk4', steps: 2 }),
      undefined,
      logDensityBar,
    );
  assert.throws(adjoint(new Float64Array(2)), /^logDensityCotangent: expected 3 values, got 2/);
  adjoint(new Float64Array(3))();
  const short = {
    ...flowNllLoss,
    evaluate: (...args: Parameters<typeof flowNllLoss.evaluate>) => ({
      ...flowNllLoss.evaluate(...args),
      logDensityGradient: new Float64Array(2),
    }),
  };
  assert.throws(
    () => m.objective(flowData.z0, flowData.target, { loss: short }),
    /log-density gradient holds 2 values, expected 3/,
  );
});

test('saveModel/loadModel keep the terms list', () => {
  const m = flow({ solver: { method: 'rk4', steps: 3, errorNorm: 'state' } });
  const { model } = loadModel(rt, saveModel(m));
  assert.equal(model.config.terms, m.config.terms);
  assert.equal(model.config.solver, m.config.solver);
  const a = m.objective(flowData.z0, flowData.target, { loss: flowNllLoss, gradient: false });
  const b = model.objective(flowData.z0, flowData.target, { loss: flowNllLoss, gradient: false });
  assert.is(a.loss, b.loss);
});

test('train() fits a flow: the NLL of data from a shifted, squeezed Gaussian falls (flowNllLoss, exact trace)', () => {
  const rng = new Rng(21);
  const size = 32;
  const inputs = Float64Array.from({ length: 2 * size }, (_, i) =>
    i % 2 === 0 ? 1.5 + 0.4 * rng.normal() : -1 + 0.3 * rng.normal(),
  );
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 16, 2], activation: 'tanh' }, terms: [exact], solver: { method: 'rk4', steps: 4 } },
    new Rng(2),
  );
  const log = train({
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.03 }),
    data: { inputs, targets: new Float64Array(size) },
    iterations: 60,
    rng,
    loss: flowNllLoss,
  });
  const first = log.records[0].loss,
    last = log.records[log.records.length - 1].loss;
  assert.ok(last < first - 0.5, `NLL ${first} → ${last}`);
});

test.run();
