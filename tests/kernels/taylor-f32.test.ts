// The f32 Taylor rules and their reverse rules (assembly/taylor-f32.ts) against the f64 kernels on the same
// f32 jets, at orders 0..4, for value counts that leave every tail length, with misaligned operands, null
// cotangents and the aliasing the f64 kernels allow. Jets hold values in [−1, 1] (x[0] in [0.5, 2] for
// log), so sums over ≤ 5 orders stay below ~40 and f32's accumulated rounding below 2⁻¹⁸ absolute.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { randomF32 } from './placement-f32.js';
import { compareTwin, type TwinArg } from './twin-f32.js';

const rt = createRuntimeSync();
const K = 4;
const SIZES = [0, 1, 2, 3, 4, 5, 7, 17, 33];
const TOL = { rel: 2 ** -21, abs: 2 ** -18 };

function jets(seed: number) {
  const rng = new Rng(seed);
  return {
    jet: (n: number) => randomF32(rng, (K + 1) * n),
    /** a jet whose order-0 slab is in [0.5, 2] (log's argument) */
    positiveJet: (n: number) => {
      const j = randomF32(rng, (K + 1) * n);
      j.set(randomF32(rng, n, 0.5, 2));
      return j;
    },
    /** order-0 slab with exact zeros and negatives (relu's kink) */
    kinkedJet: (n: number) => {
      const j = randomF32(rng, (K + 1) * n);
      for (let i = 0; i < n; i += 3) j[i] = 0;
      return j;
    },
  };
}

function eachCase(
  seed: number,
  body: (g: ReturnType<typeof jets>, n: number, k: number, what: string) => void,
  firstOrder = 0,
): void {
  const g = jets(seed);
  for (const n of SIZES) for (let k = firstOrder; k <= K; k++) body(g, n, k, `n=${n} k=${k}`);
}

const run = (name: string, args: TwinArg[], what: string) => compareTwin(rt, name, args, TOL, what);

test('taylor_dphi_f32 (orders 1..4), also with s aliasing y as exp does', () => {
  eachCase(
    81,
    ({ jet }, n, k, what) => {
      run('taylor_dphi', [jet(n), jet(n), jet(n), 0.75, n, k], what);
      run('taylor_dphi', [jet(n), jet(n), { same: 0 }, -2, n, k], `${what} s = y`);
    },
    1,
  );
});

test('taylor_dphi_vjp_f32 (orders 0..4): both cotangents, either one null', () => {
  eachCase(82, ({ jet }, n, k, what) => {
    run('taylor_dphi_vjp', [jet(n), jet(n), jet(n), jet(n), jet(n), 0.75, n, k], what);
    run('taylor_dphi_vjp', ['null', jet(n), jet(n), jet(n), jet(n), -1.5, n, k], `${what} gx = 0`);
    run('taylor_dphi_vjp', [jet(n), 'null', jet(n), jet(n), jet(n), -1.5, n, k], `${what} gs = 0`);
  });
});

test('taylor_quad_f32 and taylor_quad_vjp_f32 (orders 0..4) as tanh and sigmoid use them', () => {
  eachCase(83, ({ jet }, n, k, what) => {
    for (const [c, alpha, beta] of [
      [1, 0, -1],
      [0, 1, -1],
      [0.25, 0.5, 2],
    ]) {
      run('taylor_quad', [jet(n), jet(n), c, alpha, beta, n, k], `${what} (${c}, ${alpha}, ${beta})`);
      run('taylor_quad_vjp', [jet(n), jet(n), jet(n), alpha, beta, n, k], `${what} (${alpha}, ${beta})`);
    }
    run('taylor_quad_vjp', ['null', jet(n), jet(n), 1, -1, n, k], `${what} gy = 0`);
  });
});

test('taylor_mul_f32 and taylor_mul_vjp_f32 (orders 0..4): a square (a = b), ga = gb, null cotangents', () => {
  eachCase(84, ({ jet }, n, k, what) => {
    run('taylor_mul', [jet(n), jet(n), jet(n), n, k], what);
    run('taylor_mul', [jet(n), jet(n), { same: 1 }, n, k], `${what} a = b`);
    run('taylor_mul_vjp', [jet(n), jet(n), jet(n), jet(n), jet(n), n, k], what);
    run('taylor_mul_vjp', [jet(n), { same: 0 }, jet(n), jet(n), { same: 3 }, n, k], `${what} ga = gb, a = b`);
    run('taylor_mul_vjp', ['null', jet(n), jet(n), jet(n), jet(n), n, k], `${what} ga = 0`);
    run('taylor_mul_vjp', [jet(n), 'null', jet(n), jet(n), jet(n), n, k], `${what} gb = 0`);
  });
});

test('taylor_log_f32 (orders 1..4) and taylor_log_vjp_f32 (orders 0..4)', () => {
  eachCase(85, ({ jet, positiveJet }, n, k, what) => {
    if (k >= 1) run('taylor_log', [jet(n), positiveJet(n), n, k], what);
    run('taylor_log_vjp', [jet(n), jet(n), positiveJet(n), jet(n), n, k], what);
    run('taylor_log_vjp', ['null', jet(n), positiveJet(n), jet(n), n, k], `${what} gx = 0`);
  });
});

test('taylor_relu_f32 and taylor_relu_vjp_f32 (orders 0..4): exact, x[0] = 0 counts as the flat side', () => {
  eachCase(86, ({ jet, kinkedJet }, n, k, what) => {
    compareTwin(rt, 'taylor_relu', [jet(n), kinkedJet(n), n, k], { rel: 0, abs: 0 }, what);
    compareTwin(rt, 'taylor_relu_vjp', [jet(n), jet(n), kinkedJet(n), n, k], { rel: 2 ** -24, abs: 0 }, what);
    compareTwin(rt, 'taylor_relu_vjp', ['null', jet(n), kinkedJet(n), n, k], { rel: 0, abs: 0 }, `${what} gx = 0`);
  });
});

test('the twins write order k only: every other slab of the output jet is untouched', () => {
  const { jet } = jets(87);
  for (const n of [3, 17])
    for (let k = 1; k <= K; k++) {
      const y = jet(n);
      const { arrays32 } = run('taylor_dphi', [y, jet(n), jet(n), 1, n, k], `n=${n} k=${k}`);
      for (let i = 0; i < y.length; i++)
        if (Math.floor(i / n) !== k) assert.is(arrays32[0][i], y[i], `slab ${Math.floor(i / n)} value ${i % n}`);
    }
});

test.run();
