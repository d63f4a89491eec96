// The f64 sigmoid (simd-math.ts: 1/(1 + e^{−x}), one exponential, no select) at its stated accuracy:
// ≤ 6e-16 relative against Math over 10⁶ points (measured ≤ 4.6e-16, the reference's own rounding
// included), the flush of results below 7.9e-309 (x < −709.44) to 0, and NaN/±Inf/±0 as Math.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { randomArray } from '../helpers/numeric.js';
import { place } from './placement.js';

const rt = createRuntimeSync();
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

test('sigmoid_fwd within 6e-16 relative over 10⁶ points in [−40, 40], [−709.4, 709] and [−1e-3, 1e-3]', () => {
  const rng = new Rng(74);
  for (const [lo, hi] of [
    [-40, 40],
    [-709.4, 709],
    [-1e-3, 1e-3],
  ])
    rt.arena.scope(() => {
      const x = randomArray(rng, 333_334, lo, hi);
      for (let i = 0; i < x.length; i += 4) x[i] = Math.round(x[i]); // exact multiples where n·ln2 reduction is exercised
      const X = place(rt, x, 8),
        Y = place(rt, new Float64Array(x.length));
      rt.kernels.sigmoid_fwd(Y.ptr, X.ptr, x.length);
      const y = Y.read();
      let worst = 0,
        at = 0;
      for (let i = 0; i < x.length; i++) {
        const e = sigmoid(x[i]),
          r = Math.abs(y[i] - e) / e;
        if (!(r <= worst)) {
          worst = r;
          at = x[i];
        }
      }
      assert.ok(worst <= 6e-16, `[${lo}, ${hi}]: relative error ${worst.toExponential(2)} at x = ${at}`);
      Y.checkGuards(`[${lo}, ${hi}]`);
    });
});

test('sigmoid_fwd: results below 7.9e-309 are 0, above it normal and accurate; NaN, ±Inf, ±0, subnormal x', () => {
  const xs = [
    -709.3,
    -709.43,
    -709.45,
    -709.8,
    -745.2,
    -1e4,
    -Infinity,
    Infinity,
    1e4,
    708.5,
    NaN,
    0,
    -0,
    5e-324,
    -5e-324,
    1e-300,
  ];
  const X = place(rt, xs),
    Y = place(rt, new Float64Array(xs.length));
  rt.kernels.sigmoid_fwd(Y.ptr, X.ptr, xs.length);
  const y = Y.read();
  for (let i = 0; i < 2; i++)
    assert.ok(Math.abs(y[i] - sigmoid(xs[i])) <= 1e-15 * sigmoid(xs[i]), `sigmoid(${xs[i]}) = ${y[i]}`);
  assert.equal(Array.from(y.slice(2, 7)), [0, 0, 0, 0, 0], 'flushed below 7.9e-309');
  assert.equal(Array.from(y.slice(7, 10)), [1, 1, 1]);
  assert.ok(Number.isNaN(y[10]), 'NaN');
  assert.equal(Array.from(y.slice(11)), [0.5, 0.5, 0.5, 0.5, 0.5]);
});

test.run();
