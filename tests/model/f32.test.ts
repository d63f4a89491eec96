// Whole models in a float32 runtime against the same models in float64: the same weights (rounded to
// f32 once, then given to both), initial states and targets. What is compared and to what tolerance is
// stated in each test; rtol is loose enough (1e-3: the error ratios stay far above f32's rounding noise,
// ~1e-7 relative, which at 1e-5 already changes how fast a smooth solve's steps grow) that the adaptive
// step sequences match, and the NFE is asserted equal so the comparison is of like with like.
// Gradient checks against finite differences stay in f64 (gradients.test.ts and friends). Measured errors
// are ~1e-7 (SHOW_F32_ERRORS=1 prints them); the tolerances leave a margin of about 10-50×.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { loadComposedModel, loadModel, saveModel } from '../../src/model/serialize.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { Adam } from '../../src/training/adam.js';
import { Sgd } from '../../src/training/sgd.js';
import { Adamax } from '../../src/training/adamax.js';
import { train } from '../../src/training/loop.js';
import { relativeError, randomArray } from '../helpers/numeric.js';

const rt64 = createRuntimeSync();
const rt32 = createRuntimeSync({ dtype: 'float32' });

const BATCH = 8,
  D = 3;
const rounded = (a: Float64Array) => a.map(Math.fround);
const data = (() => {
  const rng = new Rng(31);
  return { z0: rounded(randomArray(rng, BATCH * D, -1.5, 1.5)), target: rounded(randomArray(rng, BATCH * D, -1, 1)) };
})();

/** The same model in both runtimes: f64's initial weights (× gain) rounded to f32 and copied into both. */
function pair(config: NeuralOdeConfig, seed = 5, gain = 1): { m64: NeuralOde; m32: NeuralOde } {
  const m64 = NeuralOde.create(rt64, config, new Rng(seed));
  const m32 = NeuralOde.create(rt32, config, new Rng(seed));
  m64.params.forEach((p, i) => {
    const w = rounded(p.value.toFloat64Array().map((v) => gain * v));
    p.value.copyFrom(w);
    m32.params[i].value.copyFrom(w);
  });
  return { m64, m32 };
}

const grads = (m: NeuralOde) => m.params.flatMap((p) => Array.from(p.grad.toFloat64Array()));

function assertRelative(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  const err = relativeError(actual, expected);
  if (process.env.SHOW_F32_ERRORS) console.log(what, err.toExponential(2), tolerance);
  assert.ok(err <= tolerance, `${what}: f32 vs f64 relative error ${err.toExponential(2)} > ${tolerance}`);
}

const mlp = (activation: 'tanh' | 'sigmoid' | 'softplus' = 'tanh') => ({ widths: [D, 16, 16, D], activation });
const dopri5 = { method: 'dopri5' as const, rtol: 1e-3, atol: 1e-3 };

test('the model lives in its runtime: f32 parameters, gradients and optimiser state', () => {
  const { m32 } = pair({ mlp: mlp() });
  for (const p of m32.params) {
    assert.ok(p.value.data instanceof Float32Array && p.grad.data instanceof Float32Array, p.name);
  }
  assert.is(m32.rt.dtype, 'float32');
});

test('a dopri5 solve of the MLP dynamics: z(t1) agrees to 1e-6 relative, same NFE', () => {
  for (const activation of ['tanh', 'sigmoid', 'softplus'] as const) {
    const { m64, m32 } = pair({ mlp: mlp(activation), solver: dopri5 });
    const a = m64.predict(data.z0),
      b = m32.predict(data.z0);
    assert.ok(b.z1 instanceof Float64Array, 'Float64Array out of an f32 model');
    assert.is(b.stats.nfe, a.stats.nfe, `${activation}: NFE`);
    if (process.env.SHOW_F32_ERRORS) console.log(activation, 'NFE', a.stats.nfe);
    assertRelative(b.z1, a.z1, 1e-6, `${activation} z(t1)`);
  }
});

