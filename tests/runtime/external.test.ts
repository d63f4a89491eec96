// taynode/infer's runtime constructors require a kernel source: called without one (or with something
// that is not an object) they say which argument and what it takes, not a TypeError from inside.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntime, createRuntimeSync, init, initSync } from '../../src/runtime/external.js';
import { ArgumentError } from '../../src/errors.js';
import { rejects } from '../helpers/rejects.js';

const namesSource = (e: unknown) =>
  e instanceof ArgumentError && e.argument === 'source' && /module .*bytes .*url/.test(e.message);

test('init() and createRuntime() without a source reject with an ArgumentError naming source and its three forms', async () => {
  await rejects((init as (s?: unknown) => Promise<unknown>)(), namesSource);
  await rejects((createRuntime as (s?: unknown) => Promise<unknown>)(), namesSource);
  await rejects((init as (s?: unknown) => Promise<unknown>)('taynode.wasm'), namesSource);
});

test('initSync() and createRuntimeSync() without a source throw the same ArgumentError', () => {
  assert.throws(() => (initSync as (s?: unknown) => unknown)(), namesSource);
  assert.throws(() => (createRuntimeSync as (s?: unknown) => unknown)(null), namesSource);
});

test.run();
