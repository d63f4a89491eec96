// Every op's Taylor rule against the Taylor coefficients of the primal along a curve
// x(τ) = Σ x[k]·τ^k, computed independently by Cauchy's integral formula (the trapezoid rule on a
// circle in the complex plane, exact to rounding for these analytic functions); and every Taylor
// rule's reverse (all orders K..0) against central finite differences.
import { test } from 'uvu';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { ops } from '../../src/autodiff/ops/index.js';
import type { Op, Shape, Site } from '../../src/autodiff/op.js';
import { assertClose, randomArray } from '../helpers/numeric.js';
import { checkDirectional } from '../helpers/gradcheck.js';

const rt = createRuntimeSync();
const { arena, kernels } = rt;
const K = 6;

type C = [number, number];
const add = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const mul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const div = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cexp = (a: C): C => [Math.exp(a[0]) * Math.cos(a[1]), Math.exp(a[0]) * Math.sin(a[1])];
const clog = (a: C): C => [Math.log(Math.hypot(a[0], a[1])), Math.atan2(a[1], a[0])];
const csin = (a: C): C => [Math.sin(a[0]) * Math.cosh(a[1]), Math.cos(a[0]) * Math.sinh(a[1])];
const ccos = (a: C): C => [Math.cos(a[0]) * Math.cosh(a[1]), -Math.sin(a[0]) * Math.sinh(a[1])];
const ONE: C = [1, 0];

/** Complex versions of each elementwise op; x0 is the real primal (for relu's branch). */
const COMPLEX: Record<string, (xs: C[], x0: number[]) => C> = {
  tanh: ([a]) => {
    const e = cexp(add(a, a));
    return div(add(e, [-1, 0]), add(e, ONE));
  },
  sigmoid: ([a]) => div(ONE, add(ONE, cexp([-a[0], -a[1]]))),
  softplus: ([a]) => clog(add(ONE, cexp(a))),
  sin: ([a]) => csin(a),
  cos: ([a]) => ccos(a),
  exp: ([a]) => cexp(a),
  log: ([a]) => clog(a),
  square: ([a]) => mul(a, a),
  relu: ([a], [x0]) => (x0 > 0 ? a : [0, 0]),
  add: ([a, b]) => add(a, b),
  sub: ([a, b]) => [a[0] - b[0], a[1] - b[1]],
  mul: ([a, b]) => mul(a, b),
  affine: ([a]) => [-1.5 * a[0] + 0.25, -1.5 * a[1]],
};
const ATTRS: Record<string, Record<string, number>> = { affine: { scale: -1.5, shift: 0.25 } };

/** Taylor coefficients 0..K of τ ↦ φ(x(τ)) at τ = 0 by the trapezoid rule on |τ| = r. */
function cauchyCoefficients(phi: (xs: C[], x0: number[]) => C, jets: number[][], r = 0.4, N = 96): number[] {
  const out = new Array(K + 1).fill(0);
  for (let m = 0; m < N; m++) {
    const theta = (2 * Math.PI * m) / N;
    const xs = jets.map((c) => {
      let v: C = [0, 0];
      for (let k = 0; k <= K; k++)
        v = add(v, [c[k] * r ** k * Math.cos(k * theta), c[k] * r ** k * Math.sin(k * theta)]);
      return v;
    });
    const y = phi(
      xs,
      jets.map((c) => c[0]),
    );
    for (let k = 0; k <= K; k++) out[k] += (y[0] * Math.cos(k * theta) + y[1] * Math.sin(k * theta)) / (N * r ** k);
  }
  return out;
}

