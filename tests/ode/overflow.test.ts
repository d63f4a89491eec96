// Overflow inside a solve is an OdeSolverError (OverflowError) naming what overflowed, with t, step and
// stats, never an ArgumentError about an option the caller did not set (controller, grid).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OdeSolverError, OverflowError, odeint } from '../../src/ode/index.js';
import { ArgumentError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Rng } from '../../src/random.js';

const rt = createRuntimeSync();
const rt32 = createRuntimeSync({ dtype: 'float32' });
const decay = (_t: number, y: Float64Array, dy: Float64Array) => {
  dy[0] = -y[0];
};

function overflow(run: () => unknown, quantity: OverflowError['quantity'], pattern: RegExp): OverflowError {
  try {
    run();
  } catch (e) {
    assert.ok(
      e instanceof OverflowError && e instanceof OdeSolverError,
      `${(e as Error).name}: ${(e as Error).message}`,
    );
    assert.is(e.quantity, quantity);
    assert.match(e.message, pattern);
    assert.ok(e.stats && typeof e.stats.nfe === 'number' && Number.isFinite(e.t) && Number.isInteger(e.step));
    return e;
  }
  throw new Error('expected an OverflowError');
}

test('t1 − t0 beyond float64 (t0 = −1e308, t1 = 1e308): the span, adaptive or on a fixed grid', () => {
  const e = overflow(
    () => odeint(decay, [1], [-1e308, 1e308], { runtime: rt }),
    'span',
    /t1 − t0 = 1e\+308 − -1e\+308 overflows/,
  );
  assert.is(e.t, -1e308);
  overflow(
    () => odeint(decay, [1], [-1e308, 1e308], { method: 'rk4', stepSize: 1e306, runtime: rt }),
    'span',
    /overflows/,
  );
});

test('a NeuralOde with solver.steps on such a span names the span, not the grid it laid out', () => {
  const model = NeuralOde.create(
    rt,
    { dynamics: { type: 'linear', inputs: 1, outputs: 1 }, solver: { method: 'rk4', steps: 4 }, t0: -1e308, t1: 1e308 },
    new Rng(1),
  );
  overflow(() => model.predict(Float64Array.of(1)), 'span', /t1 − t0/);
});

test('tolerances so small the error norm overflows (rtol = atol = 1e-160): the initial step, not the controller', () => {
  overflow(
    () => odeint(decay, [1], [0, 1], { rtol: 1e-160, atol: 1e-160, runtime: rt }),
    'initial-step',
    /initial step size is NaN.*rtol = 1e-160, atol = 1e-160/,
  );
});

test('an error ratio that stays non-finite with a finite trial state is named as such', () => {
  overflow(
    () => odeint(decay, [1], [1, 2], { rtol: 1e-300, atol: 1e-300, firstStep: 1e-3, runtime: rt }),
    'error-ratio',
    /error ratio .* non-finite while the trial state is finite/,
  );
});

test('y0 beyond float32 range in a float32 runtime (z0 = 1e39): the initial state', () => {
  const e = overflow(() => odeint(decay, [1e39], [0, 1], { runtime: rt32 }), 'initial-state', /y0 .*float32/);
  assert.is(e.stats.nfe, 0, 'f was never called on an infinite state');
});

test('a float32 NeuralOde given z0 = 1e39: the initial state, before f is evaluated', () => {
  const model = NeuralOde.create(rt32, { dynamics: { type: 'linear', inputs: 1, outputs: 1 } }, new Rng(1));
  let evaluations = 0;
  overflow(
    () =>
      model.predict(Float64Array.of(1e39), {
        onEvaluation: () => {
          evaluations++;
        },
      }),
    'initial-state',
    /y0 .*float32 range/,
  );
  assert.is(evaluations, 0);
});

test('a user controller proposing NaN is still an ArgumentError about the controller', () => {
  const controller = { name: 'bad', start: () => ({ adapt: () => ({ accept: false, next: NaN }) }) };
  assert.throws(
    () => odeint(decay, [1], [0, 1], { controller, runtime: rt }),
    (e: unknown) => e instanceof ArgumentError && /^controller:/.test((e as Error).message),
  );
});

test('grid: { length: 1e10 } is refused as an ArgumentError naming grid and the limit, before any array is made', () => {
  assert.throws(
    () => odeint(decay, [1], [0, 1], { method: 'rk4', grid: { length: 1e10 } as ArrayLike<number>, runtime: rt }),
    (e: unknown) => e instanceof ArgumentError && /^grid: expected at most 1000001 times/.test((e as Error).message),
  );
  assert.throws(
    () => odeint(decay, [1], [0, 1], { method: 'rk4', grid: 5 as never, runtime: rt }),
    (e: unknown) => e instanceof ArgumentError && /^grid: expected an array of times/.test((e as Error).message),
  );
});

test.run();
