// backpropagateSteps with outputs at times inside the solve: for a linear ODE y' = λ⊙y the discrete
// solution is linear in y0, so central differences of odeint on the recorded grid (step size 1) give
// the exact derivative of Σ_m ⟨c_m, y(τ_m)⟩ up to rounding, computed independently of the replay.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { odeint } from '../../src/ode/solve.js';
import { TABLEAUS, type MethodName } from '../../src/ode/tableaus.js';
import { backpropagateSteps, neededStages, type ReplayDynamics } from '../../src/gradients/replay.js';
import type { OutputCotangents } from '../../src/gradients/outputs.js';
import { ArgumentError } from '../../src/errors.js';
import { Rng } from '../../src/random.js';
import { assertClose, randomArray, relativeError } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena, kernels } = rt;
const LAMBDA = [-1.3, 0.4, 2.1];
const n = LAMBDA.length;
const lambda = Tensor.from(arena, LAMBDA, 1, n); // lives for the whole file
const y0 = Float64Array.from([0.8, -1.2, 0.5]);

const linear: ReplayDynamics = {
  stage: (_t, y, dy) => kernels.mul(dy, y, lambda.offset, n),
  vjp: (_slot, kbar, ybar) => kernels.mul_add(ybar, kbar, lambda.offset, n),
};
const f = (_t: number, y: Float64Array, dy: Float64Array) => {
  for (let i = 0; i < n; i++) dy[i] = LAMBDA[i] * y[i];
};

/** odeint's ts for output times: [t0, distinct times strictly inside, tEnd]; and each output's row in ys. */
function requestTimes(times: number[], t0: number, tEnd: number): { ts: number[]; row: number[] } {
  const ts = [t0, ...times.filter((t, i) => t !== t0 && t !== tEnd && t !== times[i - 1]), tEnd];
  return { ts, row: times.map((t) => ts.indexOf(t)) };
}

/** The loss Σ_m ⟨c_m, y(τ_m)⟩ with y from odeint on `grid`, and its gradient by central differences. */
function lossOnGrid(method: MethodName, outputs: OutputCotangents, grid: number[]) {
  const times = Array.from(outputs.times);
  const { ts, row } = requestTimes(times, grid[0], grid[grid.length - 1]);
  const solve = (start: Float64Array) => odeint(f, start, ts, { method, grid, recordSteps: true, runtime: rt });
  const loss = (start: Float64Array) => {
    const { ys } = solve(start);
    return times.reduce((sum, _, m) => sum + outputs.cotangents[m].reduce((s, c, i) => s + c * ys[row[m]][i], 0), 0);
  };
  const fd = Array.from(y0, (_, i) => {
    const up = y0.slice();
    up[i] += 1;
    const down = y0.slice();
    down[i] -= 1;
    return (loss(up) - loss(down)) / 2;
  });
  return { steps: solve(y0).steps!, fd };
}

function cotangentsFor(times: number[], seed: number): OutputCotangents {
  const rng = new Rng(seed);
  return { times, cotangents: times.map(() => randomArray(rng, n)) };
}

/** Output times: t0, two inside the first step, one at the third step's start, one inside the last step, t_end. */
function timesOn(grid: number[]): number[] {
  const at = (i: number, theta: number) => grid[i] + theta * (grid[i + 1] - grid[i]);
  const last = grid.length - 2;
  return [grid[0], at(0, 0.3), at(0, 0.7), grid[2], at(last, 0.55), grid[last + 1]];
}

function assertReplayMatches(method: MethodName, grid: number[]): void {
  const tableau = TABLEAUS[method];
  const outputs = cotangentsFor(timesOn(grid), 3);
  const { steps, fd } = lossOnGrid(method, outputs, grid);
  assert.is(steps.t.length, grid.length - 1);
  const before = arena.usedBytes;
  const { ybar, nfe } = backpropagateSteps(rt, linear, steps, tableau, new Float64Array(n), outputs);
  assertClose(ybar, fd, 1e-13, method);
  // Not vacuous: the outputs after t0 carry most of the gradient.
  assert.ok(relativeError(ybar, outputs.cotangents[0]) > 0.1, 'the outputs after t0 contribute');
  // Steps 0 and last hold outputs inside: they also replay the stages only a dense output reads, and
  // f(t1, y1) for a Hermite interpolant of a non-FSAL method.
  const plain = neededStages(tableau).filter(Boolean).length;
  const withDense = neededStages({
    ...tableau,
    b: tableau.b.map((bj, j) => (bj !== 0 || tableau.dense.stage[j].some((p) => p !== 0) ? 1 : 0)),
  }).filter(Boolean).length;
  const inside = 2 * (withDense + (tableau.dense.next ? 1 : 0));
  assert.is(nfe, (steps.t.length - 2) * plain + inside, `${method}: evaluations`);
  assert.is(arena.usedBytes, before, 'the replay frees what it allocated');
}

