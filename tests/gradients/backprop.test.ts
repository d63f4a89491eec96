// gradient 'backprop': the forward solve keeps every accepted step's stages and the backward pass
// reverses them without replaying. The same discretise-then-optimise gradient as 'checkpoint' (to
// rounding) on every kind of solve, against central differences, its memory accounting and refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { maskedMseLoss } from '../../src/model/series-losses.js';
import { ArenaExhaustedError, ArgumentError } from '../../src/errors.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../../src/model/losses.js';
import { loadComposedModel, loadModel, saveModel } from '../../src/model/serialize.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { parameterAndInputDifferences, relativeError, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const BATCH = 3,
  D = 2;
const TIMES = [0, 0.13, 0.25, 0.4, 0.77, 1];
const data = (() => {
  const rng = new Rng(31);
  const size = TIMES.length * BATCH * D;
  const mask = Float64Array.from({ length: size }, () => (rng.uniform() < 0.7 ? 1 : 0));
  return {
    z0: randomArray(rng, BATCH * D, -1.5, 1.5),
    target: randomArray(rng, BATCH * D, -1, 1),
    series: randomArray(rng, size, -1, 1),
    mask,
  };
})();
const seriesLoss = maskedMseLoss(data.series, data.mask);
const R3 = { order: 3, lambda: 0.3, kinetic: 0.2, jacobian: 0.1 };

function pair(config: Partial<NeuralOdeConfig>): { checkpoint: NeuralOde; backprop: NeuralOde } {
  const make = (gradient: 'checkpoint' | 'backprop') =>
    NeuralOde.create(
      rt,
      { mlp: { widths: [D, 7, D], activation: 'tanh' }, regularizers: R3, ...config, gradient },
      new Rng(5),
    );
  return { checkpoint: make('checkpoint'), backprop: make('backprop') };
}

const grads = (m: NeuralOde) => m.params.flatMap((p) => Array.from(p.grad.data));

function assertSameGradient(
  a: NeuralOde,
  ra: { zbar0?: Float64Array; loss: number },
  b: NeuralOde,
  rb: { zbar0?: Float64Array; loss: number },
  what: string,
  tol = 1e-12,
): void {
  const ep = relativeError(grads(b), grads(a)),
    ez = relativeError(rb.zbar0!, ra.zbar0!);
  assert.ok(ep < tol, `${what}: parameter gradient relative error ${ep}`);
  assert.ok(ez < tol, `${what}: z0 gradient relative error ${ez}`);
  assert.ok(Math.abs(rb.loss - ra.loss) <= 1e-14 * Math.abs(ra.loss), `${what}: loss ${rb.loss} vs ${ra.loss}`);
}

const SOLVERS = [
  { method: 'dopri5', rtol: 1e-7, atol: 1e-7 },
  { method: 'tsit5', rtol: 1e-7, atol: 1e-7 },
  { method: 'bosh3', rtol: 1e-6, atol: 1e-6 },
  { method: 'fehlberg45', rtol: 1e-7, atol: 1e-7 },
  { method: 'rk4', steps: 5 },
] as const;

for (const solver of SOLVERS) {
  test(`${solver.method}: backprop's gradient of MSE + R_3 + kinetic + Jacobian equals checkpoint's, with no evaluation in the backward pass`, () => {
    const { checkpoint, backprop } = pair({ solver });
    const rc = checkpoint.objective(data.z0, data.target, { rng: new Rng(1) });
    const rb = backprop.objective(data.z0, data.target, { rng: new Rng(1) });
    assertSameGradient(checkpoint, rc, backprop, rb, solver.method);
    assert.equal(rb.forwardStats, rc.forwardStats, 'the same forward solve');
    assert.is(rb.nfeBackward, 0);
    assert.ok(rc.nfeBackward > 0);
    assert.ok(rb.storedBytes > 0 && rc.storedBytes === 0, `storedBytes ${rb.storedBytes}`);
    assert.equal(rb.regularizers, rc.regularizers);
  });

  test(`${solver.method}: a time series (outputs inside steps and at their ends) through backprop equals checkpoint`, () => {
    const { checkpoint, backprop } = pair({ solver });
    const rc = checkpoint.objectiveAt(data.z0, TIMES, seriesLoss, { rng: new Rng(1) });
    const rb = backprop.objectiveAt(data.z0, TIMES, seriesLoss, { rng: new Rng(1) });
    assertSameGradient(checkpoint, rc, backprop, rb, `${solver.method} series`);
    assert.is(rb.nfeBackward, 0);
  });
}

