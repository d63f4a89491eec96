// The discretise-then-optimise replay (backpropagateSteps) on its own: for a linear ODE y' = λ⊙y every
// Runge–Kutta step is y ← R(λh)⊙y with R computed here forward from the tableau, so the cotangent at
// the start is ȳ1 ⊙ Π R(λh) over the steps, whatever the recorded states.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { TABLEAUS } from '../../src/ode/tableaus.js';
import {
  backpropagateSteps,
  neededStages,
  type ReplayDynamics,
  type StageTableau,
} from '../../src/gradients/replay.js';
import { ArgumentError } from '../../src/errors.js';
import { assertClose } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena, kernels } = rt;
const LAMBDA = [-1.3, 0.4, 2.1];
const n = LAMBDA.length;
const lambda = Tensor.from(arena, LAMBDA, 1, n); // lives for the whole file

const linear: ReplayDynamics = {
  stage: (_t, y, dy) => kernels.mul(dy, y, lambda.offset, n),
  vjp: (_slot, kbar, ybar) => kernels.mul_add(ybar, kbar, lambda.offset, n),
};

/** The one-step amplification R(z) of an explicit tableau, computed forward on y = 1. */
function amplification({ a, b }: StageTableau, z: number): number {
  const k: number[] = [];
  for (let i = 0; i < b.length; i++) k.push(z * (1 + a[i].reduce((s, aij, j) => s + aij * (k[j] ?? 0), 0)));
  return 1 + b.reduce((s, bi, i) => s + bi * k[i], 0);
}

const steps = {
  t: Float64Array.from([0, 0.3, 0.5]),
  h: Float64Array.from([0.3, 0.2, 0.4]),
  y: [Float64Array.from([1, 2, 3]), Float64Array.from([0.5, -1, 4]), Float64Array.from([-2, 0, 1])],
};
const ybarEnd = Float64Array.from([0.7, -1.1, 0.25]);

for (const method of ['rk4', 'dopri5', 'tsit5'] as const) {
  test(`${method}: the cotangent at the start is ȳ1·Π R(λh), with one evaluation per needed stage`, () => {
    const tableau = TABLEAUS[method];
    const before = arena.usedBytes;
    const { ybar, nfe } = backpropagateSteps(rt, linear, steps, tableau, ybarEnd);
    const want = LAMBDA.map((l, i) =>
      Array.from(steps.h).reduce((g, h) => g * amplification(tableau, l * h), ybarEnd[i]),
    );
    assertClose(ybar, want, 1e-14, method);
    assert.is(nfe, steps.t.length * neededStages(tableau).filter(Boolean).length);
    assert.is(arena.usedBytes, before, 'the replay frees what it allocated');
  });
}

test('malformed step records are refused with the argument named', () => {
  const refused = (record: typeof steps, what: RegExp) =>
    assert.throws(
      () => backpropagateSteps(rt, linear, record, TABLEAUS.rk4, ybarEnd),
      (e: Error) => e instanceof ArgumentError && what.test(e.message),
    );
  refused({ ...steps, y: steps.y.slice(1) }, /^steps: /);
  refused({ ...steps, h: steps.h.slice(1) }, /^steps.h: expected a step size per step/);
  refused(
    { ...steps, y: [steps.y[0], steps.y[1], new Float64Array(2)] },
    /^steps.y\[2\]: expected a state of 3 values/,
  );
});

test.run();
