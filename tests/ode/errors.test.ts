// Every error path: numerical failures carry t, step and stats; bad arguments are named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  MaxStepsError,
  NonFiniteError,
  OdeSolverError,
  StepSizeError,
  odeint,
  type SolveOptions,
} from '../../src/ode/index.js';
import { ArgumentError, ShapeError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { DECAY } from './problems.js';
import { iController } from '../../src/ode/controller.js';

const rt = createRuntimeSync();

function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

test('maxSteps reached: MaxStepsError with t, step and stats so far', () => {
  const mark = rt.arena.mark();
  const e = catchError(() => odeint(DECAY.f, [1], [0, 100], { maxSteps: 5, rtol: 1e-10, atol: 1e-12, runtime: rt }));
  assert.ok(e instanceof MaxStepsError && e instanceof OdeSolverError, String(e));
  const err = e as MaxStepsError;
  assert.is(err.step, 5);
  assert.ok(err.t > 0 && err.t < 100);
  assert.is(err.stats.acceptedSteps + err.stats.rejectedSteps, 5);
  assert.is(err.stats.nfe, 2 + 6 * 5);
  assert.match(err.message, /maxSteps \(5\).*at t = .*step 5/);
  assert.is(rt.arena.mark(), mark, 'arena scratch freed on throw');
});

test('step below minStep: StepSizeError(below-min-step)', () => {
  const e = catchError(() =>
    odeint(
      (_t, y, dy) => {
        dy[0] = -1000 * y[0];
      },
      [1],
      [0, 1],
      { minStep: 0.01, rtol: 1e-8, atol: 1e-10, runtime: rt },
    ),
  );
  assert.ok(e instanceof StepSizeError, String(e));
  assert.is((e as StepSizeError).kind, 'below-min-step');
  assert.match(e.message, /fell below minStep = 0.01/);
});

test("step-size underflow at a finite-time blow-up (y' = y², y(0) = 1, singular at t = 1)", () => {
  const e = catchError(() =>
    odeint(
      (_t, y, dy) => {
        dy[0] = y[0] * y[0];
      },
      [1],
      [0, 2],
      { runtime: rt },
    ),
  );
  assert.ok(e instanceof StepSizeError || e instanceof NonFiniteError, String(e));
  const err = e as OdeSolverError;
  assert.ok(Math.abs(err.t - 1) < 1e-3, `stopped at t = ${err.t}`);
  assert.ok(err.step > 10 && err.stats.nfe > 0);
});

test('a non-finite trial rejects the step and shrinks h; the solve recovers', () => {
  // f is NaN for negative y: a first step of 1 overshoots below zero.
  const f = (_t: number, y: Float64Array, dy: Float64Array) => {
    dy[0] = y[0] < 0 ? NaN : -10 * y[0];
  };
  const r = odeint(f, [1], [0, 1], { firstStep: 1, rtol: 1e-8, atol: 1e-10, runtime: rt });
  assert.ok(r.stats.nonFiniteRejections >= 1, `non-finite rejections: ${r.stats.nonFiniteRejections}`);
  assert.ok(Math.abs(r.ys[1][0] - Math.exp(-10)) < 1e-8);
});

test('persistently non-finite f: NonFiniteError once shrinking cannot help', () => {
  const f = (t: number, y: Float64Array, dy: Float64Array) => {
    dy[0] = t > 0.5 ? Infinity : -y[0];
  };
  const e = catchError(() => odeint(f, [1], [0, 1], { runtime: rt }));
  assert.ok(e instanceof NonFiniteError, String(e));
  const err = e as NonFiniteError;
  assert.ok(Math.abs(err.t - 0.5) < 1e-6, `t = ${err.t}`);
  assert.ok(err.stats.nonFiniteRejections > 0);
  assert.match(err.message, /non-finite/);
  // f(t0, y0) itself
  const nan = catchError(() =>
    odeint(
      (_t, _y, dy) => {
        dy[0] = NaN;
      },
      [1],
      [0, 1],
      { runtime: rt },
    ),
  );
  assert.ok(nan instanceof NonFiniteError && (nan as NonFiniteError).step === 0, String(nan));
  // fixed steps cannot shrink: the first non-finite state is an error
  const fixed = catchError(() =>
    odeint(
      (_t, y, dy) => {
        dy[0] = y[0] * y[0];
      },
      [1],
      [0, 2],
      { method: 'rk4', stepSize: 0.1, runtime: rt },
    ),
  );
  assert.ok(fixed instanceof NonFiniteError, String(fixed));
});

test('maxSteps applies on a fixed grid too', () => {
  const e = catchError(() =>
    odeint(DECAY.f, [1], [0, 1], { method: 'euler', stepSize: 0.01, maxSteps: 10, runtime: rt }),
  );
  assert.ok(e instanceof MaxStepsError, String(e));
  // A step far too small for the span fails the same way, without first laying out 10^12 grid times.
  const tiny = catchError(() =>
    odeint(DECAY.f, [1], [0, 1], { method: 'euler', stepSize: 1e-12, maxSteps: 10, runtime: rt }),
  );
  assert.ok(tiny instanceof MaxStepsError, String(tiny));
  assert.is((tiny as MaxStepsError).step, 10);
  assert.ok(Math.abs((tiny as MaxStepsError).t - 1e-11) < 1e-25, `t = ${(tiny as MaxStepsError).t}`);
});

const KEEP_STEP = { name: 'keep', start: () => ({ adapt: (h: number) => ({ accept: true, next: h }) }) };

const bad: [string, () => unknown, RegExp, new (...args: never[]) => Error][] = [
  [
    'rtol = 0',
    () => odeint(DECAY.f, [1], [0, 1], { rtol: 0 }),
    /^rtol: expected a finite number > 0, got 0/,
    ArgumentError,
  ],
  ['rtol < 0', () => odeint(DECAY.f, [1], [0, 1], { rtol: -1e-3 }), /^rtol:/, ArgumentError],
  ['rtol NaN', () => odeint(DECAY.f, [1], [0, 1], { rtol: NaN }), /^rtol:/, ArgumentError],
  ['atol = 0', () => odeint(DECAY.f, [1], [0, 1], { atol: 0 }), /^atol: expected a finite number > 0/, ArgumentError],
  ['atol vector ≤ 0', () => odeint(DECAY.f, [1, 2], [0, 1], { atol: [1e-6, -1] }), /^atol\[1\]:/, ArgumentError],
  [
    'atol vector length',
    () => odeint(DECAY.f, [1, 2], [0, 1], { atol: [1e-6] }),
    /atol: expected one value per state component \(2\), got 1/,
    ShapeError,
  ],
  [
    'ts repeated',
    () => odeint(DECAY.f, [1], [0, 1, 1]),
    /^ts: expected strictly monotone times \(ts\[1\] = 1, ts\[2\] = 1\)/,
    ArgumentError,
  ],
  ['ts not monotone', () => odeint(DECAY.f, [1], [0, 2, 1]), /^ts: expected strictly monotone/, ArgumentError],
  ['ts NaN', () => odeint(DECAY.f, [1], [0, NaN]), /^ts: expected finite times \(ts\[1\] is NaN\)/, ArgumentError],
  ['ts Infinity', () => odeint(DECAY.f, [1], [0, Infinity]), /^ts: expected finite times/, ArgumentError],
  ['ts empty', () => odeint(DECAY.f, [1], []), /^ts: expected a non-empty array/, ArgumentError],
  [
    'unknown method',
    () => odeint(DECAY.f, [1], [0, 1], { method: 'rk45' as never }),
    /^method: expected one of euler, midpoint, heun, rk4, heun_euler, bosh3, fehlberg45, cash_karp, dopri5, tsit5, got "rk45"/,
    ArgumentError,
  ],
  [
    'fixed method without stepSize',
    () => odeint(DECAY.f, [1], [0, 1], { method: 'rk4' }),
    /^stepSize: expected a step size \(or a grid\) for the fixed-step method "rk4"/,
    ArgumentError,
  ],
  ['stepSize ≤ 0', () => odeint(DECAY.f, [1], [0, 1], { method: 'rk4', stepSize: -0.1 }), /^stepSize:/, ArgumentError],
  [
    'grid off ts',
    () => odeint(DECAY.f, [1], [0, 1], { method: 'rk4', grid: [0, 0.5, 0.9] }),
    /^grid: expected times from ts\[0\] = 0 to ts\[1\] = 1/,
    ArgumentError,
  ],
  [
    'grid not monotone',
    () => odeint(DECAY.f, [1], [0, 1], { method: 'rk4', grid: [0, 0.6, 0.5, 1] }),
    /^grid: expected finite times strictly increasing/,
    ArgumentError,
  ],
  [
    'unknown option',
    () => odeint(DECAY.f, [1], [0, 1], { rTol: 1e-3 } as unknown as SolveOptions),
    /^rTol: unknown key; expected one of method, rtol, atol/,
    ArgumentError,
  ],
  [
    'y0 shape',
    () => odeint(DECAY.f, { data: [1, 2, 3, 4, 5], rows: 2, cols: 3 }, [0, 1]),
    /^y0: shape \[2, 3\] needs 6 values, data has 5/,
    ShapeError,
  ],
  [
    'y0 non-finite',
    () => odeint(DECAY.f, [1, NaN], [0, 1]),
    /^y0: expected finite values \(component 1 is NaN\)/,
    ArgumentError,
  ],
  ['y0 empty', () => odeint(DECAY.f, [], [0, 1]), /^y0: expected a non-empty state/, ArgumentError],
  [
    'y0 empty tensor',
    () => odeint(DECAY.f, Tensor.empty(rt.arena, 0, 3), [0, 1]),
    /^y0: expected a non-empty state, got "a Tensor of shape \[0, 3\]"/,
    ArgumentError,
  ],
  [
    'y0 rows',
    () => odeint(DECAY.f, { data: [], rows: 0, cols: 2 }, [0, 1]),
    /^y0.rows: expected a positive integer, got 0/,
    ArgumentError,
  ],
  ['f missing', () => odeint(undefined as never, [1], [0, 1]), /^f: expected a function/, ArgumentError],
  [
    'maxSteps 0',
    () => odeint(DECAY.f, [1], [0, 1], { maxSteps: 0 }),
    /^maxSteps: expected a positive integer/,
    ArgumentError,
  ],
  ['firstStep ≤ 0', () => odeint(DECAY.f, [1], [0, 1], { firstStep: 0 }), /^firstStep:/, ArgumentError],
  [
    'maxStep ≤ minStep',
    () => odeint(DECAY.f, [1], [0, 1], { minStep: 0.1, maxStep: 0.05 }),
    /^maxStep: expected a number > minStep \(0.1\)/,
    ArgumentError,
  ],
  [
    'unknown controller',
    () => odeint(DECAY.f, [1], [0, 1], { controller: 'PID' as never }),
    /^controller:/,
    ArgumentError,
  ],
  ['safety > 1', () => odeint(DECAY.f, [1], [0, 1], { safety: 1.5 }), /^safety:/, ArgumentError],
  [
    'PI beta ≥ alpha',
    () => odeint(DECAY.f, [1], [0, 1], { controller: 'PI', pi: { alpha: 0.3, beta: 0.5 } }),
    /^beta:/,
    ArgumentError,
  ],
  [
    'unknown PI gain',
    () => odeint(DECAY.f, [1], [0, 1], { controller: 'PI', pi: { alpah: 0.5 } as never }),
    /^pi.alpah: unknown key; expected one of alpha, beta/,
    ArgumentError,
  ],
  [
    'unknown controller factor',
    () => odeint(DECAY.f, [1], [0, 1], { controller: iController({ saftey: 0.8 } as never) }),
    /^saftey: unknown key; expected one of safety, minFactor, maxFactor/,
    ArgumentError,
  ],
  [
    'a fixed grid too long to lay out',
    () => odeint(DECAY.f, [1], [0, 1], { method: 'rk4', stepSize: 1e-9, maxSteps: 1e12 }),
    /^stepSize: expected a step of at least span \/ 1000000/,
    ArgumentError,
  ],
  [
    'pi gains without the PI controller',
    () => odeint(DECAY.f, [1], [0, 1], { pi: { alpha: 0.5 } }),
    /^pi: expected only with controller 'PI'/,
    ArgumentError,
  ],
  [
    'factors with a user controller',
    () => odeint(DECAY.f, [1], [0, 1], { controller: KEEP_STEP, maxFactor: 5 }),
    /^maxFactor: expected only with the built-in controllers/,
    ArgumentError,
  ],
  [
    'controller proposing NaN',
    () =>
      odeint(DECAY.f, [1], [0, 1], {
        controller: { name: 'bad', start: () => ({ adapt: () => ({ accept: false, next: NaN }) }) },
      }),
    /^controller: expected adapt\(\) to propose a positive next step, got NaN/,
    ArgumentError,
  ],
];
for (const [name, run, message, type] of bad) {
  test(`invalid argument named: ${name}`, () => {
    const e = catchError(run);
    assert.ok(e instanceof type, `${name}: ${e}`);
    assert.match(e.message, message);
  });
}

test.run();