test('rejected attempts are discarded at once: the stored bytes are those of the accepted steps alone, and backward frees them', () => {
  const { checkpoint, backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 } });
  const z0 = data.z0.map((v) => 4 * v);
  const before = rt.arena.usedBytes;
  const pass = backprop.forward(z0, { rng: new Rng(1), record: true });
  const stats = pass.result.forwardStats;
  assert.ok(stats.rejectedSteps > 0, `rejections ${stats.rejectedSteps}`);
  assert.is(rt.arena.usedBytes - before, pass.result.storedBytes);
  backprop.backward(pass, new Float64Array(BATCH * D).fill(0.1));
  assert.is(rt.arena.usedBytes, before, 'backward frees the stored stages');
  // The same accepted steps as a grid (no rejection, no initial-step probe) keep exactly as much.
  const steps = pass.result.steps!;
  const onGrid = backprop.forward(z0, { rng: new Rng(1), record: true, grid: [...steps.t, steps.tEnd!] });
  assert.is(onGrid.result.forwardStats.rejectedSteps, 0);
  assert.is(onGrid.result.storedBytes, pass.result.storedBytes);
  backprop.backward(onGrid, new Float64Array(BATCH * D));
  assert.equal(checkpoint.forward(z0, { rng: new Rng(1), record: true }).result.forwardStats, stats);
});

test('stored bytes grow with the accepted steps (rk4 grid: 4 stages a step)', () => {
  const { backprop } = pair({ solver: { method: 'rk4', steps: 4 } });
  const b4 = backprop.forward(data.z0, { rng: new Rng(1), record: true });
  const s4 = b4.result.storedBytes;
  backprop.backward(b4, new Float64Array(BATCH * D));
  const b8 = backprop.forward(data.z0, {
    rng: new Rng(1),
    record: true,
    grid: Array.from({ length: 9 }, (_, i) => i / 8),
  });
  const s8 = b8.result.storedBytes;
  backprop.backward(b8, new Float64Array(BATCH * D));
  // 4·steps evaluations plus the solver's fixed scratch: doubling the steps adds 16 evaluations' worth.
  assert.ok(s8 > s4 && s8 < 2.2 * s4, `${s4} → ${s8}`);
});

test("lazy terms: backprop (terms evaluated in the forward solve) equals checkpoint's lazy replay", () => {
  const { checkpoint, backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7, errorNorm: 'state' } });
  const go = (m: NeuralOde) => {
    const pass = m.forward(data.z0, { rng: new Rng(1), record: true, lazyTerms: true });
    const zbar = pass.result.z1.map((z, i) => (2 * (z - data.target[i])) / data.target.length);
    for (const p of m.params) p.grad.data.fill(0);
    const zbar0 = m.backward(pass, zbar);
    return { zbar0, loss: 0, regularizers: pass.result.regularizers };
  };
  const rc = go(checkpoint),
    rb = go(backprop);
  assertSameGradient(checkpoint, rc, backprop, rb, 'lazy terms');
  assert.equal(rc.regularizers, {});
  assert.ok(rb.regularizers.r3 > 0, 'backprop computes the terms in its forward solve');
});

for (const method of ['dopri5', 'tsit5'] as const) {
  test(`${method}: step terms (errorEstimate, stiffness) through backprop equal checkpoint`, () => {
    const terms = [
      { kind: 'taylor', order: 2, lambda: 0.1 },
      { kind: 'errorEstimate', lambda: 0.3 },
      { kind: 'stiffness', lambda: 0.2 },
    ] as const;
    const { checkpoint, backprop } = pair({
      regularizers: undefined,
      terms: [...terms],
      solver: { method, rtol: 1e-6, atol: 1e-6 },
    });
    const rc = checkpoint.objective(data.z0, data.target, { rng: new Rng(1) });
    const rb = backprop.objective(data.z0, data.target, { rng: new Rng(1) });
    assertSameGradient(checkpoint, rc, backprop, rb, `${method} step terms`);
    assert.ok(rb.regularizers.errorEstimate > 0 && rb.regularizers.stiffness > 0);
    assert.is(rb.regularizers.errorEstimate, rc.regularizers.errorEstimate);
    assert.is(rb.nfeBackward, 0);
  });
}

