import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { piecewiseConstant } from '../../src/training/schedules.js';
import type { ParameterLike } from '../../src/autodiff/parameters.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();

function param(name: string, values: Float64Array, rows = 1): ParameterLike {
  const cols = values.length / rows;
  return { name, value: Tensor.from(rt.arena, values, rows, cols), grad: Tensor.zeros(rt.arena, rows, cols) };
}

/** Plain-TypeScript Adam/AdamW, written from the paper's algorithm box and PyTorch's docs. */
function adamReference(
  p: Float64Array,
  grads: Float64Array[],
  lr: number[],
  b1: number,
  b2: number,
  eps: number,
  wd: number,
  decoupled: boolean,
): Float64Array {
  const x = p.slice(),
    m = new Float64Array(p.length),
    v = new Float64Array(p.length);
  grads.forEach((g0, s) => {
    const t = s + 1;
    for (let i = 0; i < x.length; i++) {
      if (decoupled) x[i] *= 1 - lr[s] * wd;
      const g = g0[i] + (decoupled ? 0 : wd * x[i]);
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mh = m[i] / (1 - b1 ** t),
        vh = v[i] / (1 - b2 ** t);
      x[i] -= (lr[s] * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return x;
}

function sgdReference(
  p: Float64Array,
  grads: Float64Array[],
  lr: number[],
  mu: number,
  wd: number,
  nesterov: boolean,
): Float64Array {
  const x = p.slice(),
    buf = new Float64Array(p.length);
  grads.forEach((g0, s) => {
    for (let i = 0; i < x.length; i++) {
      const g = g0[i] + wd * x[i];
      buf[i] = s === 0 ? g : mu * buf[i] + g;
      x[i] -= lr[s] * (nesterov ? g + mu * buf[i] : buf[i]);
    }
  });
  return x;
}

test('the first Adam step moves each weight by lr against the sign of its gradient (hand-computed)', () => {
  // With zero moments, step 1 gives m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps).
  const p = param('w', new Float64Array([1, -2, 0.5]));
  p.grad.copyFrom([0.3, -4, 1e-3]);
  new Adam(rt.kernels, [p], { lr: 0.1, eps: 0 }).step();
  assertClose(p.value.data, [0.9, -1.9, 0.4], 1e-15, 'after one step');
});

for (const decoupled of [false, true]) {
  test(`Adam matches the reference over 7 steps with a schedule, weight decay (decoupled=${decoupled}) and awkward sizes`, () => {
    const rng = new Rng(11);
    for (const n of AWKWARD_SIZES) {
      const p0 = randomArray(rng, n);
      const grads = Array.from({ length: 7 }, () => randomArray(rng, n, -2, 2));
      const schedule = piecewiseConstant([3, 5], [0.05, 0.02, 0.005]);
      const lrs = grads.map((_, s) => schedule(s));
      const p = param('w', p0);
      const opt = new Adam(rt.kernels, [p], {
        lr: schedule,
        beta1: 0.8,
        beta2: 0.95,
        eps: 1e-6,
        weightDecay: 0.1,
        decoupledWeightDecay: decoupled,
      });
      for (const g of grads) {
        p.grad.copyFrom(g);
        opt.step();
      }
      assert.is(opt.iteration, 7);
      assertClose(p.value.data, adamReference(p0, grads, lrs, 0.8, 0.95, 1e-6, 0.1, decoupled), 1e-14, `n=${n}`);
    }
  });
}

test('SGD with momentum: hand-computed two steps', () => {
  // step 1: buf = g1 = 1, x = 1 − 0.1·1 = 0.9; step 2: g = 2 + wd·x = 2 + 0.5·0.9 = 2.45,
  // buf = 0.5·1 + 2.45 = 2.95, x = 0.9 − 0.1·2.95 = 0.605
  const p = param('w', new Float64Array([1]));
  const opt = new Sgd(rt.kernels, [p], { lr: 0.1, momentum: 0.5, weightDecay: 0 });
  p.grad.copyFrom([1]);
  opt.step();
  assertClose(p.value.data, [0.9], 1e-15);
  const q = param('q', new Float64Array([0.9]));
  const opt2 = new Sgd(rt.kernels, [q], { lr: 0.1, momentum: 0.5, weightDecay: 0.5 });
  // Prime q's buffer with buf = 1 by a zero-lr-free route: a first step on gradient 1 − wd·x.
  q.grad.copyFrom([1 - 0.5 * 0.9]);
  opt2.step(); // buf = 1, q = 0.9 − 0.1 = 0.8
  assertClose(q.value.data, [0.8], 1e-15);
  q.grad.copyFrom([2]);
  opt2.step(); // g = 2 + 0.4 = 2.4, buf = 0.5 + 2.4 = 2.9, q = 0.8 − 0.29 = 0.51
  assertClose(q.value.data, [0.51], 1e-15);
});

for (const nesterov of [false, true]) {
  test(`SGD matches the reference over 6 steps (nesterov=${nesterov}), several tensors`, () => {
    const rng = new Rng(5);
    const ps = AWKWARD_SIZES.map((n, i) => param(`p${i}`, randomArray(rng, n)));
    const p0 = ps.map((p) => p.value.toFloat64Array());
    const grads = ps.map((p) => Array.from({ length: 6 }, () => randomArray(rng, p.value.size)));
    const lrs = [0.1, 0.1, 0.05, 0.05, 0.05, 0.01];
    const opt = new Sgd(rt.kernels, ps, {
      lr: piecewiseConstant([2, 5], [0.1, 0.05, 0.01]),
      momentum: 0.9,
      nesterov,
      weightDecay: 0.01,
    });
    for (let s = 0; s < 6; s++) {
      ps.forEach((p, i) => p.grad.copyFrom(grads[i][s]));
      opt.step();
    }
    ps.forEach((p, i) =>
      assertClose(p.value.data, sgdReference(p0[i], grads[i], lrs, 0.9, 0.01, nesterov), 1e-14, p.name),
    );
  });
}

test('Adam drives a quadratic to its minimum', () => {
  const target = new Float64Array([3, -1, 0.25]);
  const p = param('w', new Float64Array(3));
  const opt = new Adam(rt.kernels, [p], { lr: 0.05 });
  for (let s = 0; s < 2000; s++) {
    const x = p.value.data;
    p.grad.copyFrom(x.map((xi, i) => 2 * (xi - target[i])));
    opt.step();
  }
  assertClose(p.value.data, target, 1e-6);
});

test('bad optimiser settings are named', () => {
  const p = param('w', new Float64Array([1, 2]));
  assert.throws(() => new Adam(rt.kernels, [p], { beta1: 1 }), /beta1: expected a number in \[0, 1\)/);
  assert.throws(() => new Adam(rt.kernels, [p], { lr: -1 }), /lr: expected a finite non-negative/);
  assert.throws(() => new Adam(rt.kernels, [p], { eps: NaN }), /eps/);
  assert.throws(() => new Sgd(rt.kernels, [p], { momentum: 1.5 }), /momentum: expected a number in \[0, 1\)/);
  assert.throws(() => new Sgd(rt.kernels, [p], { momentum: 0, nesterov: true }), /nesterov/);
  assert.throws(() => new Sgd(rt.kernels, [], {}), /params: expected a non-empty array/);
  assert.throws(() => new Sgd(rt.kernels, [p, p], {}), /unique parameter names/);
  // A schedule function's rate is checked when it is used, before any parameter moves.
  for (const rate of [NaN, -0.5, Infinity]) {
    const q = param('q', new Float64Array([1, 2]));
    q.grad.copyFrom([1, 1]);
    for (const opt of [new Adam(rt.kernels, [q], { lr: () => rate }), new Sgd(rt.kernels, [q], { lr: () => rate })]) {
      assert.throws(
        () => opt.step(),
        /lr \(the schedule at iteration 0\): expected a finite non-negative learning rate/,
      );
      assert.equal(Array.from(q.value.data), [1, 2]);
    }
  }
  const bad: ParameterLike = { name: 'b', value: Tensor.zeros(rt.arena, 2, 3), grad: Tensor.zeros(rt.arena, 3, 2) };
  assert.throws(() => new Adam(rt.kernels, [bad]), /parameter b: value is \[2, 3\] but grad is \[3, 2\]/);
});

test.run();