test('a solve with a rejected step (weights ×4, softplus, dopri5 1e-3): the same accepted and rejected steps; z(t1) to 1e-4 relative', () => {
  // Steeper dynamics amplify f32's rounding along the flow: here the two runs drift apart by ~1e-5.
  const { m64, m32 } = pair({ mlp: mlp('softplus'), solver: dopri5 }, 5, 4);
  const a = m64.predict(data.z0),
    b = m32.predict(data.z0);
  assert.ok(
    a.stats.rejectedSteps > 0 && a.stats.acceptedSteps >= 4,
    `a rejection among several steps (${a.stats.acceptedSteps}/${a.stats.rejectedSteps})`,
  );
  assert.equal([b.stats.acceptedSteps, b.stats.rejectedSteps], [a.stats.acceptedSteps, a.stats.rejectedSteps]);
  assertRelative(b.z1, a.z1, 1e-4, 'z(t1)');
});

for (const order of [2, 3] as const) {
  test(`R_${order}: loss, regulariser and checkpointed gradient (params and z0) agree to 1e-5 relative`, () => {
    const { m64, m32 } = pair({ mlp: mlp(), solver: dopri5, regularizers: { order, lambda: 0.1, kinetic: 0.05 } });
    for (const m of [m64, m32]) for (const p of m.params) p.grad.data.fill(0);
    const a = m64.objective(data.z0, data.target, { rng: new Rng(1) });
    const b = m32.objective(data.z0, data.target, { rng: new Rng(1) });
    assert.is(b.nfeForward, a.nfeForward, 'NFE forward');
    assert.is(b.nfeBackward, a.nfeBackward, 'NFE backward');
    assertRelative([b.loss], [a.loss], 1e-5, 'loss');
    const r = `r${order}`;
    assert.ok(a.regularizers[r] > 0);
    assertRelative([b.regularizers[r]], [a.regularizers[r]], 1e-5, r);
    assertRelative(grads(m32), grads(m64), 1e-5, 'parameter gradient');
    assertRelative(b.zbar0!, a.zbar0!, 1e-5, 'z0 gradient');
  });
}

test('the adjoint gradient in f32 agrees with f64 to 1e-5 relative', () => {
  const solver = { method: 'dopri5' as const, rtol: 1e-6, atol: 1e-6 };
  const { m64, m32 } = pair({ mlp: mlp(), solver, gradient: 'adjoint', regularizers: { kinetic: 0.05 } });
  for (const m of [m64, m32]) for (const p of m.params) p.grad.data.fill(0);
  const a = m64.objective(data.z0, data.target, { rng: new Rng(1) });
  const b = m32.objective(data.z0, data.target, { rng: new Rng(1) });
  assertRelative([b.loss], [a.loss], 1e-5, 'loss');
  assertRelative(grads(m32), grads(m64), 1e-5, 'parameter gradient');
  assertRelative(b.zbar0!, a.zbar0!, 1e-5, 'z0 gradient');
});

function trainRun(rt: Runtime, optimizer: 'adam' | 'sgd' | 'adamax'): number[] {
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [1, 12, 1], activation: 'sigmoid' }, regularizers: { order: 2, lambda: 0.01 }, solver: dopri5 },
    new Rng(3),
  );
  model.params.forEach((p) => p.value.copyFrom(rounded(p.value.toFloat64Array())));
  const rng = new Rng(2);
  const inputs = rounded(new Float64Array(32).map(() => rng.uniformIn(-1, 1)));
  const targets = rounded(inputs.map((x) => x + 0.5 * x ** 3));
  const opt =
    optimizer === 'adam'
      ? new Adam(rt.kernels, model.params, { lr: 0.03 })
      : optimizer === 'sgd'
        ? new Sgd(rt.kernels, model.params, { lr: 0.05, momentum: 0.9 })
        : new Adamax(rt.kernels, model.params, { lr: 0.03 });
  const log = train({ model, optimizer: opt, data: { inputs, targets }, iterations: 30, rng: new Rng(5) });
  return log.records.map((r) => r.dataLoss);
}

for (const optimizer of ['adam', 'sgd', 'adamax'] as const) {
  test(`training in f32 (${optimizer}) lowers the loss like f64: halved, and each iteration's loss within 1e-5 relative of f64's`, () => {
    const a = trainRun(rt64, optimizer),
      b = trainRun(rt32, optimizer);
    assert.ok(b[b.length - 1] < 0.5 * b[0], `f32 data loss ${b[0]} → ${b[b.length - 1]}`);
    assertRelative(b, a, 1e-5, 'loss sequence');
  });
}

