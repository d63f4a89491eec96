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
import { Dynamics } from '../../src/dynamics/dynamics.js';
import { createNetwork, type Network } from '../../src/model/mlp.js';
import { GraphAugmentedDynamics } from '../../src/model/graph-dynamics.js';
import { checkTerms, termsFromRegularizers, type TermConfig } from '../../src/model/terms.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { flowNllLoss } from '../../src/model/losses.js';
import { saveModel, loadModel } from '../../src/model/serialize.js';
import { odeint } from '../../src/ode/solve.js';
import { randomArray, relativeError } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const exact: TermConfig = { kind: 'logDensity', estimator: 'exact' };

// ---- dz/dt = A z: the integrand −tr(A) is constant, so Δlog p = −(t1 − t0)·tr(A) to rounding.

const A = [[0.3, -1.2, 0.5], [0.7, -0.4, 0.1], [-0.2, 0.9, -0.8]]; // tr(A) = −0.9
const traceA = A[0][0] + A[1][1] + A[2][2];

/** f(z) = z·Aᵀ (a linear op with a fixed weight, no bias, no time input): row b is A·z_b. */
function linearDynamics(): Dynamics {
  const g = new GraphBuilder(3);
  const w = Parameter.zeros(rt, 'A', 3, 3);
  w.value.copyFrom(A.flat());
  return new Dynamics(rt, g.build(g.linear(g.state, w)));
}

for (const [t0, t1] of [[0, 1.5], [0.5, -1]]) {
  test(`dz/dt = A z on [${t0}, ${t1}]: exact Δlog p = −(t1 − t0)·tr(A) for every example (not sign-flipped)`, () => {
    const batch = 4;
    const dyn = new GraphAugmentedDynamics(rt, linearDynamics(), batch, [exact], true, t1 > t0 ? 1 : -1);
    assert.equal(dyn.layout, { z: { offset: 0, count: 12 }, logDensity: { offset: 12, count: 4 }, terms: { offset: 16, count: 0 } });
    const y0 = new Float64Array(dyn.stateSize);
    y0.set(randomArray(new Rng(3), 12));
    const r = odeint(dyn.odeFunction, y0, [t0, t1], { runtime: rt, rtol: 1e-10, atol: 1e-10 });
    const logDensity = r.ys[1].subarray(12, 16);
    const want = Array<number>(batch).fill(-(t1 - t0) * traceA);
    assert.ok(relativeError(logDensity, want) < 1e-13, `Δlog p ${Array.from(logDensity)} vs ${want[0]}`);
  });
}

test('dz/dt = A z: the Hutchinson integrand is −ε_bᵀAε_b per example with the Rng\'s ε (Gaussian)', () => {
  const batch = 3;
  const dyn = new GraphAugmentedDynamics(rt, linearDynamics(), batch, [{ kind: 'logDensity', estimator: 'hutchinson', noise: 'gaussian' }]);
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
      const up = z.slice(), down = z.slice();
      up[b * d + i] += h; down[b * d + i] -= h;
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
    const batch = 4, t = 0.45;
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
    const batch = 3, t = 0.2, samples = 4000;
    const z = randomArray(new Rng(7), batch * 3, -1, 1);
    const want = logDensityIntegrand(new GraphAugmentedDynamics(rt, net.graph, batch, [exact]), t, z);
    const dyn = new GraphAugmentedDynamics(rt, net.graph, batch, [{ kind: 'logDensity', estimator: 'hutchinson', noise }]);
    const sum = new Float64Array(batch), sumSq = new Float64Array(batch);
    for (let s = 0; s < samples; s++) {
      dyn.resampleNoise(new Rng(1000 + s));
      const v = logDensityIntegrand(dyn, t, z);
      for (let b = 0; b < batch; b++) { sum[b] += v[b]; sumSq[b] += v[b] * v[b]; }
    }
    for (let b = 0; b < batch; b++) {
      const mean = sum[b] / samples;
      const se = Math.sqrt((sumSq[b] / samples - mean * mean) / (samples - 1));
      assert.ok(se > 0 && se < 0.05 * Math.abs(want[b]), `example ${b}: a meaningful test needs 0 < SE ≪ |tr| (SE ${se}, tr ${want[b]})`);
      assert.ok(Math.abs(mean - want[b]) < 4 * se, `example ${b}: mean ${mean} vs exact ${want[b]} (SE ${se})`);
    }
  });
}

// ---- the VJP of F with the log-density part (and the regularisers, either direction).

const VJP_CASES: { name: string; terms: TermConfig[]; direction: 1 | -1 }[] = [
  { name: 'exact log-density alone', terms: [exact], direction: 1 },
  { name: 'Hutchinson (Gaussian) + R_2 + kinetic + Jacobian (Gaussian), t1 < t0', direction: -1, terms: [
    { kind: 'logDensity', estimator: 'hutchinson', noise: 'gaussian' }, { kind: 'taylor', order: 2, lambda: 1 },
    { kind: 'kinetic', lambda: 1 }, { kind: 'jacobianFrobenius', lambda: 1, noise: 'gaussian' }] },
  { name: 'exact log-density + kinetic (the plain program), t1 < t0', direction: -1, terms: [{ kind: 'kinetic' }, exact] },
];

for (const { name, terms, direction } of VJP_CASES) {
  test(`VJP of F (${name}) vs central differences, ∂/∂y and ∂/∂θ`, () => {
    const net = network('sigmoid', [3, 6, 3], 12);
    const batch = 3, t = 0.3;
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
    for (const p of net.mlp.params) p.grad.data.fill(0);
    const dy = new Float64Array(dyn.stateSize);
    dyn.evaluate(t, y, dy, 0);
    const yBar = new Float64Array(dyn.stateSize);
    dyn.vjp(0, dyBar, yBar);
    const h = 1e-6;
    const fdY = Array.from(y, (_, i) => {
      const yp = y.slice(); yp[i] += h;
      const ym = y.slice(); ym[i] -= h;
      return (g(yp) - g(ym)) / (2 * h);
    });
    assert.ok(relativeError(yBar, fdY) < 1e-7, `ȳ relative error ${relativeError(yBar, fdY)}`);
    const analytic = net.mlp.params.flatMap((p) => Array.from(p.grad.data));
    const numeric: number[] = [];
    for (const p of net.mlp.params) {
      const v = p.value.data;
      for (let i = 0; i < v.length; i++) {
        const keep = v[i];
        v[i] = keep + h; const up = g(y);
        v[i] = keep - h; const down = g(y);
        v[i] = keep;
        numeric.push((up - down) / (2 * h));
      }
    }
    assert.ok(relativeError(analytic, numeric) < 1e-7, `θ̄ relative error ${relativeError(analytic, numeric)}`);
  });
}

test.run();
