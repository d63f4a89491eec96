import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareFrontiers, spread } from '../../bench/frontier.js';

test('spread: mean and sample sd (n − 1), NaN sd for one value', () => {
  const s = spread([1, 2, 3, 6]);
  assert.is(s.mean, 3);
  assert.ok(Math.abs(s.sd - Math.sqrt(14 / 3)) < 1e-15);
  assert.ok(Number.isNaN(spread([4]).sd));
});

const run = (lambda: number, nfe: number[], error: number[], cpu = [10, 10, 10]) => ({ lambda, nfe, error, cpu });

test('compareFrontiers: the cheap estimator is no worse within the larger of the two sds', () => {
  // exact NFE 40 ± 2, cheap 41 ± 1: excess 1 ≤ 2; errors equal
  const [p] = compareFrontiers(
    [run(0.03, [38, 40, 42], [0.1, 0.1, 0.1])],
    [run(0.03, [40, 41, 42], [0.1, 0.1, 0.1], [5, 5, 5])],
  );
  assert.is(p.nfe_excess, 1);
  assert.is(p.nfe_allowance, 2);
  assert.is(p.cpu_ratio, 0.5);
  assert.ok(p.no_worse);
});

test('compareFrontiers: more NFE or more error than the seeds spread is worse', () => {
  const [nfe] = compareFrontiers([run(1, [40, 40, 40], [0.1, 0.1, 0.1])], [run(1, [44, 45, 46], [0.1, 0.1, 0.1])]);
  assert.is(nfe.no_worse, false);
  const [err] = compareFrontiers([run(1, [40, 40, 40], [0.1, 0.11, 0.12])], [run(1, [40, 40, 40], [0.15, 0.16, 0.17])]);
  assert.is(err.no_worse, false);
  // fewer NFE and less error is never worse, whatever the spread
  const [better] = compareFrontiers([run(1, [40, 40, 40], [0.2, 0.2, 0.2])], [run(1, [30, 30, 30], [0.1, 0.1, 0.1])]);
  assert.ok(better.no_worse);
});

test('compareFrontiers: refuses a λ or a seed count the other estimator lacks', () => {
  assert.throws(() => compareFrontiers([run(1, [1, 2], [0, 0])], [run(2, [1, 2], [0, 0])]), /no run at λ = 1/);
  assert.throws(() => compareFrontiers([run(1, [1, 2], [0, 0])], [run(1, [1, 2, 3], [0, 0, 0])]), /2 exact seeds/);
});

test.run();
