import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../../src/errors.js';
import { StopRule } from '../../../packages/cli/src/experiments/cnf/stop.js';

test('StopRule: checks every `every` iterations; stops at the target gap to the true NLL', () => {
  const rule = new StopRule({ every: 10, patience: 30, gap: 0.02, trueNll: 3 });
  assert.equal(
    [8, 9, 10, 19].map((it) => rule.due(it)),
    [false, true, false, true],
  );
  assert.equal(rule.check(9, 3.5), { improved: true });
  assert.equal(rule.check(19, 3.061), { improved: true }, '2.03 % above: not yet');
  assert.equal(rule.check(29, 3.06), { stop: 'target', improved: true }, 'exactly 2 % above');
});

test('StopRule: stops by patience when the NLL has not improved on its best for `patience` iterations', () => {
  const rule = new StopRule({ every: 10, patience: 30, gap: 0.02 });
  assert.equal(rule.check(9, 5), { improved: true });
  assert.equal(rule.check(19, 4), { improved: true });
  assert.equal(rule.check(29, 4.5), { improved: false });
  assert.equal(rule.check(39, 4), { improved: false }, 'equal is no improvement');
  assert.equal(rule.check(49, 4.1), { stop: 'patience', improved: false }, '30 iterations after the best (19)');
  assert.is(rule.bestIteration, 19);
  const nan = new StopRule({ every: 1, patience: 2, gap: 0 });
  assert.equal(
    [0, 1].map((it) => nan.check(it, NaN).stop),
    [undefined, 'patience'],
    'a NaN never improves: two iterations done without a best',
  );
});

test('StopRule refuses a bad schedule by name', () => {
  for (const [o, name] of [
    [{ every: 0, patience: 10, gap: 0 }, 'every'],
    [{ every: 10, patience: 5, gap: 0 }, 'patience'],
    [{ every: 1, patience: 5, gap: -1 }, 'gap'],
  ] as const) {
    assert.throws(
      () => new StopRule(o),
      (e: Error) => e instanceof ArgumentError && e.message.startsWith(`${name}:`),
    );
  }
});

test.run();