/** Runs op's Taylor rule to order K on jets (tensors of K+1 slabs) and plain constant inputs. */
function taylorSite(op: Op, inputs: Tensor[], inShapes: Shape[], attrs: Record<string, number>) {
  const [rows, cols] = op.shape(inShapes, attrs);
  const n = rows * cols;
  const y = Tensor.zeros(arena, (K + 1) * rows, cols);
  const aux = Array.from({ length: op.taylorAux ?? 0 }, () => Tensor.zeros(arena, (K + 1) * rows, cols));
  const site: Site = {
    inShapes,
    rows,
    cols,
    attrs,
    x: inputs.map((t) => t.offset),
    y: y.offset,
    saved: 0,
    gx: inputs.map(() => 0),
    gy: 0,
    tmp: 0,
    aux: aux.map((a) => a.offset),
    gaux: [],
  };
  for (let k = 0; k <= K; k++) op.taylor!(kernels, site, k);
  return { y, site, n };
}

const ELEMENTWISE: { name: keyof typeof ops; arity: number; low: number; high: number }[] = [
  { name: 'tanh', arity: 1, low: -1.5, high: 1.5 },
  { name: 'sigmoid', arity: 1, low: -2, high: 2 },
  { name: 'softplus', arity: 1, low: -2, high: 2 },
  { name: 'sin', arity: 1, low: -2, high: 2 },
  { name: 'cos', arity: 1, low: -2, high: 2 },
  { name: 'exp', arity: 1, low: -1, high: 1 },
  { name: 'log', arity: 1, low: 1, high: 2.5 },
  { name: 'square', arity: 1, low: -1, high: 1 },
  { name: 'relu', arity: 1, low: -1, high: 1 },
  { name: 'add', arity: 2, low: -1, high: 1 },
  { name: 'sub', arity: 2, low: -1, high: 1 },
  { name: 'mul', arity: 2, low: -1, high: 1 },
  { name: 'affine', arity: 1, low: -1, high: 1 },
];

/** A random jet: primal in [low, high], higher coefficients small enough for the Cauchy circle. */
function randomJet(rng: Rng, n: number, low: number, high: number): Float64Array {
  const a = randomArray(rng, (K + 1) * n, -0.5, 0.5);
  for (let i = 0; i < n; i++) a[i] = rng.uniformIn(low, high);
  return a;
}

for (const { name, arity, low, high } of ELEMENTWISE) {
  test(`${name}: Taylor rule equals the coefficients of the primal along a curve (K = ${K})`, () => {
    const rng = new Rng(name.length * 17 + 3);
    const [rows, cols] = [3, 3];
    const n = rows * cols;
    arena.scope(() => {
      const jets = Array.from({ length: arity }, () => randomJet(rng, n, low, high));
      const { y } = taylorSite(
        ops[name],
        jets.map((j) => Tensor.from(arena, j, (K + 1) * rows, cols)),
        jets.map(() => [rows, cols]),
        ATTRS[name] ?? {},
      );
      const got = y.toFloat64Array();
      for (let i = 0; i < n; i++) {
        const ref = cauchyCoefficients(
          COMPLEX[name],
          jets.map((j) => Array.from({ length: K + 1 }, (_, k) => j[k * n + i])),
        );
        const mine = Array.from({ length: K + 1 }, (_, k) => got[k * n + i]);
        assertClose(mine, ref, 1e-9, `${name} element ${i}`);
      }
    });
  });
}