for (const estimator of ['exact', 'hutchinson'] as const) {
  test(`log-density (${estimator}) with kinetic through backprop equals checkpoint`, () => {
    const terms = [
      { kind: 'logDensity', estimator },
      { kind: 'kinetic', lambda: 0.1 },
    ] as const;
    const { checkpoint, backprop } = pair({
      regularizers: undefined,
      terms: [...terms],
      solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 },
    });
    const go = (m: NeuralOde) => {
      const pass = m.forward(data.z0, { rng: new Rng(3), record: true });
      for (const p of m.params) p.grad.data.fill(0);
      const zbar0 = m.backward(
        pass,
        data.target,
        Float64Array.from({ length: BATCH }, (_, b) => 0.5 - b),
      );
      return { zbar0, loss: pass.result.loss, logDensity: pass.result.logDensity! };
    };
    const rc = go(checkpoint),
      rb = go(backprop);
    assertSameGradient(checkpoint, rc, backprop, rb, `log-density ${estimator}`);
    assert.equal(rb.logDensity, rc.logDensity);
  });
}

test('backprop on a small model: gradient vs central differences on the same steps (dopri5)', () => {
  const { backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-8, atol: 1e-8 } });
  const r = backprop.objective(data.z0, data.target, { rng: new Rng(1) });
  const steps = r.steps!;
  const grid = [...steps.t, steps.tEnd!];
  const g = grads(backprop);
  // The gradient holds the steps fixed: differentiate the solve on the recorded grid (same steps).
  const rg = backprop.objective(data.z0, data.target, { rng: new Rng(1), grid });
  const gg = grads(backprop);
  assert.ok(relativeError(gg, g) < 1e-12, 'the recorded grid gives the same gradient');
  const loss = (z0: Float64Array) =>
    backprop.objective(z0, data.target, { gradient: false, rng: new Rng(1), grid }).loss;
  const fd = parameterAndInputDifferences(backprop.params, data.z0, loss);
  const ep = relativeError(gg, fd.params),
    ez = relativeError(rg.zbar0!, fd.z0);
  assert.ok(ep < 1e-7, `parameter gradient relative error ${ep}`);
  assert.ok(ez < 1e-7, `z0 gradient relative error ${ez}`);
});

test('backprop refuses, naming gradient and the arena maximum, when the stored stages outgrow the arena', () => {
  const small = createRuntimeSync({ maxMemoryBytes: 4 * 1024 * 1024 });
  const m = NeuralOde.create(
    small,
    {
      mlp: { widths: [D, 64, D], activation: 'tanh' },
      regularizers: { order: 4, lambda: 0.1 },
      solver: { method: 'rk4', steps: 400 },
      gradient: 'backprop',
    },
    new Rng(5),
  );
  const z0 = new Float64Array(64 * D).fill(0.3);
  const before = small.arena.usedBytes;
  assert.throws(
    () => m.objective(z0, z0, { rng: new Rng(1) }),
    (e: Error) =>
      e instanceof ArenaExhaustedError &&
      /gradient 'backprop'/.test(e.message) &&
      /maximum of 4194304 bytes/.test(e.message) &&
      /'checkpoint'/.test(e.message),
  );
  assert.is(small.arena.usedBytes, before, 'nothing left allocated');
  // The same model with checkpoints fits.
  const c = NeuralOde.create(small, { ...m.config, gradient: 'checkpoint' }, new Rng(5));
  assert.ok(Number.isFinite(c.objective(z0, z0, { rng: new Rng(1) }).loss));
});

