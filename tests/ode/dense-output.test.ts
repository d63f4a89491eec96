// Dense output: the interpolants' algebra and their observed accuracy order between steps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADAPTIVE_METHODS, METHOD_NAMES, TABLEAUS, evaluateTheta, odeint } from '../../src/ode/index.js';
import { PROBLEMS, fittedOrder, maxAbsError } from './problems.js';

test('interpolant weights: b_j(1) = b_j, Σ_j b_j(θ) = θ (consistency)', () => {
  for (const method of METHOD_NAMES) {
    const { dense, b } = TABLEAUS[method];
    dense.stage.forEach((p, j) => assert.ok(Math.abs(evaluateTheta(p, 1) - b[j]) < 1e-14, `${method} b_${j}(1)`));
    if (dense.next) assert.ok(Math.abs(evaluateTheta(dense.next, 1)) < 1e-15);
    for (const theta of [0.1, 0.5, 0.8]) {
      const total =
        dense.stage.reduce((s, p) => s + evaluateTheta(p, theta), 0) +
        (dense.next ? evaluateTheta(dense.next, theta) : 0);
      assert.ok(Math.abs(total - theta) < 1e-13, `${method}: Σ b_j(${theta}) = ${total}`);
    }
  }
});

for (const method of METHOD_NAMES) {
  const { order, dense } = TABLEAUS[method];
  const expected = Math.min(order, dense.order + 1);
  test(`${method}: ${dense.kind} interpolant error between steps shrinks as h^${expected}`, () => {
    const steps = expected <= 2 ? [16, 32, 64, 128] : expected <= 4 ? [8, 16, 32, 64] : [6, 12, 24, 48];
    for (const p of PROBLEMS) {
      const errors = steps.map((count) => {
        const h = 1 / count;
        // two output times strictly inside every step
        const ts = [0];
        for (let i = 0; i < count; i++) ts.push((i + 0.37) * h, (i + 0.81) * h);
        ts.push(1);
        const r = odeint(p.f, p.y0, ts, { method, stepSize: h });
        let worst = 0;
        for (let k = 1; k < ts.length - 1; k++) worst = Math.max(worst, maxAbsError(r.ys[k], p.exact(ts[k])));
        return worst;
      });
      const observed = fittedOrder(
        steps.map((c) => 1 / c),
        errors,
      );
      assert.ok(
        Math.abs(observed - expected) <= 0.3,
        `${p.name}: observed ${observed.toFixed(3)}, expected ${expected} (${errors.map((e) => e.toExponential(2))})`,
      );
    }
  });
}

test('own interpolants of dopri5 and tsit5 are 4th order: exact for a quartic, not for a quintic, inside one step', () => {
  for (const method of ['dopri5', 'tsit5'] as const) {
    for (const K of [4, 5]) {
      const r = odeint(
        (t, _y, dy) => {
          dy[0] = K * t ** (K - 1);
        },
        [0],
        [0, 0.3, 0.7, 1],
        { method, stepSize: 1 },
      );
      const err = Math.max(Math.abs(r.ys[1][0] - 0.3 ** K), Math.abs(r.ys[2][0] - 0.7 ** K));
      if (K === 4) assert.ok(err < 1e-14, `${method} t^4: ${err}`);
      else assert.ok(err > 1e-6, `${method} t^5 should not be reproduced by a quartic: ${err}`);
    }
  }
});

test('adaptive pairs interpolate at their own times without stepping there', () => {
  for (const method of ADAPTIVE_METHODS) {
    const r = odeint(PROBLEMS[1].f, PROBLEMS[1].y0, [0, 0.001, 0.5, 2.2], {
      method,
      rtol: 1e-6,
      atol: 1e-6,
      recordSteps: true,
    });
    const stepStarts = Array.from(r.steps!.t);
    assert.not.ok(stepStarts.includes(0.001) || stepStarts.includes(0.5), `${method} stepped onto an output time`);
  }
});

test.run();
