// assembly/elementwise-f32.ts and reductions-f32.ts against plain-TS Float32Array references (Math.fround
// after every operation, as f32 arithmetic rounds) and against the f64 kernels on the same values:
// sizes that leave every tail length, misaligned operands, guards around every array.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { MISALIGNMENTS_F32, placeF32, randomF32 } from './placement-f32.js';
import { compareTwin } from './twin-f32.js';

const rt = createRuntimeSync();
const k = rt.kernels;
const f = Math.fround;
const SIZES = [0, 1, 2, 3, 4, 5, 7, 17, 33, 65];
const ms = (i: number) => MISALIGNMENTS_F32[i % 4];

const BINARY = [
  ['add', (a: number, b: number) => f(a + b)],
  ['sub', (a: number, b: number) => f(a - b)],
  ['mul', (a: number, b: number) => f(a * b)],
] as const;

test('add_f32, sub_f32, mul_f32: exactly the f32-rounded operation, aliasing out = a allowed', () => {
  const rng = new Rng(61);
  SIZES.forEach((n, s) => {
    for (const [name, op] of BINARY)
      rt.arena.scope(() => {
        const a = randomF32(rng, n, -3, 3),
          b = randomF32(rng, n, -3, 3);
        const A = placeF32(rt, a, ms(s)),
          B = placeF32(rt, b, ms(s + 1)),
          O = placeF32(rt, new Float32Array(n), ms(s + 2));
        k[`${name}_f32`](O.ptr, A.ptr, B.ptr, n);
        assert.equal(
          Array.from(O.read()),
          Array.from(a, (v, i) => op(v, b[i])),
          `${name}_f32 n=${n}`,
        );
        k[`${name}_f32`](A.ptr, A.ptr, B.ptr, n);
        assert.equal(
          Array.from(A.read()),
          Array.from(a, (v, i) => op(v, b[i])),
          `${name}_f32 n=${n} in place`,
        );
        O.checkGuards(`${name} n=${n}`);
        A.checkGuards(`${name} n=${n} in place`);
      });
  });
});

test('scale_f32, axpy_f32, fill_f32, copy_f32: the f32 recurrences with the f64 scalar rounded once', () => {
  const rng = new Rng(62);
  SIZES.forEach((n, s) =>
    rt.arena.scope(() => {
      const a = randomF32(rng, n, -3, 3),
        y = randomF32(rng, n, -3, 3);
      const A = placeF32(rt, a, ms(s)),
        O = placeF32(rt, new Float32Array(n), ms(s + 1)),
        Y = placeF32(rt, y, ms(s + 3));
      k.scale_f32(O.ptr, A.ptr, 0.1, n);
      assert.equal(
        Array.from(O.read()),
        Array.from(a, (v) => f(v * f(0.1))),
        `scale n=${n}`,
      );
      k.axpy_f32(Y.ptr, -0.7, A.ptr, n);
      assert.equal(
        Array.from(Y.read()),
        Array.from(y, (v, i) => f(v + f(f(-0.7) * a[i]))),
        `axpy n=${n}`,
      );
      k.fill_f32(O.ptr, 1 / 3, n);
      assert.equal(
        Array.from(O.read()),
        Array.from({ length: n }, () => f(1 / 3)),
        `fill n=${n}`,
      );
      k.copy_f32(O.ptr, A.ptr, n);
      assert.equal(Array.from(O.read()), Array.from(a), `copy n=${n}`);
      O.checkGuards(`n=${n}`);
      Y.checkGuards(`axpy n=${n}`);
      A.checkGuards(`input n=${n}`);
    }),
  );
});

test('elementwise twins match the f64 kernels rounded to f32 (within an ulp: the f64 kernels round once)', () => {
  const rng = new Rng(63);
  const tol = { rel: 2 ** -23, abs: 0 };
  for (const n of SIZES) {
    const a = randomF32(rng, n, -3, 3),
      b = randomF32(rng, n, -3, 3),
      o = new Float32Array(n);
    for (const name of ['add', 'sub', 'mul']) compareTwin(rt, name, [o, a, b, n], tol, `n=${n}`);
    compareTwin(rt, 'scale', [o, a, 0.375, n], tol, `n=${n}`);
    compareTwin(rt, 'axpy', [b, 0.375, a, n], { rel: 2 ** -23, abs: 3 * 2 ** -24 }, `n=${n}`);
    compareTwin(rt, 'fill', [o, -2.5, n], tol, `n=${n}`);
    compareTwin(rt, 'copy', [o, a, n], tol, `n=${n}`);
  }
});