test("several passes of one batch size await their backward (as several samples' solves do), each reversed once", () => {
  const { checkpoint, backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 } });
  const zbar = new Float64Array(BATCH * D).fill(1);
  const run = (m: NeuralOde) => {
    const first = m.forward(data.z0, { rng: new Rng(1), record: true });
    const second = m.forward(
      data.z0.map((v) => -0.5 * v),
      { rng: new Rng(2), record: true },
    );
    for (const p of m.params) p.grad.data.fill(0);
    const a = m.backward(first, zbar),
      b = m.backward(second, zbar);
    return { first, second, zbar0: Float64Array.from([...a, ...b]), loss: first.result.loss + second.result.loss };
  };
  const rc = run(checkpoint),
    rb = run(backprop);
  assertSameGradient(checkpoint, rc, backprop, rb, 'two passes, reversed oldest first');
  assert.throws(
    () => backprop.backward(rb.second, zbar),
    (e: Error) => e instanceof ArgumentError && /still stored/.test(e.message),
  );
  const unrecorded = backprop.forward(data.z0, { rng: new Rng(1) });
  assert.throws(
    () => backprop.backward(unrecorded, zbar),
    (e: Error) => e instanceof ArgumentError && /record: true/.test(e.message),
  );
  // A scope that ends between forward and backward frees the stages: refused, not read after being overwritten.
  const freed = rt.arena.scope(() => backprop.forward(data.z0, { rng: new Rng(1), record: true }));
  rt.arena.scope(() => {
    rt.arena.alloc(4096);
  });
  assert.throws(
    () => backprop.backward(freed, zbar),
    (e: Error) => e instanceof ArgumentError && /still allocated/.test(e.message),
  );
});

test('passes reversed oldest first, outside any arena scope, leave the arena as they found it (the older stages are freed once the newer are)', () => {
  const { backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 } });
  const zbar = new Float64Array(BATCH * D).fill(1);
  const before = rt.arena.usedBytes;
  for (let i = 0; i < 3; i++) {
    const first = backprop.forward(data.z0, { rng: new Rng(1), record: true });
    const second = backprop.forward(
      data.z0.map((v) => -0.5 * v),
      { rng: new Rng(2), record: true },
    );
    assert.ok(first.result.storedBytes > 0 && second.result.storedBytes > 0);
    backprop.backward(first, zbar);
    assert.is(
      rt.arena.usedBytes - before,
      first.result.storedBytes + second.result.storedBytes,
      'the older stages wait below the newer',
    );
    backprop.backward(second, zbar);
    assert.is(rt.arena.usedBytes, before, `iteration ${i}: every stored byte freed`);
  }
  // Newest first, and a pass released without its backward, too.
  const first = backprop.forward(data.z0, { rng: new Rng(1), record: true });
  const second = backprop.forward(data.z0, { rng: new Rng(2), record: true });
  backprop.release(first);
  backprop.backward(second, zbar);
  assert.is(rt.arena.usedBytes, before);
  backprop.release(first); // twice: nothing more to free
  assert.throws(
    () => backprop.release(undefined as never),
    (e: Error) => e instanceof ArgumentError && /^pass: expected a forward pass/.test(e.message),
  );
});

test('stages a scope freed, then overwritten by allocations still live at backward, are refused, not reversed', () => {
  const { backprop } = pair({ solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 } });
  const zbar = new Float64Array(BATCH * D).fill(1);
  const mark = rt.arena.mark();
  try {
    const freed = rt.arena.scope(() => backprop.forward(data.z0, { rng: new Rng(1), record: true }));
    // (a tensor or another model's parameters made in between, say: the arena's top is back above the stages)
    const count = freed.result.storedBytes / 8 + 512;
    const over = rt.arena.alloc(count);
    rt.arena.values.fill(NaN, over / 8, over / 8 + count);
    assert.ok(rt.arena.mark() >= mark + freed.result.storedBytes);
    assert.throws(
      () => backprop.backward(freed, zbar),
      (e: Error) => e instanceof ArgumentError && /still allocated/.test(e.message),
    );
  } finally {
    rt.arena.reset(mark);
  }
});

const composed = (gradient: 'checkpoint' | 'backprop'): ModelSpec => {
  const block = (terms: NeuralOdeConfig['terms']) => ({
    dynamics: {
      type: 'sequential' as const,
      layers: [
        { type: 'concatLinear' as const, inputs: 3, outputs: 6 },
        { type: 'activation' as const, fn: 'softplus' as const },
        { type: 'concatLinear' as const, inputs: 6, outputs: 3 },
      ],
    },
    terms,
    solver: { method: 'dopri5' as const, rtol: 1e-6, atol: 1e-6, errorNorm: 'state' as const },
    gradient,
  });
  return {
    encoder: { type: 'linear', inputs: 4, outputs: 3 },
    blocks: [block([{ kind: 'taylor', order: 2, lambda: 0.05 }]), block([{ kind: 'kinetic', lambda: 0.01 }])],
    head: { type: 'linear', inputs: 3, outputs: 2 },
  };
};

