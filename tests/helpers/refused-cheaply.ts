// A hostile input must be refused with a SafetensorsError without allocating what it claims: the
// wasm memory does not grow, the arena is untouched, and JS memory grows by next to nothing.
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { loadModel } from '../../src/model/serialize.js';
import { SafetensorsError } from '../../src/io/safetensors.js';

/**
 * Loads into a fresh runtime: must throw SafetensorsError matching `pattern`, allocating next to nothing
 * (memory, not time, is asserted: timings drift on a shared machine). `load` defaults to loadModel.
 */
export function refusedCheaply(
  bytes: Uint8Array,
  pattern: RegExp,
  load: (rt: Runtime, bytes: Uint8Array) => unknown = loadModel,
): void {
  const rt = createRuntimeSync();
  const capacity = rt.arena.capacityBytes,
    used = rt.arena.usedBytes;
  const before = process.memoryUsage();
  assert.throws(
    () => load(rt, bytes),
    (e: unknown) => {
      if (!(e instanceof SafetensorsError)) throw e;
      if (!pattern.test(e.message)) throw new Error(`message "${e.message}" does not match ${pattern}`);
      return true;
    },
  );
  const after = process.memoryUsage();
  assert.is(rt.arena.capacityBytes, capacity, 'wasm memory did not grow');
  assert.is(rt.arena.usedBytes, used, 'nothing was allocated in the arena');
  assert.ok(
    after.arrayBuffers - before.arrayBuffers < 4e6,
    `array buffers grew by ${after.arrayBuffers - before.arrayBuffers} bytes`,
  );
  assert.ok(after.rss - before.rss < 32e6, `rss grew by ${after.rss - before.rss} bytes`);
}
