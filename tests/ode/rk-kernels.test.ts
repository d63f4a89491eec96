// assembly/rk.ts against plain-TypeScript references on awkward sizes, aligned and unaligned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';
import { place } from '../kernels/placement.js';

const rt = createRuntimeSync();
const { arena, kernels } = rt;
const put = (values: ArrayLike<number>, unaligned: boolean) => place(rt, values, unaligned ? 8 : 0);

function termTable(coefficients: number[], stages: number[]): number {
  const ptr = arena.alloc(2 * coefficients.length + 2);
  coefficients.forEach((c, j) => {
    arena.f64[ptr / 8 + 2 * j] = c;
    arena.f64[ptr / 8 + 2 * j + 1] = stages[j];
  });
  return ptr;
}

for (const unaligned of [false, true]) {
  test(`rk_stage_sum matches y + h·Σ c_j k_j for 1..7 stages (${unaligned ? 'unaligned' : 'aligned'})`, () => {
    const rng = new Rng(3);
    for (const n of [...AWKWARD_SIZES, 1100]) {
      for (const count of [1, 2, 3, 5, 7]) {
        arena.scope(() => {
          const y = randomArray(rng, n);
          const ks = Array.from({ length: count }, () => randomArray(rng, n));
          const cs = Array.from({ length: count }, () => rng.uniformIn(-2, 2));
          const h = rng.uniformIn(-0.5, 0.5);
          const Y = put(y, unaligned);
          const kPtrs = ks.map((k) => put(k, unaligned).ptr);
          const out = put(new Float64Array(n), unaligned);
          const table = termTable(cs, kPtrs);
          const expected = y.map((yi, i) => yi + h * cs.reduce((s, c, j) => s + c * ks[j][i], 0));
          kernels.rk_stage_sum(out.ptr, Y.ptr, h, table, count, n);
          assertClose(out.read(), expected, 1e-14, `n=${n} stages=${count}`);
          out.checkGuards(`n=${n} stages=${count}`);
          // y = 0: no base state (error estimates)
          kernels.rk_stage_sum(out.ptr, 0, h, table, count, n);
          assertClose(
            out.read(),
            expected.map((v, i) => v - y[i]),
            1e-13,
            `no base, n=${n}`,
          );
          out.checkGuards(`no base, n=${n}`);
          // out aliasing y: in-place update
          kernels.rk_stage_sum(Y.ptr, Y.ptr, h, table, count, n);
          assertClose(Y.read(), expected, 1e-14, `in place, n=${n}`);
          Y.checkGuards(`in place, n=${n}`);
        });
      }
    }
  });

  test(`rk_error_ratio matches the RMS of err/(atol + rtol·max(|y0|,|y1|)) (${unaligned ? 'unaligned' : 'aligned'})`, () => {
    const rng = new Rng(5);
    for (const n of AWKWARD_SIZES) {
      arena.scope(() => {
        const err = randomArray(rng, n, -1e-6, 1e-6);
        const y0 = randomArray(rng, n, -3, 3);
        const y1 = randomArray(rng, n, -3, 3);
        const atolVec = randomArray(rng, n, 1e-9, 1e-7);
        const [e, a, b, v] = [err, y0, y1, atolVec].map((x) => put(x, unaligned).ptr);
        const reference = (tol: (i: number) => number) => {
          let s = 0;
          for (let i = 0; i < n; i++) s += (err[i] / (tol(i) + 1e-5 * Math.max(Math.abs(y0[i]), Math.abs(y1[i])))) ** 2;
          return Math.sqrt(s / n);
        };
        const scalar = kernels.rk_error_ratio(e, a, b, 1e-8, 0, 1e-5, n);
        assertClose([scalar], [reference(() => 1e-8)], 1e-13, `scalar atol n=${n}`);
        const vector = kernels.rk_error_ratio(e, a, b, 123, v, 1e-5, n);
        assertClose([vector], [reference((i) => atolVec[i])], 1e-13, `vector atol n=${n}`);
      });
    }
  });
}

test('rk_error_ratio is NaN when err or y1 holds NaN or ±Inf anywhere, 0 for n = 0', () => {
  for (const n of AWKWARD_SIZES) {
    for (const at of new Set([0, n >> 1, n - 1])) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const where of ['err', 'y1'] as const) {
          arena.scope(() => {
            const ones = new Float64Array(n).fill(1);
            const [e, a, b] = [ones, ones, ones].map((x) => put(x, false).ptr);
            arena.f64[(where === 'err' ? e : b) / 8 + at] = bad;
            const r = kernels.rk_error_ratio(e, a, b, 1e-6, 0, 1e-3, n);
            assert.ok(Number.isNaN(r), `n=${n} ${where}[${at}]=${bad} gave ${r}`);
          });
        }
      }
    }
  }
  assert.is(kernels.rk_error_ratio(16, 16, 16, 1, 0, 1, 0), 0);
});

test('rk_stage_sum with zero terms copies y (or zeroes out)', () => {
  arena.scope(() => {
    const y = put(Float64Array.of(1, 2, 3), false);
    const out = put(Float64Array.of(9, 9, 9), false);
    kernels.rk_stage_sum(out.ptr, y.ptr, 0.5, termTable([], []), 0, 3);
    assert.equal(Array.from(out.read()), [1, 2, 3]);
    kernels.rk_stage_sum(out.ptr, 0, 0.5, termTable([], []), 0, 3);
    assert.equal(Array.from(out.read()), [0, 0, 0]);
    out.checkGuards('zero terms');
  });
});

test.run();
