// Every f64 kernel the module exports has an f32 twin named <name>_f32 with the same number of
// parameters, so an f32 runtime can map each kernel name to its twin (a new f64 kernel without a twin fails here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, relaxedSimdSupported } from '../../src/runtime/wasm.js';

// (The two builds come from the same sources; the relaxed one is checked where this host can run it.)
for (const build of relaxedSimdSupported() ? (['baseline', 'relaxed'] as const) : (['baseline'] as const)) {
  test(`${build} build: every f64 kernel has an f32 twin of the same arity`, () => {
    const exports = createRuntimeSync({ kernels: build }).kernels as unknown as Record<string, unknown>;
    const names = Object.keys(exports).filter((n) => typeof exports[n] === 'function');
    const fn = (name: string) => exports[name] as ((...a: number[]) => unknown) | undefined;
    const f64Kernels = names.filter((n) => !n.endsWith('_f32') && n !== 'heapBase');
    assert.ok(f64Kernels.length >= 60, `found ${f64Kernels.length} f64 kernels`);
    const missing = f64Kernels.filter((n) => typeof fn(`${n}_f32`) !== 'function');
    assert.equal(missing, [], 'f64 kernels without an _f32 twin');
    const arity = f64Kernels
      .filter((n) => fn(`${n}_f32`)!.length !== fn(n)!.length)
      .map((n) => `${n}: ${fn(n)!.length} vs ${fn(`${n}_f32`)!.length}`);
    assert.equal(arity, [], 'twins whose parameter count differs');
    const orphans = names.filter((n) => n.endsWith('_f32') && !names.includes(n.slice(0, -4)));
    assert.equal(orphans, [], 'f32 kernels without an f64 original');
  });
}

test.run();
