// The shipped bundles (build/index.js, build/index.cjs) work on their own: wasm embedded, no file paths.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';

const esmPath = new URL('../../build/index.js', import.meta.url);
const cjsPath = new URL('../../build/index.cjs', import.meta.url);

type Api = typeof import('../../src/index.js');

function gemmThroughApi(api: Api): number[] {
  const { arena, kernels } = api.createRuntimeSync();
  const a = api.Tensor.from(arena, [1, 2, 3, 4], 2, 2);
  const b = api.Tensor.from(arena, [5, 6, 7, 8], 2, 2);
  const c = api.Tensor.empty(arena, 2, 2);
  kernels.gemm_nn(c.offset, a.offset, b.offset, 0, 2, 2, 2, 0);
  return Array.from(c.data);
}

test('the build produced both bundles', () => {
  assert.ok(existsSync(esmPath), 'build/index.js: run npm run build');
  assert.ok(existsSync(cjsPath), 'build/index.cjs');
});

test('ESM bundle computes with its embedded wasm', async () => {
  const api = (await import(esmPath.href)) as Api;
  assert.equal(gemmThroughApi(api), [19, 22, 43, 50]);
});

test('CommonJS bundle computes with its embedded wasm', () => {
  const api = createRequire(import.meta.url)(cjsPath.pathname) as Api;
  assert.equal(gemmThroughApi(api), [19, 22, 43, 50]);
});

test('a precompiled module can be handed in (edge runtimes forbid compiling bytes)', async () => {
  const api = (await import(esmPath.href)) as Api;
  const module = await WebAssembly.compile(api.kernelWasmBytes() as BufferSource);
  const rt = await api.createRuntime({ module });
  assert.is(typeof rt.kernels.gemm_nn, 'function');
});

test('the library bundle imports no Node built-ins (browsers, workers, edge)', () => {
  const source = readFileSync(esmPath, 'utf8');
  assert.not.match(source, /from\s+["']node:/);
  assert.not.match(source, /require\(["'](node:)?(fs|path|os|child_process)["']\)/);
});

test.run();
