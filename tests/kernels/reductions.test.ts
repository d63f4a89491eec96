// sum, sum_squares, max_abs, all_finite, sum_rows against plain loops; NaN and ±Inf handling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';
import { ALIGNMENTS, place } from './placement.js';

const rt = createRuntimeSync();
const k = rt.kernels;

test('sum, sum_squares and max_abs match plain loops', () => {
  const rng = new Rng(21);
  for (const n of [0, ...AWKWARD_SIZES])
    for (const misalign of ALIGNMENTS)
      rt.arena.scope(() => {
        const a = randomArray(rng, n, -5, 5);
        const A = place(rt, a, misalign);
        const absSum = a.reduce((s, x) => s + Math.abs(x), 0);
        const what = `n=${n} misalign=${misalign}`;
        // Rounding of a reordered sum is bounded relative to Σ|a_i|, not to the (possibly cancelling) sum.
        assert.ok(Math.abs(k.sum(A.ptr, n) - a.reduce((s, x) => s + x, 0)) <= 1e-12 * absSum, `sum ${what}`);
        assertClose([k.sum_squares(A.ptr, n)], [a.reduce((s, x) => s + x * x, 0)], 1e-12, `sum_squares ${what}`);
        assert.is(
          k.max_abs(A.ptr, n),
          a.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
          `max_abs ${what}`,
        );
        assert.is(k.all_finite(A.ptr, n), 1, `all_finite ${what}`);
      });
});

test('all_finite finds NaN and ±Inf anywhere; max_abs propagates NaN and reports Inf', () => {
  const rng = new Rng(22);
  for (const n of [1, 2, 3, 7, 129])
    for (const at of new Set([0, n >> 1, n - 1]))
      for (const bad of [NaN, Infinity, -Infinity]) {
        rt.arena.scope(() => {
          const a = randomArray(rng, n);
          a[at] = bad;
          const A = place(rt, a, at % 2 ? 8 : 0);
          const what = `n=${n} at=${at} value=${bad}`;
          assert.is(k.all_finite(A.ptr, n), 0, `all_finite ${what}`);
          const m = k.max_abs(A.ptr, n);
          if (Number.isNaN(bad)) assert.ok(Number.isNaN(m), `max_abs ${what} gave ${m}`);
          else assert.is(m, Infinity, `max_abs ${what}`);
        });
      }
  assert.is(k.all_finite(place(rt, [1.7976931348623157e308, -5e-324]).ptr, 2), 1, 'extremes are finite');
});

test('sum_rows adds or overwrites the column sums', () => {
  const rng = new Rng(23);
  for (const rows of [1, 2, 3, 7, 64])
    for (const cols of [1, 2, 3, 7, 129])
      for (const accumulate of [0, 1])
        rt.arena.scope(() => {
          const a = randomArray(rng, rows * cols),
            out0 = randomArray(rng, cols);
          const misalign = (rows + cols) % 2 ? 8 : 0;
          const A = place(rt, a, misalign),
            out = place(rt, out0, misalign);
          k.sum_rows(out.ptr, A.ptr, rows, cols, accumulate);
          const expected = new Float64Array(cols);
          for (let j = 0; j < cols; j++) {
            let s = accumulate ? out0[j] : 0;
            for (let i = 0; i < rows; i++) s += a[i * cols + j];
            expected[j] = s;
          }
          const what = `rows=${rows} cols=${cols} accumulate=${accumulate}`;
          assertClose(out.read(), expected, 1e-12 * rows, what);
          out.checkGuards(what);
        });
});

test.run();
