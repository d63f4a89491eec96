import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, UnknownKeyError } from '../../src/errors.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { MinibatchSampler } from '../../src/training/minibatches.js';
import { tapeLoss } from '../../src/model/losses.js';
import { Rng } from '../../src/random.js';
import {
  checkBoolean,
  checkInteger,
  checkKeys,
  checkNumber,
  checkOneOf,
  isPlainObject,
  optional,
} from '../../src/config/strict.js';

const throwsWith = (f: () => unknown, argument: string, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof ArgumentError && e.argument === argument && message.test(e.message));

test('checkKeys names the unknown key by its path and lists the allowed ones', () => {
  const allowed = ['order', 'lambda', 'kinetic', 'jacobian'];
  checkKeys({ order: 2, lambda: 1 }, allowed, 'regularizers');
  checkKeys({}, allowed, 'regularizers');
  assert.throws(
    () => checkKeys({ lamda: 1 }, allowed, 'regularizers'),
    (e: unknown) =>
      e instanceof UnknownKeyError &&
      e instanceof ArgumentError &&
      e.argument === 'regularizers.lamda' &&
      e.message === 'regularizers.lamda: unknown key; expected one of order, lambda, kinetic, jacobian',
  );
  throwsWith(() => checkKeys({ lamda: undefined }, allowed, 'regularizers'), 'regularizers.lamda', /unknown key/);
  throwsWith(
    () => checkKeys({ solvr: {} }, ['mlp', 'solver'], ''),
    'solvr',
    /^solvr: unknown key; expected one of mlp, solver$/,
  );
  for (const bad of [null, undefined, 3, 'x', [1], new Map(), () => 1])
    throwsWith(() => checkKeys(bad, allowed, 'regularizers'), 'regularizers', /expected an object/);
  throwsWith(() => checkKeys(7, ['a'], ''), 'options', /expected an object/);
});

test('isPlainObject accepts object literals and null-prototype objects only', () => {
  assert.ok(isPlainObject({}));
  assert.ok(isPlainObject(Object.create(null)));
  assert.not.ok(isPlainObject([]));
  assert.not.ok(isPlainObject(new Float64Array(1)));
  assert.not.ok(isPlainObject(new Date()));
});

test('checkNumber and checkInteger enforce finiteness, integrality and the range, and say which', () => {
  assert.is(checkNumber(0.5, 'rtol', { min: 0, minExclusive: true }), 0.5);
  throwsWith(() => checkNumber(0, 'rtol', { min: 0, minExclusive: true }), 'rtol', /a finite number > 0, got 0/);
  throwsWith(() => checkNumber(NaN, 'x'), 'x', /a finite number, got NaN/);
  throwsWith(() => checkNumber('1', 'x'), 'x', /got "1"/);
  throwsWith(() => checkNumber(Infinity, 'x', { max: 1 }), 'x', /≤ 1/);
  assert.is(checkInteger(8, 'steps', { min: 1, max: 8 }), 8);
  throwsWith(() => checkInteger(9, 'steps', { min: 1, max: 8 }), 'steps', /an integer ≥ 1 and ≤ 8, got 9/);
  throwsWith(() => checkInteger(1.5, 'steps', { min: 1 }), 'steps', /an integer ≥ 1/);
  throwsWith(() => checkInteger(2 ** 60, 'steps'), 'steps', /an integer/);
});

test('checkBoolean, checkOneOf and optional', () => {
  assert.is(checkBoolean(false, 'flag'), false);
  throwsWith(() => checkBoolean(0, 'flag'), 'flag', /true or false/);
  assert.is(checkOneOf('adjoint', ['checkpoint', 'adjoint'], 'gradient'), 'adjoint');
  throwsWith(
    () => checkOneOf('x', ['checkpoint', 'adjoint'], 'gradient'),
    'gradient',
    /one of "checkpoint", "adjoint"/,
  );
  assert.is(optional(undefined, 'lr', checkNumber, { min: 0 }), undefined);
  assert.is(optional(0.1, 'lr', checkNumber, { min: 0 }), 0.1);
  throwsWith(() => optional(-1, 'lr', checkNumber, { min: 0 }), 'lr', /≥ 0/);
});

test('the smaller option objects are strict too: runtime, minibatches, tape losses', () => {
  throwsWith(
    () => createRuntimeSync({ maxMemoryByte: 1 << 20 } as never),
    'maxMemoryByte',
    /unknown key; expected one of maxMemoryBytes, module/,
  );
  throwsWith(
    () => new MinibatchSampler(4, 2, new Rng(1), { droplast: false } as never),
    'droplast',
    /unknown key; expected one of dropLast, shuffle/,
  );
  throwsWith(() => new MinibatchSampler(4, 2, new Rng(1), { shuffle: 0 } as never), 'shuffle', /true or false/);
  throwsWith(
    () => tapeLoss((tape, z1, target) => tape.mse(z1, target), { nmae: 'x' } as never),
    'nmae',
    /unknown key; expected one of name, checkTarget/,
  );
});

test.run();