test('sum_f32, sum_squares_f32 accumulate in f64: equal to the f64 kernels on the same values', () => {
  const rng = new Rng(64);
  SIZES.concat([1000, 4099]).forEach((n, s) =>
    rt.arena.scope(() => {
      const a = randomF32(rng, n, -1e3, 1e3);
      const A = placeF32(rt, a, ms(s));
      let sum = 0,
        sq = 0;
      for (const v of a) {
        sum += v;
        sq += v * v;
      }
      // an f32 accumulator would be off by ~n·2⁻²⁴ relative; f64 keeps ~n·2⁻⁵³
      assert.ok(
        Math.abs(k.sum_f32(A.ptr, n) - sum) <= 1e-13 * (n * 1e3),
        `sum n=${n}: ${k.sum_f32(A.ptr, n)} vs ${sum}`,
      );
      assert.ok(
        Math.abs(k.sum_squares_f32(A.ptr, n) - sq) <= 1e-14 * sq,
        `sum_squares n=${n}: ${k.sum_squares_f32(A.ptr, n)} vs ${sq}`,
      );
      compareTwin(rt, 'sum', [a, n], { rel: 0, abs: 0, retRel: 1e-14, retAbs: 1e-9 }, `n=${n}`);
      compareTwin(rt, 'sum_squares', [a, n], { rel: 0, abs: 0, retRel: 1e-14, retAbs: 0 }, `n=${n}`);
    }),
  );
  // the digits an f32 accumulator would lose: 1 + 2⁻²⁴ added 2²⁰ times
  const many = new Float32Array(1 << 20).fill(f(1 + 2 ** -23));
  const P = placeF32(rt, many);
  assert.is(k.sum_f32(P.ptr, many.length), (1 << 20) * (1 + 2 ** -23));
});

test('max_abs_f32 and all_finite_f32: exact, NaN/±Inf detected in every position', () => {
  const rng = new Rng(65);
  SIZES.forEach((n, s) =>
    rt.arena.scope(() => {
      const a = randomF32(rng, n, -5, 5);
      const A = placeF32(rt, a, ms(s));
      assert.is(
        k.max_abs_f32(A.ptr, n),
        a.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
        `max_abs n=${n}`,
      );
      assert.is(k.all_finite_f32(A.ptr, n), 1, `all_finite n=${n}`);
      for (let i = 0; i < n; i++)
        for (const bad of [NaN, Infinity, -Infinity]) {
          const b = a.slice();
          b[i] = bad;
          const B = placeF32(rt, b, ms(s + i));
          assert.is(k.all_finite_f32(B.ptr, n), 0, `all_finite n=${n} [${i}] = ${bad}`);
          const m = k.max_abs_f32(B.ptr, n);
          assert.ok(Number.isNaN(bad) ? Number.isNaN(m) : m === Infinity, `max_abs n=${n} [${i}] = ${bad}: ${m}`);
        }
    }),
  );
  // finite but huge values do not overflow the x − x test
  const H = placeF32(rt, [3.4e38, -3.4e38, 3.4e38, 3.4e38, -3.4e38]);
  assert.is(k.all_finite_f32(H.ptr, 5), 1);
});

test('sum_rows_f32 = the f32 column sums, row by row; accumulate adds to out', () => {
  const rng = new Rng(66);
  let s = 0;
  for (const [rows, cols] of [
    [0, 3],
    [1, 1],
    [3, 2],
    [2, 5],
    [7, 9],
    [5, 17],
  ])
    for (const acc of [0, 1])
      rt.arena.scope(() => {
        const a = randomF32(rng, rows * cols),
          o = randomF32(rng, cols);
        const A = placeF32(rt, a, ms(s++)),
          O = placeF32(rt, o, ms(s++));
        k.sum_rows_f32(O.ptr, A.ptr, rows, cols, acc);
        const want = Array.from({ length: cols }, (_, j) => {
          let v = acc ? o[j] : 0;
          for (let i = 0; i < rows; i++) v = f(v + a[i * cols + j]);
          return v;
        });
        assert.equal(Array.from(O.read()), want, `sum_rows [${rows}, ${cols}] accumulate=${acc}`);
        O.checkGuards(`sum_rows [${rows}, ${cols}]`);
        compareTwin(
          rt,
          'sum_rows',
          [o, a, rows, cols, acc],
          { rel: 0, abs: 4 * rows * 2 ** -24 },
          `[${rows}, ${cols}] accumulate=${acc}`,
        );
      });
});

test.run();
