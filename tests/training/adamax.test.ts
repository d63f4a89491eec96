import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Adamax } from '../../src/training/adamax.js';
import { exponentialDecay } from '../../src/training/schedules.js';
import type { ParameterLike } from '../../src/autodiff/parameters.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();

function param(name: string, values: Float64Array): ParameterLike {
  return {
    name,
    value: Tensor.from(rt.arena, values, 1, values.length),
    grad: Tensor.zeros(rt.arena, 1, values.length),
  };
}

/** Plain-TypeScript Adamax as torch.optim.Adamax's single-tensor loop writes it. */
function adamaxReference(
  p: Float64Array,
  grads: Float64Array[],
  lr: number[],
  b1: number,
  b2: number,
  eps: number,
  wd: number,
): Float64Array {
  const x = p.slice(),
    m = new Float64Array(p.length),
    u = new Float64Array(p.length);
  grads.forEach((g0, s) => {
    const t = s + 1;
    for (let i = 0; i < x.length; i++) {
      const g = g0[i] + wd * x[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      u[i] = Math.max(b2 * u[i], Math.abs(g) + eps);
      x[i] -= (lr[s] / (1 - b1 ** t)) * (m[i] / u[i]);
    }
  });
  return x;
}

test('the first Adamax step moves each weight by lr against the sign of its gradient (hand-computed)', () => {
  // m = (1 − β1)g, u = |g| (eps 0), bias correction 1/(1 − β1): the step is lr·sign(g).
  const p = param('w', new Float64Array([1, -2, 0.5]));
  p.grad.copyFrom([0.3, -4, 1e-3]);
  new Adamax(rt.kernels, [p], { lr: 0.1, eps: 0 }).step();
  assertClose(p.value.data, [0.9, -1.9, 0.4], 1e-15, 'after one step');
});

test('Adamax matches the reference over 9 steps with a decaying rate, weight decay and awkward sizes', () => {
  const rng = new Rng(23);
  for (const n of AWKWARD_SIZES) {
    const p0 = randomArray(rng, n);
    // small gradients late on, so the decayed maximum (β2·u) wins over |g| + eps for some entries
    const grads = Array.from({ length: 9 }, (_, s) => randomArray(rng, n, -2, 2).map((g) => (s > 4 ? g * 0.01 : g)));
    const schedule = exponentialDecay(0.05, 0.9, 0.03);
    const lrs = grads.map((_, s) => schedule(s));
    const p = param('w', p0);
    const opt = new Adamax(rt.kernels, [p], { lr: schedule, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 });
    for (const g of grads) {
      p.grad.copyFrom(g);
      opt.step();
    }
    assert.is(opt.iteration, 9);
    assertClose(p.value.data, adamaxReference(p0, grads, lrs, 0.8, 0.95, 1e-6, 0.1), 1e-14, `n=${n}`);
  }
});

test('Adamax drives a quadratic to its minimum', () => {
  const target = new Float64Array([3, -1, 0.25]);
  const p = param('w', new Float64Array(3));
  const opt = new Adamax(rt.kernels, [p], { lr: exponentialDecay(0.05, 0.999, 1e-3) });
  for (let s = 0; s < 3000; s++) {
    p.grad.copyFrom(p.value.data.map((xi, i) => 2 * (xi - target[i])));
    opt.step();
  }
  assertClose(p.value.data, target, 1e-6);
});

test('exponentialDecay: rate·decay^i down to the floor; bad settings named', () => {
  const s = exponentialDecay(1e-2, 0.999, 1e-3);
  assert.is(s(0), 1e-2);
  assertClose([s(100)], [1e-2 * 0.999 ** 100], 1e-15);
  // 0.999^i < 0.1 from i = 2302 on
  assert.ok(s(2301) > 1e-3);
  assert.is(s(2302), 1e-3);
  assert.is(s(100000), 1e-3);
  assert.throws(() => exponentialDecay(1e-2, 1.5), /decay: expected a factor in \(0, 1\]/);
  assert.throws(() => exponentialDecay(1e-2, 0.9, 0.1), /floor: expected a rate at most/);
  assert.throws(() => s(-1), /iteration/);
});

test('bad Adamax settings are named', () => {
  const p = param('w', new Float64Array([1, 2]));
  assert.throws(() => new Adamax(rt.kernels, [p], { beta2: 1 }), /beta2: expected a number in \[0, 1\)/);
  assert.throws(() => new Adamax(rt.kernels, [p], { eps: -1 }), /eps/);
  assert.throws(() => new Adamax(rt.kernels, [p], { lr: -1 }), /lr: expected a finite non-negative/);
  assert.throws(() => new Adamax(rt.kernels, [p], { betas: [0.9, 0.99] } as never), /betas/);
});

test.run();