for (const method of ['dopri5', 'tsit5', 'bosh3', 'fehlberg45', 'cash_karp'] as const) {
  for (const [t0, tEnd] of [
    [0, 1.5],
    [1.5, 0],
  ]) {
    test(`${method} from ${t0} to ${tEnd}: ȳ0 with outputs inside steps, at a step end, at t0 and t_end is the discrete derivative`, () => {
      const adaptive = odeint(f, y0, [t0, tEnd], { method, rtol: 1e-5, atol: 1e-7, recordSteps: true, runtime: rt });
      const grid = [...adaptive.steps!.t, tEnd];
      assert.ok(grid.length >= 5, `several steps (${grid.length - 1})`);
      assertReplayMatches(method, grid);
    });
  }
}

test('rk4 on a fixed grid (Hermite with f(t1, y1)): ȳ0 with outputs is the discrete derivative', () => {
  assertReplayMatches('rk4', [0, 0.25, 0.5, 0.75, 1]);
});

test("ȳ at t_end as ybarEnd or as an output at t_end is the same; an output at a step end equals one at the next step's start", () => {
  const grid = [0, 0.25, 0.5, 0.75, 1];
  const steps = lossOnGrid('rk4', cotangentsFor([], 1), grid).steps;
  const c = cotangentsFor([0.5, 1], 9).cotangents;
  const asOutput = backpropagateSteps(rt, linear, steps, TABLEAUS.rk4, new Float64Array(n), {
    times: [0.5, 1],
    cotangents: c,
  });
  const asEnd = backpropagateSteps(rt, linear, steps, TABLEAUS.rk4, c[1], { times: [0.5], cotangents: [c[0]] });
  assertClose(asOutput.ybar, asEnd.ybar, 1e-15);
  assert.is(asOutput.nfe, 16, 'outputs at step ends cost no evaluation');
  // A record without tEnd falls back to t + h (exact on this grid).
  const { tEnd: _, ...withoutEnd } = steps;
  assertClose(
    backpropagateSteps(rt, linear, withoutEnd, TABLEAUS.rk4, c[1], { times: [0.5], cotangents: [c[0]] }).ybar,
    asEnd.ybar,
    0,
  );
});

test('bad outputs are refused by name', () => {
  const grid = [0, 0.25, 0.5, 0.75, 1];
  const steps = lossOnGrid('rk4', cotangentsFor([], 1), grid).steps;
  const c = new Float64Array(n);
  const refused = (outputs: unknown, what: RegExp, tableau: object = TABLEAUS.rk4) =>
    assert.throws(
      () => backpropagateSteps(rt, linear, steps, tableau as typeof TABLEAUS.rk4, c, outputs as OutputCotangents),
      (e: Error) => e instanceof ArgumentError && what.test(e.message),
      String(what),
    );
  refused(null, /^outputs: expected \{ times, cotangents \}/);
  refused({ times: 0.5, cotangents: [c] }, /^outputs.times: expected an array of times/);
  refused(
    { times: [0.5, 0.6], cotangents: [c] },
    /^outputs.cotangents: expected an array of one cotangent per time \(2\), got 1/,
  );
  refused(
    { times: [0.5], cotangents: [new Float64Array(2)] },
    /^outputs.cotangents\[0\]: expected a Float64Array of 3 values/,
  );
  refused({ times: [0.5], cotangents: [[0, 0, 0]] }, /^outputs.cotangents\[0\]: expected a Float64Array/);
  refused(
    { times: [0.2, 1.01], cotangents: [c, c] },
    /^outputs.times\[1\]: expected a time within the solve's \[0, 1\], got 1.01/,
  );
  refused({ times: [-0.1], cotangents: [c] }, /^outputs.times\[0\]: expected a time within/);
  refused({ times: [NaN], cotangents: [c] }, /^outputs.times\[0\]: expected a time within/);
  refused(
    { times: [0.6, 0.3], cotangents: [c, c] },
    /^outputs.times\[1\]: expected times monotone in the solve's direction \(not below 0.6\), got 0.3/,
  );
  const { dense: _, ...noDense } = TABLEAUS.rk4;
  refused({ times: [0.3], cotangents: [c] }, /^tableau.dense: expected dense-output weights/, noDense);
  assert.throws(
    () =>
      backpropagateSteps(rt, linear, { t: new Float64Array(0), h: new Float64Array(0), y: [] }, TABLEAUS.rk4, c, {
        times: [0],
        cotangents: [c],
      }),
    /^outputs.times: expected no times: the record holds no steps/,
  );
  // Outputs at step ends need no dense weights; repeated times add.
  const twice = backpropagateSteps(rt, linear, steps, noDense, c, { times: [0.5, 0.5], cotangents: [y0, y0] }).ybar;
  const once = backpropagateSteps(rt, linear, steps, noDense, c, {
    times: [0.5],
    cotangents: [y0.map((v) => 2 * v)],
  }).ybar;
  assertClose(twice, once, 1e-15);
});

test.run();