test('save/load: an f32 model writes F32 and reloads bitwise; F64 files load into f32 runtimes rounded', () => {
  const { m64, m32 } = pair({ mlp: mlp(), solver: dopri5 });
  const bytes = saveModel(m32);
  assert.equal(fileDtypes(bytes), ['F32']);
  assert.equal(fileDtypes(saveModel(m64)), ['F64']);
  assert.equal(fileDtypes(saveModel(m32, {}, { dtype: 'F64' })), ['F64'], 'an explicit dtype still wins');
  const back = loadModel(rt32, bytes).model;
  assert.is(back.rt, rt32);
  assert.equal(grads(back).length, grads(m32).length);
  back.params.forEach((p, i) =>
    assert.equal(Array.from(p.value.toFloat64Array()), Array.from(m32.params[i].value.toFloat64Array()), p.name),
  );
  assert.equal(Array.from(back.predict(data.z0).z1), Array.from(m32.predict(data.z0).z1), 'same predictions');
  // f64 weights that are not f32 values: rounded on load into f32, exact into f64.
  m64.params[0].value.data[0] = 0.1;
  const f64Bytes = saveModel(m64);
  assert.is(loadModel(rt32, f64Bytes).model.params[0].value.toFloat64Array()[0], Math.fround(0.1));
  assert.is(loadModel(rt64, f64Bytes).model.params[0].value.toFloat64Array()[0], 0.1);
  // An f32 file into an f64 runtime: widened exactly.
  assert.equal(
    Array.from(loadModel(rt64, bytes).model.params[1].value.toFloat64Array()),
    Array.from(m32.params[1].value.toFloat64Array()),
  );
});

test('a composed Model (linear encoder, a concatLinear block with R_2, linear head) in f32: output and gradient agree with f64 to 1e-5; its file round-trips', () => {
  const spec: ModelSpec = {
    encoder: { type: 'linear', inputs: 4, outputs: 3 },
    blocks: [
      {
        dynamics: {
          type: 'sequential',
          layers: [
            { type: 'concatLinear', inputs: 3, outputs: 8 },
            { type: 'activation', fn: 'softplus' },
            { type: 'concatLinear', inputs: 8, outputs: 3 },
          ],
        },
        terms: [{ kind: 'taylor', order: 2, lambda: 0.1 }],
        solver: { method: 'rk4', steps: 5 },
      },
    ],
    head: { type: 'linear', inputs: 3, outputs: 2 },
  };
  const m64 = Model.create(rt64, spec, new Rng(4)),
    m32 = Model.create(rt32, spec, new Rng(4));
  m64.params.forEach((p, i) => {
    const w = rounded(p.value.toFloat64Array());
    p.value.copyFrom(w);
    m32.params[i].value.copyFrom(w);
  });
  const rng = new Rng(6);
  const x = rounded(randomArray(rng, 5 * 4)),
    y = rounded(randomArray(rng, 5 * 2));
  assertRelative(m32.predict(x).output, m64.predict(x).output, 1e-5, 'output');
  const a = m64.objective(x, y),
    b = m32.objective(x, y);
  assertRelative([b.loss], [a.loss], 1e-5, 'loss');
  assertRelative(
    m32.params.flatMap((p) => Array.from(p.grad.toFloat64Array())),
    m64.params.flatMap((p) => Array.from(p.grad.toFloat64Array())),
    1e-5,
    'gradient',
  );
  const bytes = saveModel(m32);
  assert.equal(fileDtypes(bytes), ['F32']);
  assert.equal(Array.from(loadComposedModel(rt32, bytes).model.predict(x).output), Array.from(m32.predict(x).output));
});

/** The dtypes a safetensors file's header declares. */
function fileDtypes(bytes: Uint8Array): string[] {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<
    string,
    { dtype?: string }
  >;
  return [
    ...new Set(
      Object.entries(header)
        .filter(([k]) => k !== '__metadata__')
        .map(([, v]) => v.dtype!),
    ),
  ];
}

test.run();
