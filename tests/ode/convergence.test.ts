// Observed orders of convergence (fixed steps) and exactness on polynomial solutions, every method.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { METHOD_NAMES, TABLEAUS, odeint } from '../../src/ode/index.js';
import { PROBLEMS, fittedOrder, maxAbsError } from './problems.js';

const T = 1;

for (const method of METHOD_NAMES) {
  const order = TABLEAUS[method].order;
  // Step counts in the asymptotic range, above round-off, for each order.
  const steps = order <= 2 ? [16, 32, 64, 128] : order <= 4 ? [12, 24, 48, 96] : [6, 12, 24, 48];
  test(`${method}: observed order ≈ ${order} on y' = -y, y' = cos(t)·y and a rotation`, () => {
    for (const p of PROBLEMS) {
      const errors = steps.map((count) => {
        const r = odeint(p.f, p.y0, [0, T], { method, stepSize: T / count });
        assert.is(r.stats.acceptedSteps, count);
        return maxAbsError(r.ys[1], p.exact(T));
      });
      const observed = fittedOrder(
        steps.map((c) => T / c),
        errors,
      );
      assert.ok(
        Math.abs(observed - order) <= 0.3,
        `${p.name}: observed order ${observed.toFixed(3)}, nominal ${order} (errors ${errors.map((e) => e.toExponential(2))})`,
      );
    }
  });

  test(`${method}: exact on polynomial solutions of degree ≤ ${order}`, () => {
    for (let K = 1; K <= order; K++) {
      // y' = K t^(K−1): y = t^K, a quadrature of degree K − 1.
      const r = odeint(
        (t, _y, dy) => {
          dy[0] = K * t ** (K - 1);
        },
        [0],
        [0, 0.75, 1.5],
        { method, stepSize: 0.25 },
      );
      assert.ok(Math.abs(r.ys[2][0] - 1.5 ** K) <= 1e-13 * 1.5 ** K, `t^${K}: got ${r.ys[2][0]}, want ${1.5 ** K}`);
      // Autonomous chain y_i' = y_(i+1), y_K' = 0: y_0 = t^K / K!, through every stage.
      const chain = (_t: number, y: Float64Array, dy: Float64Array) => {
        for (let i = 0; i < K; i++) dy[i] = y[i + 1];
        dy[K] = 0;
      };
      const y0 = new Float64Array(K + 1);
      y0[K] = 1;
      const c = odeint(chain, y0, [0, 1.5], { method, stepSize: 0.25 });
      let factorial = 1;
      for (let i = 2; i <= K; i++) factorial *= i;
      const want = 1.5 ** K / factorial;
      assert.ok(
        Math.abs(c.ys[1][0] - want) <= 1e-13 * Math.max(1, want),
        `chain of ${K}: got ${c.ys[1][0]}, want ${want}`,
      );
    }
  });
}

test('orders are not over-claimed: degree order+1 is not reproduced by the low-order methods', () => {
  for (const method of ['euler', 'midpoint', 'heun', 'rk4', 'bosh3'] as const) {
    const K = TABLEAUS[method].order + 1;
    const y0 = new Float64Array(K + 1);
    y0[K] = 1;
    const chain = (_t: number, y: Float64Array, dy: Float64Array) => {
      for (let i = 0; i < K; i++) dy[i] = y[i + 1];
      dy[K] = 0;
    };
    const c = odeint(chain, y0, [0, 1.5], { method, stepSize: 0.25 });
    let factorial = 1;
    for (let i = 2; i <= K; i++) factorial *= i;
    assert.ok(Math.abs(c.ys[1][0] - 1.5 ** K / factorial) > 1e-10, method);
  }
});

test.run();
