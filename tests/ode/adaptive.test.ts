// Adaptive solves: tolerance met, NFE accounting, output times that never force steps, reversed time,
// batches, both forms of dynamics, recorded steps that replay, arena scratch freed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADAPTIVE_METHODS, TABLEAUS, odeint, type ArenaDynamics } from '../../src/ode/index.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { TaynodeError } from '../../src/errors.js';
import { COS_GROWTH, DECAY, PROBLEMS, ROTATION, maxAbsError } from './problems.js';

const rt = createRuntimeSync();

for (const method of ADAPTIVE_METHODS) {
  test(`${method}: global error within 10× the tolerance`, () => {
    const rtol = method === 'heun_euler' ? 1e-5 : 1e-7;
    const atol = rtol;
    for (const p of PROBLEMS) {
      const T = p === ROTATION ? Math.PI : 3;
      const r = odeint(p.f, p.y0, [0, T], { method, rtol, atol, runtime: rt });
      const exact = p.exact(T);
      exact.forEach((e, i) => {
        const err = Math.abs(r.ys[1][i] - e);
        assert.ok(
          err <= 10 * (atol + rtol * Math.abs(e)),
          `${p.name}[${i}]: error ${err.toExponential(2)} vs tolerance ${(atol + rtol * Math.abs(e)).toExponential(2)}`,
        );
      });
      // the same holds at dense-output times for the pairs with their own interpolants
      if (TABLEAUS[method].dense.kind === 'own') {
        const ts = Array.from({ length: 31 }, (_, i) => (i * T) / 30);
        const d = odeint(p.f, p.y0, ts, { method, rtol, atol, runtime: rt });
        ts.forEach((t, k) => {
          const worst = maxAbsError(d.ys[k], p.exact(t));
          assert.ok(worst <= 10 * (atol + rtol * 3), `${p.name} at t=${t}: ${worst.toExponential(2)}`);
        });
      }
    }
  });
}

test('dopri5 NFE: 6 per attempted step (FSAL) + f(t0, y0) + one initial-step probe', () => {
  for (const p of PROBLEMS) {
    for (const rtol of [1e-3, 1e-6, 1e-9]) {
      const { stats } = odeint(p.f, p.y0, [0, 10], { rtol, atol: rtol, runtime: rt });
      assert.ok(stats.acceptedSteps > 0);
      assert.is(stats.nfe, 2 + 6 * (stats.acceptedSteps + stats.rejectedSteps), `${p.name} rtol=${rtol}`);
    }
  }
  // with firstStep given there is no probe
  const { stats } = odeint(DECAY.f, DECAY.y0, [0, 10], { firstStep: 0.1, runtime: rt });
  assert.is(stats.nfe, 1 + 6 * (stats.acceptedSteps + stats.rejectedSteps));
});

test('rejected steps are counted in NFE (a far too large first step is rejected)', () => {
  const { stats } = odeint(COS_GROWTH.f, COS_GROWTH.y0, [0, 5], { firstStep: 4, rtol: 1e-8, atol: 1e-8, runtime: rt });
  assert.ok(stats.rejectedSteps >= 1, `rejected ${stats.rejectedSteps}`);
  assert.is(stats.nfe, 1 + 6 * (stats.acceptedSteps + stats.rejectedSteps));
});

test('non-FSAL NFE: stages 2..s per attempt, a fresh f(t, y) after each accepted step except the last', () => {
  for (const method of ['heun_euler', 'fehlberg45', 'cash_karp'] as const) {
    const s = TABLEAUS[method].stages;
    const { stats } = odeint(COS_GROWTH.f, COS_GROWTH.y0, [0, 4], { method, rtol: 1e-5, atol: 1e-5, runtime: rt });
    const attempts = stats.acceptedSteps + stats.rejectedSteps;
    assert.is(stats.nfe, 2 + (s - 1) * attempts + (stats.acceptedSteps - 1), method);
  }
});

