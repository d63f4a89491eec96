// Asserting that a promise rejects, and with what: the pool's calls report failures as rejections.
import * as assert from 'uvu/assert';

/** Awaits `promise` and asserts it rejects with an error matching `expected` (a pattern for its message, or a predicate). */
export async function rejects(promise: Promise<unknown>, expected: RegExp | ((e: Error) => boolean)): Promise<void> {
  let error: Error | undefined;
  try {
    await promise;
  } catch (e) {
    error = e as Error;
  }
  if (!error) return assert.unreachable(`expected a rejection matching ${expected}`);
  const ok = expected instanceof RegExp ? expected.test(error.message) : expected(error);
  assert.ok(ok, `rejected with ${error.name}: ${error.message}; expected ${expected}`);
}
