// The seeded generator: fixed streams per seed, distinct seeds give distinct streams, draws in range.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';

const firstDraws = (seed: number) => {
  const r = new Rng(seed);
  return [r.nextUint32(), r.nextUint32(), r.nextUint32()];
};

test('a seed fixes the stream (pinned: every recorded result depends on it)', () => {
  assert.equal(firstDraws(0), [3809008728, 1133695204, 53579671]);
  assert.equal(firstDraws(1), [2442144158, 3238099751, 3819917871]);
  assert.equal(firstDraws(12345), [518667457, 440444462, 4232898752]);
  assert.equal(firstDraws(2 ** 32 - 1), [835879718, 1921286648, 2356199249]);
});

test('distinct seeds give distinct streams, negative and ≥ 2^32 ones included', () => {
  const seeds = [
    0,
    1,
    2,
    5,
    -1,
    -2,
    -5,
    2 ** 32,
    2 ** 32 + 1,
    5 * 2 ** 32,
    5 + 2 ** 32,
    2 ** 32 - 1,
    -(2 ** 32),
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ];
  const streams = new Map<string, number>();
  for (const seed of seeds) {
    const key = firstDraws(seed).join(',');
    assert.ok(!streams.has(key), `seed ${seed} repeats the stream of seed ${streams.get(key)}`);
    streams.set(key, seed);
  }
});

test('draws stay in their ranges', () => {
  const r = new Rng(7);
  for (let i = 0; i < 2000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1, `uniform ${u}`);
    const x = r.uniformIn(-3, 2);
    assert.ok(x >= -3 && x < 2, `uniformIn ${x}`);
    const k = r.int(5);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 5, `int ${k}`);
    assert.ok([-1, 1].includes(r.rademacher()));
  }
  const perm = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.equal(
    [...perm].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.not.equal(
    perm,
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test('normal draws have mean 0 and variance 1 (20000 draws: 5 standard errors)', () => {
  const r = new Rng(3);
  const n = 20000;
  let sum = 0,
    sq = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(sq / n - 1) < 5 * Math.sqrt(2 / n), `variance ${sq / n}`);
});

test('bad seeds and bounds are named', () => {
  assert.throws(
    () => new Rng(1.5),
    (e: unknown) => e instanceof ArgumentError && /^seed: expected a safe integer, got 1.5/.test((e as Error).message),
  );
  assert.throws(() => new Rng(NaN), /^seed:/);
  assert.throws(() => new Rng(0).int(0), /^n: expected a positive integer, got 0/);
});

test.run();
