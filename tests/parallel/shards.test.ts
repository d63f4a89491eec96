import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinTimeMajor, shardRows, shardSeeds, splitRows, weightedMean } from '../../src/parallel/shards.js';
import { Rng } from '../../src/random.js';

test('splitRows: contiguous shards covering the batch, sizes differing by at most one, never empty', () => {
  for (const batch of [1, 2, 3, 7, 17, 100]) {
    for (const parts of [1, 2, 3, 5, 64]) {
      const shards = splitRows(batch, parts);
      assert.is(shards.length, Math.min(batch, parts), `${batch} rows in ${parts}`);
      let next = 0;
      for (const s of shards) {
        assert.is(s.start, next);
        assert.ok(s.count >= 1);
        next += s.count;
      }
      assert.is(next, batch);
      const counts = shards.map((s) => s.count);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${batch}/${parts}: ${counts}`);
    }
  }
  assert.equal(splitRows(7, 2), [
    { start: 0, count: 4 },
    { start: 4, count: 3 },
  ]);
});

test("joinTimeMajor puts each shard's [times, rows, width] back at its rows of [times, batch, width]", () => {
  const times = 3,
    width = 2,
    batch = 5;
  const full = Float64Array.from({ length: times * batch * width }, (_, i) => i + 0.5);
  const shards = splitRows(batch, 2);
  // Each shard's part as a worker returns it: its rows at every time, time-major.
  const parts = shards.map((s) => {
    const out = new Float64Array(times * s.count * width);
    for (let m = 0; m < times; m++)
      out.set(
        full.subarray((m * batch + s.start) * width, (m * batch + s.start + s.count) * width),
        m * s.count * width,
      );
    return out;
  });
  assert.equal(Array.from(joinTimeMajor(parts, shards, times, width, batch)), Array.from(full));
  assert.equal(Array.from(shardRows(full.subarray(0, batch * width), width, shards[1])), [6.5, 7.5, 8.5, 9.5]);
});

test("weightedMean of per-shard means is the batch mean; shardSeeds are the rng's next draws in shard order", () => {
  const values = [1, 2, 3, 4, 5, 6, 7];
  const shards = splitRows(values.length, 3);
  const means = shards.map((s) => values.slice(s.start, s.start + s.count).reduce((a, b) => a + b, 0) / s.count);
  assert.ok(Math.abs(weightedMean(means, shards, values.length) - 4) < 1e-15);
  const a = new Rng(5),
    b = new Rng(5);
  assert.equal(shardSeeds(a, 3), [b.nextUint32(), b.nextUint32(), b.nextUint32()]);
});

test.run();
