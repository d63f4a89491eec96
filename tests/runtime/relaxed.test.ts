// The relaxed-SIMD build: feature detection agrees with the real module, the option forcing the
// baseline works, and (in a child Node with --experimental-wasm-relaxed-simd) the relaxed build is the
// default and agrees with the baseline build to rounding, kernel by kernel and over a whole solve.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRuntimeSync, createRuntime, kernelWasmBytes, relaxedSimdSupported } from '../../src/runtime/wasm.js';
import { ArgumentError } from '../../src/errors.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the probe agrees with the relaxed module itself; both builds export the same kernels', () => {
  assert.is(relaxedSimdSupported(), WebAssembly.validate(kernelWasmBytes('relaxed') as BufferSource));
  assert.ok(
    WebAssembly.validate(kernelWasmBytes() as BufferSource),
    'the baseline build validates everywhere SIMD does',
  );
  const names = (bytes: Uint8Array) =>
    WebAssembly.Module.exports(new WebAssembly.Module(bytes as BufferSource))
      .map((e) => e.name)
      .sort();
  if (relaxedSimdSupported()) assert.equal(names(kernelWasmBytes('relaxed')), names(kernelWasmBytes('baseline')));
  assert.not.equal(kernelWasmBytes('relaxed'), kernelWasmBytes('baseline'));
});

test("kernels: 'baseline' forces the baseline; 'relaxed' where unsupported and unknown values are errors naming the option", async () => {
  assert.is(createRuntimeSync({ kernels: 'baseline' }).build, 'baseline');
  assert.is((await createRuntime({ kernels: 'baseline' })).build, 'baseline');
  assert.is(createRuntimeSync().build, relaxedSimdSupported() ? 'relaxed' : 'baseline');
  if (!relaxedSimdSupported())
    assert.throws(
      () => createRuntimeSync({ kernels: 'relaxed' }),
      (e: Error) => e instanceof ArgumentError && /kernels/.test(e.message) && /relaxed/.test(e.message),
    );
  assert.throws(
    () => createRuntimeSync({ kernels: 'fast' as 'auto' }),
    (e: Error) => e instanceof ArgumentError && /kernels/.test(e.message),
  );
  assert.throws(
    () => kernelWasmBytes('fast' as 'baseline'),
    (e: Error) => e instanceof ArgumentError && /build/.test(e.message),
  );
  const module = new WebAssembly.Module(kernelWasmBytes() as BufferSource);
  assert.is(createRuntimeSync({ module }).build, 'module');
  // checked whichever options are used: a bad kernels beside a module, a module that is not one
  assert.throws(
    () => createRuntimeSync({ module, kernels: 'bogus' as 'auto' }),
    (e: Error) => e instanceof ArgumentError && /kernels/.test(e.message),
  );
  assert.throws(
    () => createRuntimeSync({ module: 'x' as unknown as WebAssembly.Module }),
    (e: Error) => e instanceof ArgumentError && /module/.test(e.message),
  );
  await createRuntime({ module: 'x' as unknown as WebAssembly.Module }).then(
    () => assert.unreachable('accepted'),
    (e: Error) => assert.ok(e instanceof ArgumentError && /module/.test(e.message)),
  );
});

test('with --experimental-wasm-relaxed-simd the relaxed build is chosen and agrees with the baseline to rounding', () => {
  const stdout = execFileSync(
    process.execPath,
    [
      '--experimental-wasm-relaxed-simd',
      '--import',
      'tsx',
      '--import',
      './tests/setup/register-wasm-loader.mjs',
      'tests/runtime/relaxed-child.ts',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const r = JSON.parse(stdout.trim().split('\n').pop()!);
  assert.is(r.supported, true);
  assert.is(r.build, 'relaxed');
  assert.is(r.baselineBuild, 'baseline');
  // per element, relative to Σ|a·b|: a fused multiply-add rounds once where the baseline rounds twice
  assert.ok(r.worst64 <= 4 * 2 ** -53, `f64 GEMM builds differ by ${r.worst64}`);
  assert.ok(r.worst32 <= 4 * 2 ** -24, `f32 GEMM builds differ by ${r.worst32}`);
  // activations: each build within a few ulp of Math.*, so within a few ulp of each other
  for (const [name, worst] of Object.entries(r.activations as Record<string, number>)) {
    assert.ok(worst <= (name.endsWith('_f32') ? 8 * 2 ** -24 : 8 * 2 ** -53), `${name}: builds differ by ${worst}`);
  }
  assert.equal(r.nfe[0], r.nfe[1], 'the same steps');
  assert.ok(r.solveZ1RelDiff <= 1e-12, `z(t1) differs by ${r.solveZ1RelDiff}`);
  assert.ok(r.gradRelDiff <= 1e-10, `gradients differ by ${r.gradRelDiff}`);
});

test.run();
