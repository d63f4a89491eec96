// The pure parts of `npm run bench -- profile` (issue 22): the categoriser on a synthetic V8 profile,
// the name section given to the release kernels, and the step's work and floors.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { breakdown, categorise, type CpuProfile } from '../../bench/profile-categories.js';
import { functionNamesFromWat, wasmFunctions, withFunctionNames } from '../../bench/wasm-names.js';
import { floorsMs, stepWork } from '../../bench/step-roofline.js';
import { kernelWasmBytes } from '../../src/runtime/wasm.js';
import { ArgumentError } from '../../src/errors.js';

const wasm = (functionName: string) => ({ functionName, url: 'wasm://wasm/0006bbea' });
const js = (functionName: string, file: string) => ({ functionName, url: `file:///repo/${file}` });

test('categorise: wasm kernels by kind, copies, JS by source file, GC', () => {
  assert.is(categorise(wasm('assembly/gemm-f32/gemm_tn_f32')), 'wasm GEMM');
  assert.is(categorise(wasm('assembly/gemm/gemm_nn')), 'wasm GEMM');
  assert.is(categorise(wasm('assembly/activations-f32/sigmoid_vjp_f32')), 'wasm activations');
  assert.is(categorise(wasm('~lib/math/NativeMath.exp')), 'wasm activations');
  assert.is(categorise(wasm('assembly/rk-f32/rk_stage_sum_f32')), 'wasm elementwise + stage sums');
  assert.is(categorise(wasm('assembly/elementwise-f32/axpy_f32')), 'wasm elementwise + stage sums');
  assert.is(categorise(wasm('assembly/elementwise-f32/copy_f32')), 'copies + fills');
  assert.is(categorise(wasm('assembly/autodiff-support-f32/append_column_f32')), 'copies + fills');
  assert.is(categorise(wasm('assembly/elementwise/fill')), 'copies + fills');
  assert.is(categorise({ functionName: 'set', url: '' }), 'copies + fills');
  assert.is(categorise({ functionName: 'Float32Array', url: '' }), 'copies + fills');
  assert.is(categorise(js('attempt', 'src/ode/stepper.ts')), 'JS solver control');
  assert.is(categorise(js('release', 'src/gradients/backprop.ts')), 'JS solver control');
  assert.is(categorise(js('backward', 'src/autodiff/program.ts')), 'JS autodiff + layers + dispatch');
  assert.is(categorise(js('allocBytes', 'src/runtime/arena.ts')), 'JS autodiff + layers + dispatch');
  assert.is(categorise(js('get', 'src/lru-cache.ts')), 'JS autodiff + layers + dispatch');
  assert.is(categorise({ functionName: '(garbage collector)', url: '' }), 'GC');
  assert.is(categorise(js('run', 'bench/profile.bench.ts')), 'other');
  assert.is(categorise({ functionName: '(program)', url: '' }), 'other');
});

test('breakdown: self time from the deltas to the next sample, idle left out, the last sample at the mean', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' } },
      { id: 2, callFrame: wasm('assembly/gemm-f32/gemm_nt_f32') },
      { id: 3, callFrame: js('attempt', 'src/ode/stepper.ts') },
      { id: 4, callFrame: { functionName: '(idle)', url: '' } },
      { id: 5, callFrame: wasm('assembly/gemm-f32/gemm_nn_f32') },
    ],
    // sample i lasts until sample i + 1: 2 → 300 µs, 3 → 100, 4 → 1000 (idle), 2 → 200, 5 → the mean (400)
    samples: [2, 3, 4, 2, 5],
    timeDeltas: [50, 300, 100, 1000, 200],
  };
  const b = breakdown(profile, 2);
  assert.equal(+b.ms['wasm GEMM'].toFixed(6), 0.9);
  assert.equal(+b.ms['JS solver control'].toFixed(6), 0.1);
  assert.equal(+b.totalMs.toFixed(6), 1);
  assert.equal(
    b.top.map((t) => [t.name, +t.ms.toFixed(6)]),
    [
      ['assembly/gemm-f32/gemm_nt_f32', 0.5],
      ['assembly/gemm-f32/gemm_nn_f32', 0.4],
    ],
  );
  assert.throws(
    () => breakdown({ ...profile, timeDeltas: [1] }),
    (e: unknown) => e instanceof ArgumentError,
  );
  assert.throws(() => breakdown({ ...profile, samples: [2, 3, 4, 2, 9] }), /node 9/);
});

test('withFunctionNames: the release kernels, unchanged, plus a name section V8 reads', () => {
  const bytes = kernelWasmBytes('baseline');
  const wat = readFileSync(new URL('../../build/taynode.wat', import.meta.url), 'utf8');
  const names = functionNamesFromWat(wat);
  const { count, hasNames } = wasmFunctions(bytes);
  assert.is(hasNames, false);
  assert.is(names.length, count);
  const named = withFunctionNames(bytes, names);
  assert.equal(named.subarray(0, bytes.length), bytes);
  assert.is(wasmFunctions(named).hasNames, true);
  const module = new WebAssembly.Module(named as BufferSource);
  assert.is(WebAssembly.Module.customSections(module, 'name').length, 1);
  assert.throws(() => withFunctionNames(bytes, names.slice(1)), /one name per function/);
  assert.throws(() => withFunctionNames(named, names), /without a name section/);
  assert.throws(
    () => wasmFunctions(new Uint8Array(8)),
    (e: unknown) => e instanceof ArgumentError,
  );
});

test('functionNamesFromWat: imports first, then definitions, in order', () => {
  const wat = [
    '(module',
    ' (type $0 (func (param i32)))',
    ' (import "env" "abort" (func $~lib/builtins/abort (param i32 i32 i32 i32)))',
    ' (func $assembly/a/one (param $0 i32)',
    '  (local $1 i32)',
    ' )',
    ' (func $assembly/b/two',
    ' )',
    ')',
  ].join('\n');
  assert.equal(functionNamesFromWat(wat), ['~lib/builtins/abort', 'assembly/a/one', 'assembly/b/two']);
});

test('stepWork and floorsMs: a VJP is two forward evaluations of GEMM work', () => {
  const w = stepWork(
    38,
    36,
    100,
    [
      [785, 100],
      [101, 784],
    ],
    [784, 100],
  );
  assert.is(w.evalEquivalents, 38 + 72);
  assert.is(w.gemmFlops, 2 * 100 * (785 * 100 + 101 * 784) * 110);
  assert.is(w.activationValues, 100 * 884 * 38);
  assert.equal(floorsMs(w, { gemmForward: 1, gemmVjp: 2, activationForward: 0.1, activationVjp: 0.01 }), {
    gemm: 38 + 72,
    activations: 3.8 + 0.36,
  });
});

test.run();