test('a Model of two backprop blocks (encoder, head, lazy terms asked for) equals the checkpointed one, and trains the same', () => {
  const rng = new Rng(8);
  const x = randomArray(rng, 5 * 4),
    labels = Float64Array.from({ length: 5 }, () => rng.int(2));
  const c = Model.create(rt, composed('checkpoint'), new Rng(3)),
    b = Model.create(rt, composed('backprop'), new Rng(3));
  const before = rt.arena.usedBytes;
  for (const lazyTerms of [false, true]) {
    const rc = c.objective(x, labels, { loss: softmaxCrossEntropyLoss, lazyTerms });
    const rb = b.objective(x, labels, { loss: softmaxCrossEntropyLoss, lazyTerms });
    assert.ok(
      relativeError(
        b.params.flatMap((p) => Array.from(p.grad.data)),
        c.params.flatMap((p) => Array.from(p.grad.data)),
      ) < 1e-12,
      `lazyTerms ${lazyTerms}`,
    );
    assert.ok(Math.abs(rb.dataLoss - rc.dataLoss) <= 1e-14 * rc.dataLoss);
    assert.is(rb.nfeBackward, 0);
    assert.ok(rb.blocks.every((r) => r.storedBytes > 0));
  }
  assert.is(rt.arena.usedBytes, before, "the model's scope frees every block's stages");
  const fit = (m: Model) =>
    train({
      model: m,
      optimizer: new Adam(rt.kernels, m.params, { lr: 0.05 }),
      data: { inputs: x, targets: labels },
      iterations: 3,
      batchSize: 5,
      rng: new Rng(4),
      loss: softmaxCrossEntropyLoss,
    }).records.map((r) => r.loss);
  const lc = fit(c),
    lb = fit(b);
  lb.forEach((l, i) => assert.ok(Math.abs(l - lc[i]) <= 1e-12 * Math.abs(lc[i]), `iteration ${i}: ${l} vs ${lc[i]}`));
});

test("model files keep gradient 'backprop' (a NeuralOde and a Model)", () => {
  const { backprop } = pair({ solver: { method: 'tsit5', rtol: 1e-6, atol: 1e-6 } });
  assert.is(loadModel(rt, saveModel(backprop)).model.config.gradient, 'backprop');
  const m = Model.create(rt, composed('backprop'), new Rng(3));
  assert.ok(loadComposedModel(rt, saveModel(m)).model.blocks.every((block) => block.config.gradient === 'backprop'));
});

test('config: gradient names its three choices; step terms are refused with the adjoint only', () => {
  assert.throws(
    () =>
      NeuralOde.create(rt, { mlp: { widths: [D, 3, D], activation: 'tanh' }, gradient: 'tape' as never }, new Rng(1)),
    (e: Error) => /backprop/.test(e.message),
  );
  assert.throws(
    () =>
      NeuralOde.create(
        rt,
        {
          mlp: { widths: [D, 3, D], activation: 'tanh' },
          terms: [{ kind: 'errorEstimate', lambda: 1 }],
          gradient: 'adjoint',
        },
        new Rng(1),
      ),
    (e: Error) => e instanceof ArgumentError && /'checkpoint' or 'backprop'/.test(e.message),
  );
});

test('in an f32 runtime, backprop equals checkpoint (the stored f32 stages are the replayed ones)', () => {
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const make = (gradient: 'checkpoint' | 'backprop') =>
    NeuralOde.create(
      rt32,
      { mlp: { widths: [D, 7, D], activation: 'tanh' }, regularizers: R3, solver: SOLVERS[0], gradient },
      new Rng(5),
    );
  const checkpoint = make('checkpoint'),
    backprop = make('backprop');
  const rc = checkpoint.objective(data.z0, data.target, { rng: new Rng(1) });
  const rb = backprop.objective(data.z0, data.target, { rng: new Rng(1) });
  assert.equal(rb.forwardStats, rc.forwardStats, 'the same forward solve');
  assert.is(rb.nfeBackward, 0);
  // Both reverse the same f32 stages: equal to f32 rounding of the sums, not to the bit.
  assertSameGradient(checkpoint, rc, backprop, rb, 'f32', 1e-5);
});
test.run();
