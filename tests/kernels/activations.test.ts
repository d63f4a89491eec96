// Activations and their derivative products against JS Math.* references: awkward sizes, aligned and
// misaligned, guards around the output, and extreme inputs (±700, ±1e-300, 0) checked value by value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';
import { ALIGNMENTS, place } from './placement.js';

const rt = createRuntimeSync();
const k = rt.kernels;

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

interface Activation {
  name: 'tanh' | 'sigmoid' | 'softplus' | 'relu' | 'sin' | 'cos' | 'exp' | 'log' | 'square';
  f: (x: number) => number;
  /** φ'(x) expressed in x */
  df: (x: number) => number;
  /** the vjp reads the output y = φ(x) rather than x */
  vjpReadsOutput: boolean;
  low: number;
  high: number;
}

const ACTIVATIONS: Activation[] = [
  { name: 'tanh', f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, vjpReadsOutput: true, low: -4, high: 4 },
  { name: 'sigmoid', f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), vjpReadsOutput: true, low: -30, high: 30 },
  { name: 'softplus', f: softplus, df: sigmoid, vjpReadsOutput: false, low: -30, high: 30 },
  { name: 'relu', f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), vjpReadsOutput: false, low: -1, high: 1 },
  { name: 'sin', f: Math.sin, df: Math.cos, vjpReadsOutput: false, low: -10, high: 10 },
  { name: 'cos', f: Math.cos, df: (x) => -Math.sin(x), vjpReadsOutput: false, low: -10, high: 10 },
  { name: 'exp', f: Math.exp, df: Math.exp, vjpReadsOutput: true, low: -20, high: 20 },
  { name: 'log', f: Math.log, df: (x) => 1 / x, vjpReadsOutput: false, low: 1e-3, high: 50 },
  { name: 'square', f: (x) => x * x, df: (x) => 2 * x, vjpReadsOutput: false, low: -3, high: 3 },
];

/** Element-by-element relative error, so a tiny value next to a large one is still checked. */
function assertEachClose(actual: Float64Array, expected: ArrayLike<number>, tolerance: number, what: string): void {
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const err = Math.abs(a - e) / Math.abs(e);
    assert.ok(err <= tolerance, `${what}[${i}]: got ${a}, expected ${e} (relative error ${err.toExponential(2)})`);
  }
}

for (const act of ACTIVATIONS) {
  test(`${act.name}_fwd and ${act.name}_vjp match Math.* references`, () => {
    const rng = new Rng(31);
    const fwd = k[`${act.name}_fwd`],
      vjp = k[`${act.name}_vjp`];
    for (const n of AWKWARD_SIZES)
      for (const misalign of ALIGNMENTS)
        rt.arena.scope(() => {
          const x = randomArray(rng, n, act.low, act.high),
            dy = randomArray(rng, n);
          const what = `${act.name} n=${n} misalign=${misalign}`;
          const X = place(rt, x, misalign),
            Y = place(rt, new Float64Array(n), (8 - misalign) as 0 | 8);
          fwd(Y.ptr, X.ptr, n);
          assertEachClose(Y.read(), Array.from(x, act.f), 1e-12, `${what} fwd`);
          Y.checkGuards(`${what} fwd`);
          const DY = place(rt, dy, misalign),
            DX = place(rt, new Float64Array(n), misalign);
          vjp(DX.ptr, act.vjpReadsOutput ? Y.ptr : X.ptr, DY.ptr, n);
          assertClose(
            DX.read(),
            Array.from(x, (v, i) => dy[i] * act.df(v)),
            1e-12,
            `${what} vjp`,
          );
          DX.checkGuards(`${what} vjp`);
        });
  });
}

test('extreme inputs give finite, correct values', () => {
  const extremes = [700, -700, 1e-300, -1e-300, 0, 0.625, -0.625, 1e-8, 20, -20, 708, -708];
  for (const act of ACTIVATIONS) {
    const xs = act.name === 'log' ? extremes.filter((v) => v > 0) : extremes;
    const ys = Float64Array.from(xs, act.f);
    const X = place(rt, xs, 8),
      Y = place(rt, new Float64Array(xs.length));
    k[`${act.name}_fwd`](Y.ptr, X.ptr, xs.length);
    const got = Y.read();
    assert.ok(got.every(Number.isFinite), `${act.name}: ${Array.from(got)}`);
    assertEachClose(got, ys, 1e-12, `${act.name} extremes`);
  }
});

test('exp and tanh across their whole range, including overflow, underflow, NaN and ±Inf', () => {
  const rng = new Rng(32);
  const xs = [
    ...randomArray(rng, 2001, -708, 709),
    709.78,
    709.79,
    710,
    1e4,
    -745.2,
    -746,
    -1e4,
    Infinity,
    -Infinity,
    NaN,
    -0,
  ];
  for (const [name, f] of [
    ['exp', Math.exp],
    ['tanh', Math.tanh],
    ['sigmoid', sigmoid],
  ] as const) {
    const X = place(rt, xs),
      Y = place(rt, new Float64Array(xs.length));
    k[`${name}_fwd`](Y.ptr, X.ptr, xs.length);
    assertEachClose(Y.read(), xs.map(f), 1e-12, name);
  }
  // subnormal results of exp: absolute error within a few of the smallest subnormal
  const tiny = randomArray(rng, 101, -744, -709);
  const X = place(rt, tiny),
    Y = place(rt, new Float64Array(tiny.length));
  k.exp_fwd(Y.ptr, X.ptr, tiny.length);
  Y.read().forEach((v, i) =>
    assert.ok(Math.abs(v - Math.exp(tiny[i])) <= 1e-12 * Math.exp(tiny[i]) + 4 * 5e-324, `exp(${tiny[i]})`),
  );
});