test('linear and concatTime: coefficient k is the layer applied to coefficient k (bias and time value at k = 0 only)', () => {
  const rng = new Rng(5);
  arena.scope(() => {
    const [batch, inputs, outputs] = [3, 4, 5];
    const x = randomArray(rng, (K + 1) * batch * inputs);
    const w = randomArray(rng, outputs * inputs);
    const b = randomArray(rng, outputs);
    const { y } = taylorSite(
      ops.linear,
      [
        Tensor.from(arena, x, (K + 1) * batch, inputs),
        Tensor.from(arena, w, outputs, inputs),
        Tensor.from(arena, b, 1, outputs),
      ],
      [
        [batch, inputs],
        [outputs, inputs],
        [1, outputs],
      ],
      {},
    );
    const want: number[] = [];
    for (let k = 0; k <= K; k++)
      for (let r = 0; r < batch; r++)
        for (let o = 0; o < outputs; o++) {
          let acc = k === 0 ? b[o] : 0;
          for (let i = 0; i < inputs; i++) acc += x[(k * batch + r) * inputs + i] * w[o * inputs + i];
          want.push(acc);
        }
    assertClose(y.data, want, 1e-13, 'linear');
    const t = [0.7, 1, 0, 0, 0, 0, 0];
    const { y: yc } = taylorSite(
      ops.concatTime,
      [Tensor.from(arena, x, (K + 1) * batch, inputs), Tensor.from(arena, t, K + 1, 1)],
      [
        [batch, inputs],
        [1, 1],
      ],
      {},
    );
    const wantc: number[] = [];
    for (let k = 0; k <= K; k++)
      for (let r = 0; r < batch; r++)
        wantc.push(...x.subarray((k * batch + r) * inputs, (k * batch + r + 1) * inputs), t[k]);
    assertClose(yc.data, wantc, 0, 'concatTime');
  });
});

/** Reverse over Taylor for one op: L = Σ_k ⟨w[k], y[k]⟩ differentiated w.r.t. every input coefficient. */
function checkTaylorVjp(
  name: keyof typeof ops,
  inputs: { shape: Shape; jet: boolean; low: number; high: number }[],
  attrs: Record<string, number>,
) {
  const rng = new Rng(name.length * 13 + 1);
  const op = ops[name] as Op;
  arena.scope(() => {
    const tensors = inputs.map((i) => {
      const n = i.shape[0] * i.shape[1];
      return i.jet
        ? Tensor.from(arena, randomJet(rng, n, i.low, i.high), (K + 1) * i.shape[0], i.shape[1])
        : Tensor.from(arena, randomArray(rng, n), ...i.shape);
    });
    const shapes = inputs.map((i) => i.shape);
    const [rows, cols] = op.shape(shapes, attrs);
    const w = randomArray(rng, (K + 1) * rows * cols);
    const loss = () =>
      arena.scope(() =>
        taylorSite(op, tensors, shapes, attrs)
          .y.toFloat64Array()
          .reduce((s, v, i) => s + v * w[i], 0),
      );
    const grads = arena.scope(() => {
      const { site } = taylorSite(op, tensors, shapes, attrs);
      const gx = tensors.map((t) => Tensor.zeros(arena, t.rows, t.cols));
      site.gx = gx.map((g) => g.offset);
      site.gy = Tensor.from(arena, w, (K + 1) * rows, cols).offset;
      site.gaux = site.aux.map(() => Tensor.zeros(arena, (K + 1) * rows, cols).offset);
      for (let k = K; k >= 0; k--) op.taylorVjp!(kernels, site, k);
      return gx.map((g) => g.toFloat64Array());
    });
    tensors.forEach((t, i) => checkDirectional(`${name} Taylor VJP, input ${i}`, loss, t, grads[i], rng));
  });
}

for (const { name, arity, low, high } of ELEMENTWISE) {
  test(`${name}: reverse of the Taylor rule (orders ${K}..0) matches central differences`, () => {
    checkTaylorVjp(
      name,
      Array.from({ length: arity }, () => ({ shape: [2, 3] as Shape, jet: true, low, high })),
      ATTRS[name] ?? {},
    );
  });
}

test('linear: reverse of the Taylor rule matches central differences for x, W and b', () => {
  checkTaylorVjp(
    'linear',
    [
      { shape: [3, 4], jet: true, low: -1, high: 1 },
      { shape: [5, 4], jet: false, low: -1, high: 1 },
      { shape: [1, 5], jet: false, low: -1, high: 1 },
    ],
    {},
  );
});

test('concatTime: reverse of the Taylor rule matches central differences for x and the time jet', () => {
  checkTaylorVjp(
    'concatTime',
    [
      { shape: [3, 2], jet: true, low: -1, high: 1 },
      { shape: [1, 1], jet: true, low: -1, high: 1 },
    ],
    {},
  );
});

test.run();
