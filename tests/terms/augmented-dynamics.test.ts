// The model's augmented dynamics: the solution's Taylor coefficients against finite differences and a
// tight solve, the VJP of F (R_K + kinetic + Jacobian) against central differences, and F and its
// VJP against an independent reference built by nested JVPs on the autodiff tape.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import {
  createNetwork,
  NETWORK_ACTIVATIONS as ACTIVATIONS,
  type NetworkActivation as Activation,
  type Mlp,
  type Network,
} from '../../src/nn/mlp.js';
import { GraphAugmentedDynamics as AugmentedDynamics } from '../../src/terms/graph-augmented.js';
import { Tape, type Var } from '../../src/autodiff/tape.js';
import type { Parameter } from '../../src/autodiff/parameter.js';
import { evaluateDual, nestedSolutionDerivative } from '../../src/taylor/nested-jvp.js';
import { odeint } from '../../src/ode/odeint.js';
import { relativeError, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;

function network(activation: Activation, widths = [2, 6, 5, 2], seed = 3): Network {
  return createNetwork(rt, { widths, activation }, new Rng(seed));
}

/** Taylor coefficients z[0..K] of the solution through (t, z) for a batch. */
function solutionCoefficients(net: Network, batch: number, t: number, z: Float64Array, K: number): Float64Array[] {
  return arena.scope(() => {
    const d = net.graph.stateSize;
    const out = Array.from({ length: K }, () => Tensor.zeros(arena, batch, d));
    net.graph.solutionDerivatives(t, Tensor.from(arena, z, batch, d), K, out);
    return [z.slice(), ...out.map((o) => o.toFloat64Array())];
  });
}

function f(net: Network, batch: number, t: number, z: Float64Array): Float64Array {
  return arena.scope(() => {
    const d = net.graph.stateSize;
    const out = Tensor.zeros(arena, batch, d);
    net.graph.f(t, Tensor.from(arena, z, batch, d), out);
    return out.toFloat64Array();
  });
}

for (const activation of ACTIVATIONS) {
  test(`${activation}: z[2] = (J f + ∂f/∂t)/2 (central differences of f along (f, 1))`, () => {
    const m = network(activation);
    const rng = new Rng(9);
    const z = randomArray(rng, 6);
    const t = 0.3;
    const [, z1, z2] = solutionCoefficients(m, 3, t, z, 2);
    const f0 = f(m, 3, t, z);
    assert.ok(relativeError(z1, f0) < 1e-15, 'z[1] = f');
    const d = 1e-5;
    const fp = f(
      m,
      3,
      t + d,
      z.map((v, i) => v + d * f0[i]),
    );
    const fm = f(
      m,
      3,
      t - d,
      z.map((v, i) => v - d * f0[i]),
    );
    const fd = fp.map((v, i) => (v - fm[i]) / (2 * d) / 2);
    const err = relativeError(z2, fd);
    assert.ok(err < 1e-8, `relative error ${err}`);
  });

  test(`${activation}: the truncated series z[0..K] matches a tight solve to order K+1 (K = 1..6)`, () => {
    if (activation === 'relu') return; // piecewise linear: the series is exact only away from kinks; covered above
    const m = network(activation, [2, 6, 2]);
    const z = new Float64Array([0.4, -0.7]);
    const t = 0.1;
    const coeff = solutionCoefficients(m, 1, t, z, 6);
    const exact = (tau: number) => {
      const dyn = new AugmentedDynamics(rt, m.graph, 1, {}, false);
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
      assert.ok(
        Math.abs(observed - (K + 1)) < 0.35,
        `K=${K}: observed order ${observed.toFixed(2)}, expected ${K + 1}`,
      );
    }
  });
}

function flatParams(m: Mlp): Float64Array[] {
  return m.params.map((p) => p.value.asFloat64());
}

for (const activation of ACTIVATIONS) {
  for (const K of [1, 2, 3, 4, 6]) {
    test(`${activation}, R_${K} + kinetic + Jacobian: VJP of the augmented dynamics vs central differences`, () => {
      const net = network(activation, [2, 5, 4, 2], 17 + K);
      const m = net.mlp!;
      const batch = 3;
      const dyn = new AugmentedDynamics(rt, net.graph, batch, { order: K, lambda: 1, kinetic: 0.5, jacobian: 0.25 });
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
        const yp = y.slice();
        yp[i] += h;
        const ym = y.slice();
        ym[i] -= h;
        return (g(yp) - g(ym)) / (2 * h);
      });
      const errY = relativeError(yBar, fdY);
      assert.ok(errY < 1e-7, `ȳ relative error ${errY}`);
      const analytic = m.params.flatMap((p) => Array.from(p.grad.data));
      const numeric: number[] = [];
      for (const values of flatParams(m)) {
        for (let i = 0; i < values.length; i++) {
          const keep = values[i];
          values[i] = keep + h;
          const up = g(y);
          values[i] = keep - h;
          const down = g(y);
          values[i] = keep;
          numeric.push((up - down) / (2 * h));
        }
      }
      const errP = relativeError(analytic, numeric);
      assert.ok(errP < 1e-7, `θ̄ relative error ${errP}`);
    });
  }
}

