// Step-size controllers on their own, a user-supplied controller, and the fixed-grid mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iController, piController, odeint, type StepSizeController } from '../../src/ode/index.js';
import { COS_GROWTH, DECAY } from './problems.js';

test('I controller: accept iff ratio ≤ 1, factor safety·ratio^(−1/(q+1)) clamped, no growth right after a rejection', () => {
  const run = iController({ safety: 0.9, minFactor: 0.2, maxFactor: 10 }).start(4);
  assert.equal(run.adapt(1, 0.5), { accept: true, next: 0.9 * 0.5 ** -0.2 });
  assert.equal(run.adapt(1, 0), { accept: true, next: 10 });
  assert.equal(run.adapt(1, 1e-30), { accept: true, next: 10 });
  const rejected = run.adapt(1, 32);
  assert.is(rejected.accept, false);
  assert.ok(Math.abs(rejected.next - 0.9 * 32 ** -0.2) < 1e-15);
  assert.equal(run.adapt(1, 1e6), { accept: false, next: 0.2 });
  assert.equal(run.adapt(1, 1e-6), { accept: true, next: 1 }, 'capped at 1 after a rejection');
  assert.equal(run.adapt(1, 1e-6), { accept: true, next: 10 });
  assert.equal(run.adapt(2, NaN), { accept: false, next: 0.4 }, 'non-finite: shrink by minFactor');
});

test('PI controller: remembers the previous accepted ratio', () => {
  const run = piController({ alpha: 0.7, beta: 0.4 }).start(4);
  const first = run.adapt(1, 0.5);
  assert.ok(Math.abs(first.next - 0.9 * 0.5 ** (-0.7 / 5)) < 1e-15);
  const second = run.adapt(1, 0.5);
  assert.ok(Math.abs(second.next - 0.9 * 0.5 ** (-0.7 / 5) * 0.5 ** (0.4 / 5)) < 1e-15);
  const rejected = run.adapt(1, 2);
  assert.is(rejected.accept, false);
  assert.ok(Math.abs(rejected.next - 0.9 * 2 ** -0.2) < 1e-15, 'rejections use the integral rule');
  assert.equal(run.adapt(1, 1e-6), { accept: true, next: 1 }, 'capped at 1 after a rejection');
  const grown = run.adapt(1, 1e-6).next;
  assert.ok(
    Math.abs(grown - 0.9 * 1e-6 ** (-0.7 / 5) * 1e-4 ** (0.4 / 5)) < 1e-14,
    'free to grow again, prev floored at 1e-4',
  );
  assert.equal(run.adapt(2, Infinity), { accept: false, next: 0.4 }, 'non-finite: shrink by minFactor');
  assert.equal(run.adapt(1, 1e-6), { accept: true, next: 1 }, 'capped at 1 after a non-finite trial too');
});

test('a user-supplied controller is used as is (swappable, as in diffrax)', () => {
  let calls = 0;
  const halving: StepSizeController = {
    name: 'constant',
    start: () => ({
      adapt: (h) => {
        calls++;
        return { accept: true, next: h };
      },
    }),
  };
  const r = odeint(DECAY.f, DECAY.y0, [0, 1], { controller: halving, firstStep: 0.125, recordSteps: true });
  assert.is(r.stats.acceptedSteps, 8);
  assert.is(calls, 8);
  assert.equal(Array.from(r.steps!.h), new Array(8).fill(0.125));
});

test('fixed grid: steps exactly on the grid, outputs by interpolation; stepSize shortens only the last step', () => {
  const grid = [0, 0.1, 0.35, 0.5, 0.9, 1.3, 2];
  const r = odeint(COS_GROWTH.f, COS_GROWTH.y0, [0, 0.7, 2], { method: 'rk4', grid, recordSteps: true });
  assert.equal(Array.from(r.steps!.t), grid.slice(0, -1));
  // f(t0, y0) + 3 stages × 6 steps + k1 of steps 2..6 (the output at 0.7 needs f(0.9, y(0.9)), reused as a k1)
  assert.is(r.stats.nfe, 1 + 3 * 6 + 5);
  assert.ok(Math.abs(r.ys[1][0] - Math.exp(Math.sin(0.7))) < 1e-3);
  const s = odeint(DECAY.f, DECAY.y0, [0, 1], { method: 'euler', stepSize: 0.3, recordSteps: true });
  assert.equal(
    Array.from(s.steps!.t).map((t) => +t.toFixed(12)),
    [0, 0.3, 0.6, 0.9],
  );
  assert.ok(Math.abs(s.steps!.h[3] - 0.1) < 1e-15);
  // a whole number of steps up to rounding gets exactly that many
  assert.is(odeint(DECAY.f, DECAY.y0, [0, 1], { method: 'rk4', stepSize: 0.1 }).stats.acceptedSteps, 10);
  // adaptive pairs run on a fixed grid too (their error estimate unused)
  const d = odeint(DECAY.f, DECAY.y0, [0, 1], { method: 'dopri5', stepSize: 0.25 });
  assert.is(d.stats.acceptedSteps, 4);
  assert.is(d.stats.nfe, 1 + 6 * 4);
});

test.run();
