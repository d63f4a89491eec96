import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Arena } from '../../src/runtime/arena.js';
import { ArenaExhaustedError, ArgumentError, ShapeError } from '../../src/errors.js';

test('allocations are 16-byte aligned whatever the requested size', () => {
  const { arena } = createRuntimeSync();
  for (const count of [1, 3, 7, 2, 129, 0, 5]) {
    const offset = arena.alloc(count);
    assert.is(offset % 16, 0, `offset for ${count} values`);
  }
});

test('growth past the initial memory keeps earlier tensors readable', () => {
  const { arena, kernels } = createRuntimeSync();
  const initial = arena.capacityBytes;
  const early = Tensor.from(arena, [1.5, -2.25, 3.125], 1, 3);
  const viewBefore = early.data;
  const big = Tensor.zeros(arena, 1000, 1000); // 8 MB: several grows past the initial pages
  assert.ok(arena.capacityBytes > initial, 'memory grew');
  assert.ok(viewBefore.length === 0 || viewBefore.buffer !== kernels.memory.buffer, 'old view detached');
  assert.equal(Array.from(early.data), [1.5, -2.25, 3.125]);
  assert.is(big.data.length, 1_000_000);
  kernels.scale(early.offset, early.offset, 2, 3);
  assert.equal(Array.from(early.data), [3, -4.5, 6.25]);
});

test('scope frees what it allocated and returns the arena to its mark', () => {
  const { arena } = createRuntimeSync();
  const keep = arena.alloc(10);
  const mark = arena.mark();
  const inner = arena.scope(() => {
    arena.alloc(1000);
    arena.alloc(3);
    return arena.mark();
  });
  assert.ok(inner > mark);
  assert.is(arena.mark(), mark);
  assert.throws(
    () =>
      arena.scope(() => {
        arena.alloc(5);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.is(arena.mark(), mark, 'released on throw too');
  arena.alloc(4);
  arena.reset(mark);
  assert.is(arena.mark(), mark);
  assert.ok(keep < mark);
});

test('reset rejects marks that were never handed out', () => {
  const { arena } = createRuntimeSync();
  const mark = arena.mark();
  assert.throws(
    () => arena.reset(mark + 16),
    (e: unknown) => e instanceof ArgumentError && /mark/.test((e as Error).message),
  );
  assert.throws(
    () => arena.reset(mark + 3),
    (e: unknown) => e instanceof ArgumentError,
  );
});

test('exhausting the maximum throws a clear error and leaves the arena usable', () => {
  const { arena } = createRuntimeSync({ maxMemoryBytes: 4 * 65536 });
  const small = Tensor.from(arena, [7, 8], 1, 2);
  assert.throws(
    () => arena.alloc(1_000_000),
    (e: unknown) => e instanceof ArenaExhaustedError && /maximum of 262144 bytes/.test((e as Error).message),
  );
  assert.equal(Array.from(small.data), [7, 8]);
  assert.ok(arena.alloc(100) % 16 === 0);
});

test('memory never grows past maxMemoryBytes, which it can only do in whole 64 KiB pages', () => {
  const max = 4 * 65536 + 100;
  const { arena } = createRuntimeSync({ maxMemoryBytes: max });
  assert.throws(
    () => arena.alloc(Math.ceil((4 * 65536 + 50 - arena.mark()) / 8)),
    (e: unknown) => e instanceof ArenaExhaustedError,
  );
  assert.ok(arena.capacityBytes <= max, `capacity ${arena.capacityBytes} ≤ ${max}`);
  arena.alloc((4 * 65536 - arena.mark()) / 8);
  assert.is(arena.capacityBytes, 4 * 65536, 'everything up to the last whole page is usable');
});

test('a memory that refuses to grow gives ArenaExhaustedError, not a bare RangeError', () => {
  const arena = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0, 8 * 65536);
  assert.throws(
    () => arena.alloc(3 * 8192),
    (e: unknown) => e instanceof ArenaExhaustedError && /could not grow/.test((e as Error).message),
  );
  assert.is(arena.usedBytes, 0);
});

test('invalid sizes and shapes are named', () => {
  const { arena } = createRuntimeSync();
  assert.throws(() => arena.alloc(-1), /count: expected a non-negative integer, got -1/);
  assert.throws(() => Tensor.empty(arena, 2.5, 1), /rows: expected a non-negative integer, got 2.5/);
  const t = Tensor.zeros(arena, 2, 3);
  assert.throws(
    () => t.copyFrom([1, 2, 3]),
    (e: unknown) => e instanceof ShapeError && /holds 6 values, source has 3/.test((e as Error).message),
  );
  assert.throws(() => t.reshape(4, 2), /cannot view \[2, 3\]/);
  assert.throws(() => t.reshape(-2, -3), /rows: expected a non-negative integer, got -2/);
  assert.throws(() => t.reshape(4, 1.5), /cols: expected a non-negative integer, got 1.5/);
  assert.throws(() => t.rowsView(1, 2), /rows: expected a range inside \[0, 2\)/);
  const second = t.copyFrom([1, 2, 3, 4, 5, 6]).rowsView(1, 1);
  assert.equal(Array.from(second.data), [4, 5, 6]);
  assert.throws(() => createRuntimeSync({ maxMemoryBytes: -5 }), /maxMemoryBytes/);
});

test('watch: memory kept past its scope is broken once a reset or a scope end frees any of it, even if the top comes back above it', () => {
  const { arena } = createRuntimeSync();
  const below = arena.mark();
  const kept = arena.alloc(10);
  const end = arena.mark();
  const watch = arena.watch(end);
  arena.scope(() => arena.alloc(100));
  arena.reset(end);
  assert.is(watch.broken, false, 'frees above it leave it intact');
  arena.scope(() => {
    arena.reset(kept);
  });
  assert.is(watch.broken, true, 'a reset into it');
  arena.keepUpTo(end);
  const again = arena.watch(end);
  arena.scope(() => {
    arena.reset(below);
    arena.alloc(50);
  });
  assert.is(again.broken, true, 'a scope that ends after its body reset below');
  const third = arena.watch(arena.mark());
  arena.unwatch(third);
  arena.reset(below);
  assert.is(third.broken, false, 'no longer watched');
});

test.run();
