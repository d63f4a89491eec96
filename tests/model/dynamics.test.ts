// The model layer's Taylor coefficients and reverse-over-Taylor VJPs against finite differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { createNetwork, NETWORK_ACTIVATIONS as ACTIVATIONS, type NetworkActivation as Activation, type Mlp, type Network } from '../../src/model/mlp.js';
import { JsAugmentedDynamics as AugmentedDynamics } from '../../src/model/js-dynamics.js';
import { GraphAugmentedDynamics } from '../../src/model/graph-dynamics.js';
import { MlpJet } from '../../src/model/mlp-jet.js';
import { odeint } from '../../src/ode/solve.js';
import { relativeError, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();

function network(activation: Activation, widths = [2, 6, 5, 2], seed = 3): Network {
  return createNetwork(rt, { widths, activation }, new Rng(seed));
}

function mlp(activation: Activation, widths = [2, 6, 5, 2], seed = 3): Mlp {
  return network(activation, widths, seed).mlp;
}

/** Taylor coefficients z[0..K] of the solution through (t, z) for a batch. */
function solutionCoefficients(m: Mlp, batch: number, t: number, z: Float64Array, K: number): Float64Array[] {
  const jet = new MlpJet(m, batch, K);
  jet.t[0] = t;
  if (K > 1) jet.t[1] = 1;
  jet.x[0].set(z);
  const out = [z.slice()];
  for (let k = 0; k < K; k++) {
    jet.forwardOrder(k);
    const next = jet.out[k].map((v) => v / (k + 1));
    out.push(next);
    if (k + 1 < K) jet.x[k + 1].set(next);
  }
  return out;
}

function f(m: Mlp, batch: number, t: number, z: Float64Array): Float64Array {
  const jet = new MlpJet(m, batch, 1);
  jet.t[0] = t;
  jet.x[0].set(z);
  jet.forwardOrder(0);
  return jet.out[0].slice();
}

for (const activation of ACTIVATIONS) {
  test(`${activation}: z[2] = (J f + ∂f/∂t)/2 (central differences of f along (f, 1))`, () => {
    const m = mlp(activation);
    const rng = new Rng(9);
    const z = randomArray(rng, 6);
    const t = 0.3;
    const [, z1, z2] = solutionCoefficients(m, 3, t, z, 2);
    const f0 = f(m, 3, t, z);
    assert.ok(relativeError(z1, f0) < 1e-15, 'z[1] = f');
    const d = 1e-5;
    const fp = f(m, 3, t + d, z.map((v, i) => v + d * f0[i]));
    const fm = f(m, 3, t - d, z.map((v, i) => v - d * f0[i]));
    const fd = fp.map((v, i) => (v - fm[i]) / (2 * d) / 2);
    const err = relativeError(z2, fd);
    assert.ok(err < 1e-8, `relative error ${err}`);
  });

  test(`${activation}: the truncated series z[0..K] matches a tight solve to order K+1 (K = 1..6)`, () => {
    if (activation === 'relu') return; // piecewise linear: the series is exact only away from kinks; covered above
    const m = mlp(activation, [2, 6, 2]);
    const z = new Float64Array([0.4, -0.7]);
    const t = 0.1;
    const coeff = solutionCoefficients(m, 1, t, z, 6);
    const exact = (tau: number) => {
      const dyn = new AugmentedDynamics(m, 1, {}, false);
      const grid = Array.from({ length: 401 }, (_, i) => t + (tau * i) / 400);
      return odeint((tt, y, dy) => dyn.evaluate(tt, y, dy, 0), z, [t, t + tau], { method: 'rk4', grid }).ys[1];
    };
    for (let K = 1; K <= 6; K++) {
      const remainder = (tau: number) => {
        const y = exact(tau);
        let e = 0;
        for (let i = 0; i < 2; i++) {
          let s = 0;
          for (let k = 0; k <= K; k++) s += coeff[k][i] * tau ** k;
          e = Math.max(e, Math.abs(y[i] - s));
        }
        return e;
      };
      const tau = K <= 3 ? 0.05 : 0.2;
      const observed = Math.log2(remainder(tau) / remainder(tau / 2));
      assert.ok(Math.abs(observed - (K + 1)) < 0.35, `K=${K}: observed order ${observed.toFixed(2)}, expected ${K + 1}`);
    }
  });
}

function flatParams(m: Mlp): Float64Array[] {
  return m.params.map((p) => p.value.data);
}

for (const activation of ACTIVATIONS) {
  for (const K of [1, 2, 3, 4, 6]) {
    test(`${activation}, R_${K} + kinetic + Jacobian: VJP of the augmented dynamics vs central differences`, () => {
      const m = mlp(activation, [2, 5, 4, 2], 17 + K);
      const batch = 3;
      const dyn = new AugmentedDynamics(m, batch, { order: K, lambda: 1, kinetic: 0.5, jacobian: 0.25 });
      dyn.resampleNoise(new Rng(1));
      const rng = new Rng(40 + K);
      const y = randomArray(rng, dyn.stateSize);
      const dyBar = randomArray(rng, dyn.stateSize);
      const t = 0.37;
      const g = (yy: Float64Array) => {
        const dy = new Float64Array(dyn.stateSize);
        dyn.evaluate(t, yy, dy, 4);
        return dy.reduce((s, v, i) => s + v * dyBar[i], 0);
      };
      for (const p of m.params) p.grad.data.fill(0);
      const dy = new Float64Array(dyn.stateSize);
      dyn.evaluate(t, y, dy, 2);
      const yBar = new Float64Array(dyn.stateSize);
      dyn.vjp(2, dyBar, yBar);
      const h = 1e-6;
      const fdY = Array.from(y, (_, i) => {
        const yp = y.slice(); yp[i] += h;
        const ym = y.slice(); ym[i] -= h;
        return (g(yp) - g(ym)) / (2 * h);
      });
      const errY = relativeError(yBar, fdY);
      assert.ok(errY < 1e-7, `ȳ relative error ${errY}`);
      const analytic = m.params.flatMap((p) => Array.from(p.grad.data));
      const numeric: number[] = [];
      for (const values of flatParams(m)) {
        for (let i = 0; i < values.length; i++) {
          const keep = values[i];
          values[i] = keep + h; const up = g(y);
          values[i] = keep - h; const down = g(y);
          values[i] = keep;
          numeric.push((up - down) / (2 * h));
        }
      }
      const errP = relativeError(analytic, numeric);
      assert.ok(errP < 1e-7, `θ̄ relative error ${errP}`);
    });
  }
}

for (const activation of ACTIVATIONS) {
  test(`${activation}: the js and wasm backends agree on F and its VJP (R_3 + kinetic + Jacobian)`, () => {
    const net = network(activation, [3, 8, 3], 21);
    const regs = { order: 3, lambda: 1, kinetic: 1, jacobian: 1 };
    const js = new AugmentedDynamics(net.mlp, 4, regs);
    const wasm = new GraphAugmentedDynamics(rt, net.graph, 4, regs);
    js.resampleNoise(new Rng(2));
    wasm.resampleNoise(new Rng(2));
    const rng = new Rng(8);
    const y = randomArray(rng, js.stateSize);
    const dyBar = randomArray(rng, js.stateSize);
    const a = new Float64Array(js.stateSize), b = new Float64Array(js.stateSize);
    js.evaluate(0.6, y, a, 1);
    wasm.evaluate(0.6, y, b, 1);
    assert.ok(relativeError(a, b) < 1e-12, `F: ${relativeError(a, b)}`);
    const grads = () => net.mlp.params.flatMap((p) => Array.from(p.grad.data));
    for (const p of net.mlp.params) p.grad.data.fill(0);
    const ya = new Float64Array(js.stateSize);
    js.vjp(1, dyBar, ya);
    const ga = grads();
    for (const p of net.mlp.params) p.grad.data.fill(0);
    const yb = new Float64Array(js.stateSize);
    wasm.vjp(1, dyBar, yb);
    assert.ok(relativeError(ya, yb) < 1e-11, `ȳ: ${relativeError(ya, yb)}`);
    assert.ok(relativeError(ga, grads()) < 1e-11, `θ̄: ${relativeError(ga, grads())}`);
  });
}

test.run();