test('requested output times never add steps (dense output)', () => {
  for (const method of ADAPTIVE_METHODS) {
    const sparse = odeint(COS_GROWTH.f, COS_GROWTH.y0, [0, 6], { method, rtol: 1e-6, atol: 1e-6, runtime: rt });
    const many = Array.from({ length: 200 }, (_, i) => (6 * i) / 199);
    const dense = odeint(COS_GROWTH.f, COS_GROWTH.y0, many, { method, rtol: 1e-6, atol: 1e-6, runtime: rt });
    assert.is(dense.stats.acceptedSteps, sparse.stats.acceptedSteps, method);
    assert.is(dense.stats.rejectedSteps, sparse.stats.rejectedSteps, method);
    // Hermite on a non-FSAL pair may evaluate f(t1, y1) once more, inside the last step only.
    assert.ok(
      dense.stats.nfe - sparse.stats.nfe <= (TABLEAUS[method].dense.next ? 1 : 0),
      `${method}: nfe ${dense.stats.nfe} vs ${sparse.stats.nfe}`,
    );
    assert.equal(Array.from(dense.ys[199]), Array.from(sparse.ys[1]), `${method}: same end state`);
  }
});

test('decreasing ts integrate backwards in time', () => {
  // y' = -y with y(2) = 1: y(t) = e^(2 − t)
  const ts = [2, 1.5, 0.25, -1];
  for (const options of [
    {},
    { method: 'tsit5' as const },
    { method: 'rk4' as const, stepSize: 0.01 },
    { method: 'bosh3' as const },
  ]) {
    const r = odeint(DECAY.f, [1], ts, { rtol: 1e-9, atol: 1e-9, runtime: rt, ...options });
    ts.forEach((t, i) => {
      const want = Math.exp(2 - t);
      assert.ok(
        Math.abs(r.ys[i][0] - want) <= 1e-6 * want,
        `${JSON.stringify(options)} t=${t}: ${r.ys[i][0]} vs ${want}`,
      );
    });
  }
  const rec = odeint(DECAY.f, [1], ts, { recordSteps: true, runtime: rt });
  assert.ok(
    rec.steps!.h.every((h) => h < 0),
    'negative steps',
  );
});

test('per-component atol, the PI controller and maxStep', () => {
  const atol = Float64Array.of(1e-9, 1e-6);
  const r = odeint(ROTATION.f, ROTATION.y0, [0, 5], {
    atol,
    rtol: 1e-8,
    controller: 'PI',
    maxStep: 0.05,
    recordSteps: true,
    runtime: rt,
  });
  assert.ok(maxAbsError(r.ys[1], ROTATION.exact(5)) < 1e-5);
  assert.ok(
    r.steps!.h.every((h) => h <= 0.05 + 1e-15),
    'maxStep respected',
  );
  const loose = odeint(ROTATION.f, ROTATION.y0, [0, 5], { atol: 1e-6, rtol: 1e-3, runtime: rt });
  const tight = odeint(ROTATION.f, ROTATION.y0, [0, 5], {
    atol: Float64Array.of(1e-10, 1e-10),
    rtol: 1e-3,
    runtime: rt,
  });
  assert.ok(tight.stats.acceptedSteps > loose.stats.acceptedSteps, 'vector atol takes effect');
});

test('a batch [rows, cols] shares one step size; Tensor, { data, rows, cols } and arena dynamics agree', () => {
  const rows = 5,
    cols = 2;
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    data[2 * r] = 1 + r;
    data[2 * r + 1] = -r;
  }
  // rotation of every row
  const fn = (_t: number, y: Float64Array, dy: Float64Array) => {
    for (let r = 0; r < rows; r++) {
      dy[2 * r] = -y[2 * r + 1];
      dy[2 * r + 1] = y[2 * r];
    }
  };
  const plain = odeint(fn, { data, rows, cols }, [0, 1, 2], { rtol: 1e-9, atol: 1e-9, runtime: rt });
  assert.equal(plain.shape, [rows, cols]);
  const before = rt.arena.mark();
  const tensor = Tensor.from(rt.arena, data, rows, cols);
  const afterTensor = rt.arena.mark();
  const arenaDynamics: ArenaDynamics = {
    evaluate(_t, y, dy) {
      assert.equal(y.shape, [rows, cols]);
      const scratch = Tensor.empty(rt.arena, rows, cols); // temporaries are freed after each call
      const yd = y.data,
        sd = scratch.data;
      for (let r = 0; r < rows; r++) {
        sd[2 * r] = -yd[2 * r + 1];
        sd[2 * r + 1] = yd[2 * r];
      }
      rt.kernels.copy(dy.offset, scratch.offset, rows * cols);
    },
  };
  const viaArena = odeint(arenaDynamics, tensor, [0, 1, 2], { rtol: 1e-9, atol: 1e-9, runtime: rt });
  assert.is(rt.arena.mark(), afterTensor, 'solver scratch freed');
  rt.arena.reset(before);
  for (let k = 0; k < 3; k++) assert.equal(Array.from(viaArena.ys[k]), Array.from(plain.ys[k]));
  for (let r = 0; r < rows; r++) {
    const [a, b] = [data[2 * r], data[2 * r + 1]];
    const want = [a * Math.cos(2) - b * Math.sin(2), a * Math.sin(2) + b * Math.cos(2)];
    assert.ok(maxAbsError(plain.ys[2].subarray(2 * r, 2 * r + 2), want) < 1e-7, `row ${r}`);
  }
});