/**
 * F's integrals' integrands and ⟨dyBar, F⟩'s gradient by the nested-JVP reference on the tape:
 * f = g_1, R_K's integrand Σ(d^K z/dt^K)²/bd from nested JVPs (2^K-ish passes, no jets), the kinetic
 * Σf²/bd, and the Jacobian Σ(∂f/∂z·ε)²/bd from one dual number in z.
 */
function nestedReference(
  net: Network,
  batch: number,
  K: number,
  t: number,
  y: Float64Array,
  eps: Float64Array,
  dyBar: Float64Array,
) {
  return arena.scope(() => {
    const d = net.graph.stateSize,
      bd = batch * d;
    const tape = new Tape(rt);
    const params = new Map<Parameter, Var>(net.graph.params.map((p) => [p, tape.parameter(p)]));
    const z = tape.variable(Tensor.from(arena, y.subarray(0, bd), batch, d));
    const fz = nestedSolutionDerivative(tape, net.graph.graph, params, t, z, 1);
    const dK = nestedSolutionDerivative(tape, net.graph.graph, params, t, z, K);
    const jvp = evaluateDual(
      tape,
      net.graph.graph,
      params,
      { re: z, eps: tape.constant(Tensor.from(arena, eps, batch, d)) },
      { re: tape.scalar(t), eps: tape.scalar(0) },
    ) as { eps: Var };
    const terms = [
      tape.affine(tape.sumSquares(dK), 1 / bd),
      tape.affine(tape.sumSquares(fz), 1 / bd),
      tape.affine(tape.sumSquares(jvp.eps), 1 / bd),
    ];
    let objective = tape.sum(tape.mul(fz, tape.constant(Tensor.from(arena, dyBar.subarray(0, bd), batch, d))));
    terms.forEach((term, j) => {
      objective = tape.add(objective, tape.affine(term, dyBar[bd + j]));
    });
    for (const p of net.graph.params) p.grad.data.fill(0);
    tape.backward(objective);
    const F = new Float64Array(bd + terms.length);
    F.set(fz.value.toFloat64Array());
    terms.forEach((term, j) => {
      F[bd + j] = term.value.data[0];
    });
    const yBar = new Float64Array(bd + terms.length);
    yBar.set(z.grad!.toFloat64Array());
    return { F, yBar, grads: net.graph.params.flatMap((p) => Array.from(p.grad.data)) };
  });
}

for (const activation of ACTIVATIONS) {
  test(`${activation}: F and its VJP (R_3 + kinetic + Jacobian) equal the nested-JVP reference on the tape`, () => {
    const net = network(activation, [3, 8, 3], 21);
    const batch = 4,
      K = 3,
      t = 0.6;
    const dyn = new AugmentedDynamics(rt, net.graph, batch, { order: K, lambda: 1, kinetic: 1, jacobian: 1 });
    assert.equal(
      dyn.terms.map((term) => term.name),
      ['r3', 'kinetic', 'jacobian'],
    );
    dyn.resampleNoise(new Rng(2));
    const same = new Rng(2); // the same draws, in the same order, as resampleNoise's
    const eps = Float64Array.from({ length: batch * 3 }, () => same.rademacher());
    const rng = new Rng(8);
    const y = randomArray(rng, dyn.stateSize);
    const dyBar = randomArray(rng, dyn.stateSize);
    const ref = nestedReference(net, batch, K, t, y, eps, dyBar);
    const F = new Float64Array(dyn.stateSize);
    dyn.evaluate(t, y, F, 1);
    assert.ok(relativeError(F, ref.F) < 1e-12, `F: ${relativeError(F, ref.F)}`);
    for (const p of net.graph.params) p.grad.data.fill(0);
    const yBar = new Float64Array(dyn.stateSize);
    dyn.vjp(1, dyBar, yBar);
    const grads = net.graph.params.flatMap((p) => Array.from(p.grad.data));
    assert.ok(relativeError(yBar, ref.yBar) < 1e-11, `ȳ: ${relativeError(yBar, ref.yBar)}`);
    assert.ok(relativeError(grads, ref.grads) < 1e-11, `θ̄: ${relativeError(grads, ref.grads)}`);
  });
}

test.run();
