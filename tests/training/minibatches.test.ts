import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/random.js';
import { MinibatchSampler, gatherRows } from '../../src/training/minibatches.js';
import { MetricsLog } from '../../src/training/metrics.js';

test('each epoch visits every example once; same seed, same batches', () => {
  const a = new MinibatchSampler(10, 3, new Rng(42), { dropLast: false });
  const b = new MinibatchSampler(10, 3, new Rng(42), { dropLast: false });
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    const x = a.next();
    assert.equal(Array.from(x), Array.from(b.next()));
    seen.push(...x);
  }
  assert.is(seen.length, 10);
  assert.equal(
    [...seen].sort((p, q) => p - q),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.is(a.epoch, 0);
  const next = a.next();
  assert.is(a.epoch, 1);
  assert.is(next.length, 3);
  const c = new MinibatchSampler(10, 3, new Rng(43), { dropLast: false });
  assert.not.equal(Array.from(c.next()), Array.from(new MinibatchSampler(10, 3, new Rng(42)).next()));
});

test('dropLast keeps every batch full; no shuffle visits rows in order', () => {
  const s = new MinibatchSampler(7, 3, new Rng(1));
  assert.is(s.batchesPerEpoch, 2);
  for (let i = 0; i < 9; i++) assert.is(s.next().length, 3);
  const o = new MinibatchSampler(5, 2, new Rng(1), { shuffle: false, dropLast: false });
  assert.equal(
    [o.next(), o.next(), o.next(), o.next()].map((x) => Array.from(x)),
    [[0, 1], [2, 3], [4], [0, 1]],
  );
});

test('gatherRows copies the selected rows; bad sizes and indices are named', () => {
  const src = new Float64Array([0, 1, 10, 11, 20, 21]);
  assert.equal(Array.from(gatherRows(src, 2, [2, 0])), [20, 21, 0, 1]);
  assert.throws(() => gatherRows(src, 2, [3]), /indices\[0\]: expected a row in \[0, 3\)/);
  // A source that is not whole rows: the last partial row is refused, not copied short.
  assert.throws(() => gatherRows(src.subarray(0, 5), 2, [2]), /source: expected whole rows of 2 values/);
  assert.throws(() => gatherRows(src, 0, []), /cols: expected a positive integer/);
  assert.throws(() => new MinibatchSampler(5, 6, new Rng(0)), /batchSize: expected an integer in \[1, 5\]/);
  assert.throws(() => new MinibatchSampler(0, 1, new Rng(0)), /size/);
});

test('metrics log keeps records and serialises one JSON object per line', () => {
  const log = new MetricsLog();
  for (let i = 0; i < 3; i++) {
    log.push({
      iteration: i,
      loss: 3 - i,
      dataLoss: 3 - i,
      regularizers: { r3: 0.5 },
      nfeForward: 20,
      nfeBackward: 40,
      acceptedSteps: 3,
      rejectedSteps: 0,
      learningRate: 0.1,
      wallMs: 2,
    });
  }
  assert.is(log.recentMean('loss', 2), 1.5);
  assert.is(log.recentMean('loss', 5), 2); // fewer records than the window: all of them
  for (const bad of [0, -1, 1.5])
    assert.throws(() => log.recentMean('loss', bad), /window: expected a positive integer/);
  assert.is(log.last?.iteration, 2);
  const lines = log.toJsonLines().trim().split('\n');
  assert.is(lines.length, 3);
  assert.is(JSON.parse(lines[1]).regularizers.r3, 0.5);
});

test.run();
