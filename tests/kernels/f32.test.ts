// The f32 activations, RK and optimiser kernels against plain-TS references over Float32Array inputs:
// awkward sizes (tails of 1–3 lanes), misaligned operands, guards; activations over their whole range
// with NaN/±Inf/±0/subnormal behaviour as Math.* rounded to f32.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES } from '../helpers/numeric.js';
import { MISALIGNMENTS_F32, placeF32, randomF32 } from './placement-f32.js';

const rt = createRuntimeSync();
const k = rt.kernels;
const EPS32 = 2 ** -24;
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** |a − e| ≤ ulps·2⁻²⁴·|e| per element (plus the smallest subnormals' spacing), NaN where NaN. */
function assertUlps(
  actual: Float32Array,
  expected: ArrayLike<number>,
  ulps: number,
  what: string,
  absFloor = 2 * 1.4e-45,
): void {
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e);
    assert.ok(
      err <= ulps * EPS32 * Math.abs(e) + absFloor,
      `${what}[${i}]: got ${a}, expected ${e} (relative error ${(err / Math.abs(e)).toExponential(2)})`,
    );
  }
}

// ulps: the forward's stated bound (simd-math-f32.ts): tanh is a rational function evaluated in f32 (≤ 8)
const UNARY = [
  { name: 'tanh', f: Math.tanh, df: (x: number) => 1 - Math.tanh(x) ** 2, readsY: true, range: 12, ulps: 8 },
  { name: 'sigmoid', f: sigmoid, df: (x: number) => sigmoid(x) * (1 - sigmoid(x)), readsY: true, range: 40, ulps: 4 },
  { name: 'exp', f: Math.exp, df: Math.exp, readsY: true, range: 80, ulps: 4 },
  {
    name: 'relu',
    f: (x: number) => Math.max(x, 0),
    df: (x: number) => (x > 0 ? 1 : 0),
    readsY: false,
    range: 2,
    ulps: 0,
  },
] as const;

for (const act of UNARY) {
  test(`${act.name}_fwd_f32 and ${act.name}_vjp_f32 match f64 Math references rounded to f32`, () => {
    const rng = new Rng(51);
    const fwd = k[`${act.name}_fwd_f32`],
      vjp = k[`${act.name}_vjp_f32`];
    let s = 0;
    for (const n of [...AWKWARD_SIZES, 4, 5, 6, 8, 17])
      rt.arena.scope(() => {
        const mis = MISALIGNMENTS_F32[s++ % 4];
        const x = randomF32(rng, n, -act.range, act.range),
          dy = randomF32(rng, n);
        const what = `${act.name} n=${n} misalign=${mis}`;
        const X = placeF32(rt, x, mis),
          Y = placeF32(rt, new Float32Array(n), MISALIGNMENTS_F32[(s + 1) % 4]);
        fwd(Y.ptr, X.ptr, n);
        const y = Y.read();
        assertUlps(y, Array.from(x, act.f), act.ulps, `${what} fwd`);
        Y.checkGuards(`${what} fwd`);
        const DY = placeF32(rt, dy, mis),
          DX = placeF32(rt, new Float32Array(n), MISALIGNMENTS_F32[(s + 2) % 4]);
        vjp(DX.ptr, act.readsY ? Y.ptr : X.ptr, DY.ptr, n);
        // the vjp's own arithmetic is exact-ish; its input y carries the forward's ≤ 4 ulp (tanh: 8)
        const dx = DX.read();
        for (let i = 0; i < n; i++) {
          const e = dy[i] * act.df(x[i]);
          assert.ok(
            Math.abs(dx[i] - e) <=
              16 * EPS32 * Math.max(Math.abs(dy[i]), 1e-30) * Math.max(1, Math.abs(act.df(x[i]))) + 1e-37,
            `${what} vjp[${i}]: ${dx[i]} vs ${e}`,
          );
        }
        DX.checkGuards(`${what} vjp`);
      });
  });
}

test('f32 exp, tanh and sigmoid across the whole f32 range: overflow, underflow, subnormals, NaN, ±Inf, −0', () => {
  const rng = new Rng(52);
  const xs = [
    ...randomF32(rng, 4001, -103, 88),
    88.72,
    88.73,
    89,
    1e4,
    -87.3,
    -103.9,
    -104,
    -1e4,
    Infinity,
    -Infinity,
    NaN,
    -0,
    0,
    1e-30,
    -1e-30,
    0.625,
    -0.625,
    0.62,
    9,
    -9,
  ];
  // [name, f, ulps, absolute floor]: subnormal exp results within a few of their spacing (1.4e-45);
  // sigmoid's results below 4.2e-39 (x < −88.37) are 0 (simd-math-f32.ts); tanh's bound is 8 ulp
  for (const [name, f, ulps, floor] of [
    ['exp', Math.exp, 4, 4 * 1.4e-45],
    ['tanh', Math.tanh, 8, 4 * 1.4e-45],
    ['sigmoid', sigmoid, 4, 4.2e-39],
  ] as const) {
    const X = placeF32(rt, xs),
      Y = placeF32(rt, new Float32Array(xs.length));
    k[`${name}_fwd_f32`](Y.ptr, X.ptr, xs.length);
    const expected = Float32Array.from(Float32Array.from(xs), (v) => Math.fround(f(v)));
    assertUlps(Y.read(), expected, ulps, `${name}_f32`, floor);
    const z = xs.findIndex((v) => Object.is(v, -0));
    assert.ok(Object.is(Y.read()[z], expected[z]), `${name}(−0) = ${expected[z]}`);
  }
});

