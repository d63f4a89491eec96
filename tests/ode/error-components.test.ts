// errorComponents: only the leading state components enter the error norm (and the initial-step
// norm), so components nothing feeds back on (integrated regularisers) cannot shorten a step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { odeint } from '../../src/ode/odeint.js';
import { ArgumentError } from '../../src/errors.js';

// y' = −y + sin(3t) alone, and with a passenger x' = 50·cos(50·t)·(1 + y²) that y never reads:
// the passenger oscillates fast, so counting it in the error norm forces many more, smaller steps.
const alone = (t: number, y: Float64Array, dy: Float64Array) => {
  dy[0] = -y[0] + Math.sin(3 * t);
};
const withPassenger = (t: number, y: Float64Array, dy: Float64Array) => {
  dy[0] = -y[0] + Math.sin(3 * t);
  dy[1] = 50 * Math.cos(50 * t) * (1 + y[0] * y[0]);
};

for (const method of ['dopri5', 'bosh3', 'tsit5'] as const) {
  test(`${method}: with errorComponents = 1 the passenger does not change the steps`, () => {
    const options = { method, rtol: 1e-6, atol: 1e-8, recordSteps: true };
    const ref = odeint(alone, [0.5], [0, 2], options);
    const kept = odeint(withPassenger, [0.5, 0], [0, 2], { ...options, errorComponents: 1 });
    assert.equal(Array.from(kept.steps!.t), Array.from(ref.steps!.t), 'same step starts');
    assert.equal(Array.from(kept.steps!.h), Array.from(ref.steps!.h), 'same step sizes');
    assert.is(kept.stats.initialStep, ref.stats.initialStep, 'same initial step');
    assert.is(kept.stats.rejectedSteps, ref.stats.rejectedSteps);
    assert.is(kept.ys[1][0], ref.ys[1][0], 'y(t1) bit for bit');
    // The check can fail: with the passenger in the norm the solve takes many more steps.
    const all = odeint(withPassenger, [0.5, 0], [0, 2], options);
    assert.ok(
      all.stats.acceptedSteps > 3 * ref.stats.acceptedSteps,
      `${all.stats.acceptedSteps} vs ${ref.stats.acceptedSteps} steps`,
    );
  });
}

test('a passenger that blows up is still rejected as non-finite', () => {
  const blowUp = (t: number, y: Float64Array, dy: Float64Array) => {
    dy[0] = -y[0];
    dy[1] = t > 0.5 ? Infinity : 0;
  };
  const r = () => odeint(blowUp, [1, 0], [0, 1], { errorComponents: 1, maxSteps: 200 });
  assert.throws(r, (e: Error) => /non-finite/.test(e.message));
});

test('bad errorComponents are rejected by name', () => {
  for (const bad of [0, 3, 1.5, -1, NaN, '1' as unknown as number]) {
    assert.throws(
      () => odeint(withPassenger, [0.5, 0], [0, 1], { errorComponents: bad }),
      (e: Error) => e instanceof ArgumentError && /^errorComponents: expected an integer in \[1, 2\]/.test(e.message),
      String(bad),
    );
  }
});

test.run();
