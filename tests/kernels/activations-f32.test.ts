// The f32 softplus, sin, cos, log and square (assembly/activations-f32.ts) against Math.* rounded to f32
// over wide ranges with NaN, ±Inf, ±0 and subnormals, and every f32 activation vjp against its f64 kernel
// on the same values. Awkward sizes and misaligned operands; the tolerances are stated per check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { MISALIGNMENTS_F32, placeF32, randomF32 } from './placement-f32.js';
import { compareTwin } from './twin-f32.js';

const rt = createRuntimeSync();
const k = rt.kernels;
const EPS32 = 2 ** -24;
const SUBNORMAL = 1.4e-45;
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** |a − e| ≤ ulps·2⁻²⁴·|e| + floor per element; NaN where NaN, −0 where −0. */
function assertUlps(actual: Float32Array, expected: Float32Array, ulps: number, what: string, floor = SUBNORMAL): void {
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    assert.ok(
      e !== 0 || a !== 0,
      `${what}[${i}]: got ${Object.is(a, -0) ? '-0' : a}, expected ${Object.is(e, -0) ? '-0' : e}`,
    );
    assert.ok(Math.abs(a - e) <= ulps * EPS32 * Math.abs(e) + floor, `${what}[${i}]: got ${a}, expected ${e}`);
  }
}

const SPECIAL = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  SUBNORMAL,
  -SUBNORMAL,
  1e-40,
  -1e-40,
  1.1754944e-38,
  3.4028235e38,
  -3.4028235e38,
];

// sin, cos and log are evaluated in f64 and rounded once, so within an ulp of Math.* rounded to f32
// (double rounding); softplus in f32 (an exp and a log1p through atanh), within 5 ulp (3 measured), and
// its subnormal results (x < −87.3) within 3 subnormal spacings (u/(2 + u) rounds there too).
const CASES = [
  {
    name: 'softplus',
    f: softplus,
    ranges: [
      [-120, 100],
      [-5, 5],
      [-104, -87],
    ],
    ulps: 5,
    floor: 3 * SUBNORMAL,
  },
  {
    name: 'sin',
    f: Math.sin,
    ranges: [
      [-10, 10],
      [-1e5, 1e5],
      [-1e9, 1e9],
    ],
    ulps: 1,
    floor: SUBNORMAL,
  },
  {
    name: 'cos',
    f: Math.cos,
    ranges: [
      [-10, 10],
      [-1e5, 1e5],
      [-1e9, 1e9],
    ],
    ulps: 1,
    floor: SUBNORMAL,
  },
  {
    name: 'log',
    f: Math.log,
    ranges: [
      [0, 2],
      [0, 3e38],
      [-1, 1],
    ],
    ulps: 1,
    floor: SUBNORMAL,
  },
  {
    name: 'square',
    f: (x: number) => x * x,
    ranges: [
      [-1e20, 1e20],
      [-1e-20, 1e-20],
    ],
    ulps: 1,
    floor: SUBNORMAL,
  },
] as const;

for (const c of CASES) {
  test(`${c.name}_fwd_f32 within ${c.ulps} ulp of Math rounded to f32: 10⁵ points per range, specials, every tail and misalignment`, () => {
    const rng = new Rng(71);
    const xs = [...SPECIAL, ...c.ranges.flatMap(([lo, hi]) => Array.from(randomF32(rng, 100_000, lo, hi)))];
    // log over many binades too: 2^e·m for e across the whole f32 range, subnormals included
    if (c.name === 'log') for (let e = -149; e < 128; e++) xs.push(Math.fround(2 ** e * rng.uniformIn(1, 2)));
    const x = Float32Array.from(xs);
    const want = Float32Array.from(x, (v) => c.f(v));
    for (let s = 0; s < 8; s++)
      rt.arena.scope(() => {
        const n = x.length - s; // every tail length 0..3, twice
        const X = placeF32(rt, x.subarray(0, n), MISALIGNMENTS_F32[s % 4]),
          Y = placeF32(rt, new Float32Array(n), MISALIGNMENTS_F32[(s + 1) % 4]);
        k[`${c.name}_fwd_f32`](Y.ptr, X.ptr, n);
        assertUlps(Y.read(), want.subarray(0, n), c.ulps, `${c.name}_f32 n=${n}`, c.floor);
        Y.checkGuards(`${c.name} n=${n}`);
      });
  });
}