test('relu_f32 keeps NaN and its vjp gates on x > 0', () => {
  const X = placeF32(rt, [NaN, -1, 0, 2, NaN]),
    Y = placeF32(rt, [9, 9, 9, 9, 9]);
  k.relu_fwd_f32(Y.ptr, X.ptr, 5);
  const y = Y.read();
  assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[4]), 'NaN passes relu');
  assert.equal(Array.from(y.slice(1, 4)), [0, 0, 2]);
  const DY = placeF32(rt, [1, 2, 3, 4, 5]),
    DX = placeF32(rt, [9, 9, 9, 9, 9]);
  k.relu_vjp_f32(DX.ptr, X.ptr, DY.ptr, 5);
  assert.equal(Array.from(DX.read()), [0, 0, 0, 4, 0]);
});

/** A term table [c_0, ptr_0, …] (f64) for the stage sums. */
function table(coefs: number[], ptrs: number[]): number {
  const p = rt.arena.alloc(2 * coefs.length);
  coefs.forEach((c, j) => {
    rt.arena.f64[p / 8 + 2 * j] = c;
    rt.arena.f64[p / 8 + 2 * j + 1] = ptrs[j];
  });
  return p;
}

test('rk_stage_sum_f32 = y + h·Σ c_j k_j (f32 per term), with and without y, aliasing out = y', () => {
  const rng = new Rng(53);
  for (const n of [...AWKWARD_SIZES, 1025, 2051])
    for (const count of [0, 1, 3, 6])
      rt.arena.scope(() => {
        const h = 0.37;
        const y = randomF32(rng, n),
          ks = Array.from({ length: count }, () => randomF32(rng, n));
        const coefs = Array.from({ length: count }, () => rng.uniformIn(-2, 2));
        const K = ks.map((v, j) => placeF32(rt, v, MISALIGNMENTS_F32[j % 4]));
        const terms = table(
          coefs,
          K.map((x) => x.ptr),
        );
        for (const withY of [true, false])
          for (const alias of withY ? [false, true] : [false]) {
            const Y = placeF32(rt, y, 4),
              Out = alias ? Y : placeF32(rt, new Float32Array(n), 8);
            k.rk_stage_sum_f32(Out.ptr, withY ? Y.ptr : 0, h, terms, count, n);
            const got = Out.read();
            const what = `n=${n} count=${count} y=${withY} alias=${alias}`;
            for (let i = 0; i < n; i++) {
              // the f32 recurrence the kernel promises: o = fround(o + fround(h·c_j)·k_j)
              let o = withY ? y[i] : 0;
              for (let j = 0; j < count; j++)
                o =
                  j === 0 && !withY
                    ? Math.fround(Math.fround(h * coefs[j]) * ks[j][i])
                    : Math.fround(o + Math.fround(Math.fround(h * coefs[j]) * ks[j][i]));
              assert.ok(
                Math.abs(got[i] - o) <= 2 * EPS32 * (Math.abs(o) + 1e-30) * count,
                `${what} [${i}]: ${got[i]} vs ${o}`,
              );
            }
            Out.checkGuards(what);
          }
      });
});