test('log and softplus across their whole range: subnormals, 0, negatives, NaN and ±Inf as Math.*', () => {
  const rng = new Rng(33);
  // log-uniform over the normal range, the subnormals, and the values near 1 where log cancels
  const logXs = [
    ...Array.from({ length: 2001 }, () => Math.exp(rng.uniformIn(-708, 709))),
    ...Array.from({ length: 201 }, () => 5e-324 * Math.floor(rng.uniformIn(1, 2 ** 52))),
    ...randomArray(rng, 201, 0.7, 1.5),
    1,
    2,
    0.5,
    Math.SQRT2,
    Math.SQRT1_2,
    Number.MAX_VALUE,
    2.2250738585072014e-308,
    5e-324,
    0,
    -0,
    -1,
    -5e-324,
    Infinity,
    -Infinity,
    NaN,
  ];
  const sp = [
    ...randomArray(rng, 2001, -40, 40),
    ...randomArray(rng, 201, -708, 708),
    1e-300,
    -1e-300,
    0,
    -0,
    36.7,
    37,
    1e4,
    -1e4,
    1e308,
    -1e308,
    Infinity,
    -Infinity,
    NaN,
  ];
  for (const [name, xs, f] of [
    ['log', logXs, Math.log],
    ['softplus', sp, softplus],
  ] as const) {
    const X = place(rt, xs),
      Y = place(rt, new Float64Array(xs.length));
    k[`${name}_fwd`](Y.ptr, X.ptr, xs.length);
    // 1e-15: a few ulp (measured: ≤ 2.3e-16 for log, ≤ 6e-16 for softplus over 10⁶ random points)
    assertEachClose(Y.read(), xs.map(f), 1e-15, name);
  }
  // softplus's subnormal results (x < −708): absolute error within a few of the smallest subnormal
  const tiny = randomArray(rng, 101, -744, -709);
  const X = place(rt, tiny),
    Y = place(rt, new Float64Array(tiny.length));
  k.softplus_fwd(Y.ptr, X.ptr, tiny.length);
  Y.read().forEach((v, i) =>
    assert.ok(Math.abs(v - softplus(tiny[i])) <= 1e-12 * softplus(tiny[i]) + 4 * 5e-324, `softplus(${tiny[i]})`),
  );
});

test('sin and cos over ±1e5, next to multiples of π/2, past the vector range, and at NaN, ±Inf, ±0 as Math.*', () => {
  const rng = new Rng(34);
  const xs = [
    ...randomArray(rng, 2001, -12, 12),
    ...randomArray(rng, 1001, -1e5, 1e5),
    // within a few ulp of n·π/2, where the reduction cancels most digits
    ...Array.from(
      { length: 1001 },
      () => Math.floor(rng.uniformIn(1, 63000)) * (Math.PI / 2) * (1 + rng.uniformIn(-1e-15, 1e-15)),
    ),
    // past SINCOS_LIMIT (1e5) the kernel calls Math for both lanes of the pair
    99999.99,
    100000.01,
    -1e6,
    3e10,
    1e300,
    -1e300,
    Number.MAX_VALUE,
    Math.PI,
    -Math.PI,
    Math.PI / 2,
    Math.PI / 4,
    1e-300,
    -1e-300,
    5e-324,
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
  ];
  for (const [name, f] of [
    ['sin', Math.sin],
    ['cos', Math.cos],
  ] as const) {
    const X = place(rt, xs),
      Y = place(rt, new Float64Array(xs.length));
    k[`${name}_fwd`](Y.ptr, X.ptr, xs.length);
    // 1e-15: a few ulp (measured ≤ 2.9e-16 over 10⁶ random points, and next to n·π/2)
    assertEachClose(Y.read(), xs.map(f), 1e-15, name);
  }
  const X = place(rt, [-0, 0]),
    Y = place(rt, [9, 9]);
  k.sin_fwd(Y.ptr, X.ptr, 2);
  assert.ok(Object.is(Y.read()[0], -0) && Object.is(Y.read()[1], 0), 'sin(±0) = ±0');
});

test('relu keeps NaN and the vjp gates on x > 0', () => {
  const X = place(rt, [NaN, -1, 0, 2, NaN]),
    Y = place(rt, [9, 9, 9, 9, 9]);
  k.relu_fwd(Y.ptr, X.ptr, 5);
  const y = Y.read();
  assert.ok(Number.isNaN(y[0]) && Number.isNaN(y[4]), 'NaN passes relu');
  assert.equal(Array.from(y.slice(1, 4)), [0, 0, 2]);
  const DY = place(rt, [1, 2, 3, 4, 5]),
    DX = place(rt, [9, 9, 9, 9, 9]);
  k.relu_vjp(DX.ptr, X.ptr, DY.ptr, 5);
  assert.equal(Array.from(DX.read()), [0, 0, 0, 4, 0]);
});

test.run();
