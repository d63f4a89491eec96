// The shared-steps barrier itself (src/parallel/step-barrier.ts), two shards on two threads: a shard
// released from one meeting must not reach the next one before the meeting's generation has moved on,
// else it writes its next part into the bank the others are still reading and skips the wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SharedStepBarrier, sharedStepsBuffer } from '../../src/parallel/step-barrier.js';
import { spawnWorker } from '../../src/parallel/port.js';

const ARRIVED = 1,
  COMPLETED = 3;
const part = (sumSquares: number) => ({ sumSquares, count: 1, means: new Float64Array(0), rtol: 1e-6 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a shard whose wait returns early, released while the last arriver is between completing the meeting and moving the generation, still meets the others at the next norm', async () => {
  const buffer = sharedStepsBuffer(2);
  const control = new Int32Array(buffer, 0, 4);
  const worker = await spawnWorker(new URL('./fixtures/barrier-race-worker.ts', import.meta.url));
  const results = new Promise<number[]>((resolve, reject) =>
    worker.listen(
      (m) => resolve(m as number[]),
      (reason) => reject(new Error(reason)),
    ),
  );
  worker.post({ buffer, parts: [1, 100] });
  try {
    // Shard 0 arrives first at the first meeting.
    results.catch(() => {}); // (awaited below; a worker that fails to load must not end the process first)
    for (let i = 0; i < 12000 && Atomics.load(control, ARRIVED) !== 1; i++) await sleep(5);
    assert.is(Atomics.load(control, ARRIVED), 1, 'shard 0 arrived');
    // Shard 1 (this thread) arrives last; right after it marks the meeting complete, it is held up
    // until shard 0 has arrived at its next meeting (at most 2 s).
    const store = Atomics.store;
    Atomics.store = ((array: Int32Array, index: number, value: number) => {
      const r = store(array, index, value);
      if (array.buffer === buffer && index === COMPLETED) {
        const until = Date.now() + 2000;
        while (Atomics.load(control, ARRIVED) !== 1 && Date.now() < until);
      }
      return r;
    }) as typeof Atomics.store;
    const barrier = new SharedStepBarrier({ buffer, index: 1, weights: [0.5, 0.5] });
    let first: number;
    try {
      first = barrier.combine(part(3));
    } finally {
      Atomics.store = store;
    }
    const second = barrier.combine(part(5));
    const [workerFirst, workerSecond] = await results;
    assert.is(first, Math.sqrt((1 + 3) / 2), 'shard 1, first norm');
    assert.is(workerFirst, first, 'shard 0, first norm');
    assert.is(second, Math.sqrt((100 + 5) / 2), 'shard 1, second norm');
    assert.is(workerSecond, second, 'shard 0, second norm');
  } finally {
    await worker.terminate();
  }
});

test.run();