test("the new forwards keep Math's ±0, NaN and ±Inf results", () => {
  const X = placeF32(rt, [0, -0, Infinity, -Infinity, NaN]),
    Y = placeF32(rt, new Float32Array(5));
  const run = (name: (typeof CASES)[number]['name']) => {
    k[`${name}_fwd_f32`](Y.ptr, X.ptr, 5);
    return Array.from(Y.read());
  };
  assert.equal(run('sin'), [0, -0, NaN, NaN, NaN]);
  assert.equal(run('cos'), [1, 1, NaN, NaN, NaN]);
  assert.equal(run('log'), [-Infinity, -Infinity, Infinity, NaN, NaN]);
  assert.equal(run('softplus'), [Math.fround(Math.LN2), Math.fround(Math.LN2), Infinity, 0, NaN]);
  assert.equal(run('square'), [0, 0, Infinity, Infinity, NaN]);
});

test('exp, sigmoid and tanh f32 over 10⁶ points each against Math rounded to f32, at their stated bounds', () => {
  const rng = new Rng(73);
  const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
  // [name, f, ranges, ulps, absolute floor]: sigmoid flushes results below 4.2e-39 to 0; exp's subnormal
  // results round once (a few spacings of 1.4e-45)
  const cases = [
    [
      'exp',
      Math.exp,
      [
        [-104, 89],
        [-1, 1],
      ],
      2,
      2 * SUBNORMAL,
    ],
    [
      'sigmoid',
      sigmoid,
      [
        [-100, 100],
        [-8, 8],
        [-1e-3, 1e-3],
      ],
      4,
      4.2e-39,
    ],
    [
      'tanh',
      Math.tanh,
      [
        [-12, 12],
        [-1, 1],
        [-1e-3, 1e-3],
      ],
      8,
      SUBNORMAL,
    ],
  ] as const;
  for (const [name, f, ranges, ulps, floor] of cases) {
    const x = Float32Array.from([
      ...SPECIAL,
      ...ranges.flatMap(([lo, hi]) => Array.from(randomF32(rng, Math.ceil(1e6 / ranges.length), lo, hi))),
    ]);
    const X = placeF32(rt, x, 4),
      Y = placeF32(rt, new Float32Array(x.length), 8);
    k[`${name}_fwd_f32`](Y.ptr, X.ptr, x.length);
    const y = Y.read();
    assertUlps(
      y,
      Float32Array.from(x, (v) => f(v)),
      ulps,
      `${name}_f32`,
      floor,
    );
    if (name !== 'exp')
      for (let i = 0; i < y.length; i++) {
        const lo = name === 'tanh' ? -1 : 0;
        assert.ok(
          Number.isNaN(x[i]) || (y[i] >= lo && y[i] <= 1),
          `${name}_f32(${x[i]}) = ${y[i]} is outside [${lo}, 1]`,
        );
      }
    Y.checkGuards(name);
  }
});

const VJPS = [
  // [name, primal range, reads y?, tolerance against the f64 kernel on the same values]
  ['softplus', [-30, 30], false, 8 * EPS32],
  ['sin', [-20, 20], false, 3 * EPS32],
  ['cos', [-20, 20], false, 3 * EPS32],
  ['log', [0.01, 50], false, 2 * EPS32],
  ['square', [-10, 10], false, 2 * EPS32],
  ['tanh', [-1, 1], true, 4 * EPS32],
  ['sigmoid', [0, 1], true, 4 * EPS32],
  ['exp', [0, 10], true, 2 * EPS32],
  ['relu', [-1, 1], false, 0],
] as const;

for (const [name, [lo, hi], , rel] of VJPS) {
  test(`${name}_vjp_f32 against ${name}_vjp on the same values (relative ${(rel / EPS32).toFixed(0)}·2⁻²⁴, per element)`, () => {
    const rng = new Rng(72);
    for (const n of [0, 1, 2, 3, 4, 5, 7, 17, 33, 1001]) {
      const p = randomF32(rng, n, lo, hi),
        dy = randomF32(rng, n, -2, 2);
      // absolute slack where φ' cancels: sin/cos near their zeros (cos/sin's absolute error ≤ 2⁻²⁴), and
      // tanh's 1 − y² with y near ±1 (y² rounded to f32 loses 2⁻²⁴ against 1), times |dy| ≤ 2
      const abs = name === 'sin' || name === 'cos' || name === 'tanh' ? 4 * EPS32 : 0;
      compareTwin(rt, `${name}_vjp`, [new Float32Array(n), p, dy, n], { rel, abs }, `n=${n}`);
    }
  });
}

test.run();
