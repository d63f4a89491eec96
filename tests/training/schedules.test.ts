import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asSchedule, constantSchedule, piecewiseConstant, piecewiseLinear } from '../../src/training/schedules.js';

test('piecewise constant switches exactly at each boundary', () => {
  const s = piecewiseConstant([10, 25], [1e-2, 1e-3, 1e-4]);
  assert.is(s(0), 1e-2);
  assert.is(s(9), 1e-2);
  assert.is(s(10), 1e-3);
  assert.is(s(24), 1e-3);
  assert.is(s(25), 1e-4);
  assert.is(s(1_000_000), 1e-4);
  assert.is(piecewiseConstant([], [0.5])(7), 0.5);
  assert.is(piecewiseConstant([0], [0.5, 0.25])(0), 0.25, 'a boundary at 0 applies from the start');
});

test('piecewise linear interpolates between points and holds outside them', () => {
  const s = piecewiseLinear([0, 10, 30], [0, 1, 0.5]);
  assert.is(s(0), 0);
  assert.is(s(5), 0.5);
  assert.is(s(10), 1);
  assert.is(s(20), 0.75);
  assert.is(s(30), 0.5);
  assert.is(s(99), 0.5);
  assert.is(piecewiseLinear([4], [0.2])(0), 0.2);
});

test('constant schedule and numbers as schedules', () => {
  assert.is(constantSchedule(0.3)(12), 0.3);
  assert.is(asSchedule(0.1)(5), 0.1);
  const f = (i: number) => 1 / (i + 1);
  assert.is(asSchedule(f), f);
});

test('malformed schedules are rejected with the argument named', () => {
  assert.throws(
    () => piecewiseConstant([5, 5], [1, 2, 3]),
    /boundaries\[1\]: expected a value above boundaries\[0\] = 5/,
  );
  assert.throws(() => piecewiseConstant([5], [1]), /values: expected an array of 2 rates/);
  assert.throws(() => piecewiseConstant([-1], [1, 2]), /boundaries\[0\]: expected a non-negative integer/);
  assert.throws(() => piecewiseConstant([3], [1, NaN]), /values\[1\]/);
  assert.throws(() => piecewiseLinear([], []), /boundaries: expected at least one point/);
  assert.throws(() => piecewiseConstant([3], [1, 2])(-1), /iteration: expected a non-negative integer/);
  assert.throws(() => asSchedule(-0.1), /lr: expected a finite non-negative learning rate, got -0.1/);
});

test.run();