test('rk_error_ratio_f32 equals the f64 formula on the f32 values; NaN/Inf in err or y1 give NaN', () => {
  const rng = new Rng(54);
  for (const n of [...AWKWARD_SIZES, 4, 5, 1000])
    for (const vec of [false, true])
      rt.arena.scope(() => {
        const err = randomF32(rng, n, -1e-5, 1e-5),
          y0 = randomF32(rng, n, -3, 3),
          y1 = randomF32(rng, n, -3, 3),
          at = randomF32(rng, n, 1e-7, 1e-6);
        const E = placeF32(rt, err, 4),
          Y0 = placeF32(rt, y0, 8),
          Y1 = placeF32(rt, y1, 12),
          AT = placeF32(rt, at, 0);
        const got = k.rk_error_ratio_f32(E.ptr, Y0.ptr, Y1.ptr, 1e-6, vec ? AT.ptr : 0, 1e-5, n);
        let s = 0;
        for (let i = 0; i < n; i++) {
          const r = err[i] / ((vec ? at[i] : 1e-6) + 1e-5 * Math.max(Math.abs(y0[i]), Math.abs(y1[i])));
          s += r * r;
        }
        const want = Math.sqrt(s / n);
        assert.ok(Math.abs(got - want) <= 1e-14 * want, `n=${n} vec=${vec}: ${got} vs ${want}`);
        for (const bad of [NaN, Infinity]) {
          const i = n - 1;
          for (const which of ['err', 'y1'] as const) {
            const arr = which === 'err' ? err.slice() : y1.slice();
            arr[i] = bad;
            const P = placeF32(rt, arr);
            const r =
              which === 'err'
                ? k.rk_error_ratio_f32(P.ptr, Y0.ptr, Y1.ptr, 1e-6, 0, 1e-5, n)
                : k.rk_error_ratio_f32(E.ptr, Y0.ptr, P.ptr, 1e-6, 0, 1e-5, n);
            assert.ok(Number.isNaN(r), `n=${n} ${which}[${i}] = ${bad} gives ${r}`);
          }
        }
      });
  assert.is(k.rk_error_ratio_f32(0, 0, 0, 1, 0, 1, 0), 0);
});

test('adam_update_f32 and sgd_momentum_update_f32 follow the f64 kernels within f32 rounding over steps', () => {
  const rng = new Rng(55);
  for (const n of [...AWKWARD_SIZES, 5])
    for (const decoupled of [0, 1])
      rt.arena.scope(() => {
        const p0 = randomF32(rng, n),
          grads = Array.from({ length: 4 }, () => randomF32(rng, n));
        const P32 = placeF32(rt, p0, 4),
          G32 = placeF32(rt, new Float32Array(n), 8),
          M32 = placeF32(rt, new Float32Array(n)),
          V32 = placeF32(rt, new Float32Array(n), 12);
        const P = rt.arena.alloc(n),
          G = rt.arena.alloc(n),
          M = rt.arena.allocZeroed(n),
          V = rt.arena.allocZeroed(n);
        rt.arena.f64.set(p0, P / 8);
        const [lr, b1, b2, eps, wd] = [1e-2, 0.9, 0.999, 1e-8, 0.01];
        grads.forEach((g, t) => {
          new Float32Array(k.memory.buffer).set(g, G32.ptr / 4);
          rt.arena.f64.set(g, G / 8);
          const c1 = 1 / (1 - b1 ** (t + 1)),
            c2 = 1 / (1 - b2 ** (t + 1));
          k.adam_update_f32(P32.ptr, G32.ptr, M32.ptr, V32.ptr, n, lr, b1, b2, eps, c1, c2, wd, decoupled);
          k.adam_update(P, G, M, V, n, lr, b1, b2, eps, c1, c2, wd, decoupled);
        });
        const got = P32.read(),
          want = rt.arena.f64.slice(P / 8, P / 8 + n);
        // each step moves p by ≤ lr and f32 rounds it: a few ulp of |p| per step
        for (let i = 0; i < n; i++)
          assert.ok(
            Math.abs(got[i] - want[i]) <= 4 * 8 * EPS32 * Math.max(Math.abs(want[i]), lr),
            `adam n=${n} decoupled=${decoupled} [${i}]: ${got[i]} vs ${want[i]}`,
          );
        P32.checkGuards('adam p');
        M32.checkGuards('adam m');
        V32.checkGuards('adam v');
      });
  for (const n of [...AWKWARD_SIZES, 5])
    for (const nesterov of [0, 1])
      rt.arena.scope(() => {
        const p0 = randomF32(rng, n),
          g = randomF32(rng, n);
        const P32 = placeF32(rt, p0, 8),
          G32 = placeF32(rt, g, 4),
          B32 = placeF32(rt, new Float32Array(n), 12);
        const P = rt.arena.alloc(n),
          G = rt.arena.alloc(n),
          B = rt.arena.allocZeroed(n);
        rt.arena.f64.set(p0, P / 8);
        rt.arena.f64.set(g, G / 8);
        for (let t = 0; t < 3; t++) {
          k.sgd_momentum_update_f32(P32.ptr, G32.ptr, B32.ptr, n, 0.1, 0.9, 0.01, nesterov);
          k.sgd_momentum_update(P, G, B, n, 0.1, 0.9, 0.01, nesterov);
        }
        const got = P32.read(),
          want = rt.arena.f64.slice(P / 8, P / 8 + n);
        for (let i = 0; i < n; i++)
          assert.ok(
            Math.abs(got[i] - want[i]) <= 4 * 6 * EPS32 * Math.max(Math.abs(want[i]), 1),
            `sgd n=${n} nesterov=${nesterov} [${i}]: ${got[i]} vs ${want[i]}`,
          );
        P32.checkGuards('sgd p');
        B32.checkGuards('sgd buf');
      });
});

test.run();
