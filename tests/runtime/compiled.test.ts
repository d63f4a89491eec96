// A second runtime of the same source compiles nothing: the embedded builds are compiled once each, and
// bytes a caller hands in once per bytes object (sync and async alike); instances still get their own
// memory. (A URL is fetched and compiled each time: what it serves may change.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { createRuntime, createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import * as external from '../../src/runtime/external.js';

/** Counts synchronous (new WebAssembly.Module) and asynchronous (WebAssembly.compile) compiles during `body`. */
async function compiles(body: () => unknown): Promise<number> {
  const { Module, compile } = WebAssembly;
  let count = 0;
  const Counting = class extends Module {
    constructor(bytes: BufferSource) {
      count++;
      super(bytes);
    }
  };
  (WebAssembly as { Module: unknown }).Module = Counting;
  (WebAssembly as { compile: unknown }).compile = (bytes: BufferSource) => {
    count++;
    return compile(bytes);
  };
  try {
    await body();
  } finally {
    (WebAssembly as { Module: unknown }).Module = Module;
    (WebAssembly as { compile: unknown }).compile = compile;
  }
  return count;
}

test('the embedded build compiles once for any number of runtimes, sync and async', async () => {
  createRuntimeSync({ kernels: 'baseline' });
  await createRuntime({ kernels: 'baseline' });
  let a: Runtime | undefined, b: Runtime | undefined;
  const n = await compiles(async () => {
    a = createRuntimeSync({ kernels: 'baseline' });
    b = await createRuntime({ kernels: 'baseline', dtype: 'float32' });
  });
  assert.is(n, 0);
  assert.is.not(a!.arena.memory, b!.arena.memory, 'each runtime its own memory');
});

test('bytes handed in compile once per bytes object', async () => {
  const bytes = readFileSync(new URL('../../build/taynode.wasm', import.meta.url));
  const first = await compiles(async () => {
    external.createRuntimeSync({ bytes });
    external.createRuntimeSync({ bytes, dtype: 'float32' });
    await external.createRuntime({ bytes });
  });
  assert.is(first, 1);
  const copy = await compiles(() => external.createRuntimeSync({ bytes: new Uint8Array(bytes) }));
  assert.is(copy, 1, 'another object compiles again');
});

test.run();
