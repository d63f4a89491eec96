// The runtime's dtype option: checked strictly, 'float64' by default, and an f32 runtime whose arena,
// tensors and kernel table all work in 4-byte values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntime, createRuntimeSync, init, initSync, kernelWasmBytes } from '../../src/runtime/wasm.js';
import * as external from '../../src/runtime/external.js';
import { resolveKernels } from '../../src/runtime/dtype.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { ArgumentError, TaynodeError } from '../../src/errors.js';
import { odeint } from '../../src/ode/solve.js';
import { Adam } from '../../src/training/adam.js';
import { Parameter } from '../../src/autodiff/parameter.js';

test('dtype defaults to float64 and is recorded on the runtime', () => {
  const rt = createRuntimeSync();
  assert.is(rt.dtype, 'float64');
  assert.is(rt.kernels.valueBytes, 8);
  assert.is(rt.arena.valueBytes, 8);
  assert.ok(rt.arena.scope(() => Tensor.zeros(rt.arena, 2, 3).data) instanceof Float64Array);
});

test('a float32 runtime: 4-byte values, Float32Array views, every f64 kernel name bound to its _f32 twin', () => {
  const rt = createRuntimeSync({ dtype: 'float32' });
  assert.is(rt.dtype, 'float32');
  assert.is(rt.kernels.valueBytes, 4);
  assert.is(rt.kernels.gemm_nt, rt.kernels.gemm_nt_f32);
  assert.is(rt.kernels.rk_error_ratio, rt.kernels.rk_error_ratio_f32);
  rt.arena.scope(() => {
    const a = rt.arena.alloc(5);
    const b = rt.arena.alloc(1);
    assert.is(b - a, 32, '5 f32 values (20 bytes) rounded up to the 16-byte alignment');
    const t = Tensor.from(rt.arena, [1, 2, 3, 0.1], 2, 2);
    assert.ok(t.data instanceof Float32Array);
    assert.is(t.rowsView(1, 1).offset, t.offset + 8, 'a row of 2 f32 values is 8 bytes');
    const widened = t.toFloat64Array();
    assert.ok(widened instanceof Float64Array);
    assert.is(widened[3], Math.fround(0.1), 'stored rounded to f32, read back exactly');
    rt.kernels.scale(t.offset, t.offset, 2, 4); // the f32 twin, on 4-byte values
    assert.equal(Array.from(t.toFloat64Array()), [2, 4, 6, Math.fround(0.1) * 2]);
  });
});

test('a bad dtype is refused, naming the option, before any compiling', async () => {
  for (const dtype of ['f32', 'float16', 32, null]) {
    assert.throws(
      () => createRuntimeSync({ dtype } as never),
      (e: Error) => e instanceof ArgumentError && /dtype/.test(e.message),
    );
    await createRuntime({ dtype } as never).then(
      () => assert.unreachable('accepted'),
      (e: Error) => assert.ok(e instanceof ArgumentError && /dtype/.test(e.message)),
    );
    assert.throws(
      () => external.createRuntimeSync({ bytes: kernelWasmBytes() as BufferSource, dtype } as never),
      (e: Error) => e instanceof ArgumentError && /dtype/.test(e.message),
    );
  }
});

test('taynode/infer entry: dtype through createRuntimeSync and createRuntime', async () => {
  const rt = external.createRuntimeSync({ bytes: kernelWasmBytes() as BufferSource, dtype: 'float32' });
  assert.is(rt.dtype, 'float32');
  assert.is(rt.arena.valueBytes, 4);
  const rt2 = await external.createRuntime({ bytes: kernelWasmBytes() as BufferSource, dtype: 'float32' });
  assert.is(rt2.kernels.valueBytes, 4);
});

test('a module lacking some f32 twin is refused for float32, naming the twin', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const fake = {
    memory,
    heapBase: () => 0,
    add: () => {},
    add_f32: () => {},
    scale: () => {},
    copy: () => {},
  } as unknown as WebAssembly.Exports;
  assert.throws(
    () => resolveKernels(fake, 'float32'),
    (e: Error) => e instanceof TaynodeError && /scale_f32, copy_f32/.test(e.message),
  );
  assert.is(resolveKernels(fake, 'float64').valueBytes, 8, 'f64 needs no twin');
});

test('odeint in an f32 runtime: a typed-array f still gets Float64Arrays, and the solution matches f64 to f32 rounding', () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' }),
    rt64 = createRuntimeSync();
  const seen: string[] = [];
  const f = (t: number, y: Float64Array, dy: Float64Array) => {
    seen.push(y.constructor.name + dy.constructor.name);
    for (let i = 0; i < y.length; i++) dy[i] = -(i + 1) * y[i] + Math.sin(t);
  };
  const y0 = [1, -0.5, 0.25];
  const opts = { method: 'dopri5' as const, rtol: 1e-5, atol: 1e-5 };
  const a = odeint(f, y0, [0, 0.5, 1], { ...opts, runtime: rt64 });
  const b = odeint(f, y0, [0, 0.5, 1], { ...opts, runtime: rt32 });
  assert.ok(seen.every((s) => s === 'Float64ArrayFloat64Array'));
  assert.is(b.stats.nfe, a.stats.nfe);
  b.ys.forEach((y, i) => {
    assert.ok(y instanceof Float64Array);
    y.forEach((v, j) => assert.ok(Math.abs(v - a.ys[i][j]) <= 1e-6, `y[${i}][${j}] ${v} vs ${a.ys[i][j]}`));
  });
});

test('raw module exports are not a kernel table: refused by name, not run with NaN offsets', () => {
  const rt = createRuntimeSync();
  const raw = new WebAssembly.Instance(new WebAssembly.Module(kernelWasmBytes() as BufferSource), {}).exports;
  const p = Parameter.zeros(rt, 'w', 1, 2);
  assert.throws(
    () => new Adam(raw as never, [p]),
    (e: Error) => e instanceof ArgumentError && /kernels/.test(e.message),
  );
});

test('the shared runtime is set up once: a later init/initSync asking for another dtype is refused by name, not handed the other precision', async () => {
  const shared = initSync();
  const other = shared.dtype === 'float64' ? 'float32' : 'float64';
  const refused = (e: Error) =>
    e instanceof ArgumentError && /^dtype: /.test(e.message) && e.message.includes(shared.dtype);
  assert.throws(() => initSync({ dtype: other }), refused);
  await init({ dtype: other }).then(
    () => assert.unreachable('init resolved'),
    (e: Error) => assert.ok(refused(e), e.message),
  );
  const module = new WebAssembly.Module(kernelWasmBytes() as BufferSource);
  assert.throws(() => external.initSync({ module, dtype: other }), refused);
  assert.throws(
    () => initSync({ dtype: 'f32' as never }),
    (e: Error) => e instanceof ArgumentError && /dtype: expected one of/.test(e.message),
  );
  assert.is(initSync({ dtype: shared.dtype }), shared);
  assert.is(initSync(), shared);
});

test.run();