test('f that grows memory mid-call: the lost derivative is recomputed with live views, same result', () => {
  const plain = odeint(DECAY.f, [1], [0, 2], { runtime: createRuntimeSync(), rtol: 1e-9, atol: 1e-12 });
  for (const growAt of [0, 0.5]) {
    const own = createRuntimeSync();
    let grown = 0;
    const r = odeint(
      (t, y, dy) => {
        // Allocating before writing dy: the grow detaches y and dy, so without a re-call dy is lost.
        if (grown === 0 && t >= growAt) {
          own.arena.alloc(4_000_000);
          grown++;
        }
        dy[0] = -y[0];
      },
      [1],
      [0, 2],
      { runtime: own, rtol: 1e-9, atol: 1e-12 },
    );
    assert.is(grown, 1);
    assert.equal(Array.from(r.ys[1]), Array.from(plain.ys[1]), `grow at ${growAt}`);
    assert.equal({ ...r.stats, nfe: r.stats.nfe - 1 }, plain.stats, 'one extra evaluation: the re-call');
  }
});

test('f that grows memory on every call is refused by name', () => {
  const own = createRuntimeSync();
  let size = 1_000_000;
  assert.throws(
    () =>
      odeint(
        (_t, y, dy) => {
          own.arena.alloc((size *= 2));
          dy[0] = -y[0];
        },
        [1],
        [0, 1],
        { runtime: own },
      ),
    (e: unknown) =>
      e instanceof TaynodeError && /^f grew linear memory on two calls in a row at t = 0/.test((e as Error).message),
  );
});

test('recorded steps replay with the tableau to the same states (what a backward pass needs)', () => {
  for (const method of ['dopri5', 'tsit5', 'bosh3', 'heun_euler'] as const) {
    const r = odeint(COS_GROWTH.f, COS_GROWTH.y0, [0, 1, 3], {
      method,
      recordSteps: true,
      rtol: 1e-6,
      atol: 1e-6,
      runtime: rt,
    });
    const steps = r.steps!;
    assert.is(steps.t.length, r.stats.acceptedSteps);
    assert.is(steps.t[0], 0);
    assert.equal(Array.from(steps.y[0]), COS_GROWTH.y0);
    const { a, b, c, stages } = TABLEAUS[method];
    let end = new Float64Array(1);
    for (let i = 0; i < steps.t.length; i++) {
      const [t, h, y] = [steps.t[i], steps.h[i], steps.y[i]];
      if (i > 0) assert.ok(Math.abs(t - (steps.t[i - 1] + steps.h[i - 1])) < 1e-14, 'contiguous');
      const k: number[] = [];
      for (let s = 0; s < stages; s++) {
        const ys = y[0] + h * a[s].reduce((acc, aij, j) => acc + aij * k[j], 0);
        k.push(Math.cos(t + c[s] * h) * ys);
      }
      end = Float64Array.of(y[0] + h * b.reduce((acc, bj, j) => acc + bj * k[j], 0));
      if (i + 1 < steps.t.length) assert.ok(Math.abs(end[0] - steps.y[i + 1][0]) < 1e-14, `${method} step ${i}`);
    }
    assert.ok(Math.abs(steps.t.at(-1)! + steps.h.at(-1)! - 3) < 1e-14);
    assert.ok(Math.abs(end[0] - r.ys[2][0]) < 1e-14, `${method}: replay reaches the final state`);
  }
});

test('a single output time returns y0 without evaluating f', () => {
  let calls = 0;
  const r = odeint(
    () => {
      calls++;
    },
    [3, 4],
    [7],
    { runtime: rt },
  );
  assert.equal(Array.from(r.ys[0]), [3, 4]);
  assert.is(calls, 0);
  assert.is(r.stats.nfe, 0);
});

test.run();
