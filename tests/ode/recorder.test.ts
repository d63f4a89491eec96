// odeint's StageRecorder hooks: the stage of every evaluation in order, each attempt's fate, and the
// arena allocations of recorded calls kept (probes' reset) — what gradient 'backprop' builds on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { odeint } from '../../src/ode/odeint.js';
import { PROBE, STEP_END, type StageRecorder } from '../../src/ode/recorder.js';
import type { ArenaDynamics } from '../../src/ode/dynamics.js';
import type { Tensor } from '../../src/runtime/tensor.js';
import { ArgumentError } from '../../src/errors.js';

const rt = createRuntimeSync();

/** y' = −2·y·t with every call allocating one 16-byte block; the recorder logs stages and fates and frees rejected stages. */
function recording() {
  const log: (number | string)[] = [];
  let kept = 0,
    keptBeforeAttempt = 0,
    keptMark = 0;
  const marks: { accepted: number; kept: number }[] = [];
  let start = -1;
  const recorder: StageRecorder = {
    evaluation(stage) {
      log.push(stage);
      if (start < 0) start = rt.arena.mark();
      if (stage === 1) {
        keptMark = rt.arena.mark();
        keptBeforeAttempt = kept;
      }
      if (stage !== PROBE) kept++;
    },
    accepted() {
      log.push('A');
      marks.push({ accepted: rt.arena.mark() - start, kept });
    },
    rejected() {
      log.push('R');
      rt.arena.reset(keptMark);
      kept = keptBeforeAttempt;
    },
  };
  const f: ArenaDynamics = {
    evaluate(t: number, y: Tensor, dy: Tensor) {
      rt.arena.alloc(1);
      const f64 = rt.arena.f64;
      for (let i = 0; i < y.rows * y.cols; i++)
        f64[dy.offset / 8 + i] = -2 * t * f64[y.offset / 8 + i] + Math.sin(8 * t);
    },
  };
  return { log, marks, recorder, f };
}

test('dopri5 (FSAL): stage 0 once, a probe, stages 1–6 per attempt; rejected attempts freed; kept blocks stay allocated', () => {
  const r = recording();
  const s = odeint(r.f, { data: new Float64Array([1, -2]), rows: 1, cols: 2 }, [0, 3], {
    method: 'dopri5',
    rtol: 1e-9,
    atol: 1e-9,
    firstStep: 1,
    recorder: r.recorder,
    runtime: rt,
  });
  assert.ok(s.stats.rejectedSteps > 0, 'a first step of 1 is rejected');
  assert.equal(r.log.slice(0, 8), [0, 1, 2, 3, 4, 5, 6, 'R']);
  assert.is(r.log.filter((e) => e === 'A').length, s.stats.acceptedSteps);
  assert.is(r.log.filter((e) => e === 'R').length, s.stats.rejectedSteps);
  assert.is(r.log.filter((e) => e === 0).length, 1, 'FSAL carries f(t1, y1) over: stage 0 is evaluated once');
  // After each acceptance: the start evaluation plus 6 per accepted step kept, 16 bytes each.
  r.marks.forEach((m, j) => {
    assert.is(m.kept, 1 + 6 * (j + 1));
    assert.is(m.accepted, 16 * m.kept);
  });
  const probe = recording();
  odeint(probe.f, new Float64Array([1]), [0, 1], { method: 'dopri5', recorder: probe.recorder, runtime: rt });
  assert.equal(probe.log.slice(0, 3), [0, PROBE, 1], "Hairer's initial-step probe");
  assert.is(probe.marks[0].accepted, 16 * 7, "the probe's allocation is not kept");
});

test('fehlberg45 (not FSAL): stage 0 after every accepted step, or STEP_END when dense output evaluated f(t1, y1)', () => {
  const r = recording();
  odeint(r.f, new Float64Array([1]), [0, 3], {
    method: 'fehlberg45',
    rtol: 1e-6,
    atol: 1e-6,
    firstStep: 0.2,
    recorder: r.recorder,
    runtime: rt,
  });
  const afterAccept = r.log.flatMap((e, i) => (e === 'A' && i + 1 < r.log.length ? [r.log[i + 1]] : []));
  assert.ok(afterAccept.length > 2 && afterAccept.every((e) => e === 0), JSON.stringify(afterAccept));
  const dense = recording();
  odeint(dense.f, new Float64Array([1]), [0, 0.05, 3], {
    method: 'fehlberg45',
    rtol: 1e-6,
    atol: 1e-6,
    firstStep: 0.2,
    recorder: dense.recorder,
    runtime: rt,
  });
  const first = dense.log.indexOf('A');
  assert.equal(
    dense.log.slice(first, first + 3),
    ['A', STEP_END, 1],
    "f(t1, y1) for the output at 0.05 is the next step's stage 0",
  );
});

test('a recorder without its three methods is refused by name', () => {
  assert.throws(
    () =>
      odeint((_t, y, dy) => dy.set(y), new Float64Array([1]), [0, 1], {
        recorder: { evaluation() {} } as never,
        runtime: rt,
      }),
    (e: Error) => e instanceof ArgumentError && /recorder/.test(e.message),
  );
});

test.run();
