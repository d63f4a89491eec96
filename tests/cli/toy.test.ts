import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import {
  chooseRun,
  DEFAULT_TOY,
  glorotInit,
  solveCost,
  toyConfig,
  toyData,
  trainToy,
  type ToyRun,
} from '../../packages/cli/src/experiments/toy.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { odeint } from '../../src/ode/solve.js';
import { Rng } from '../../src/random.js';
import type { Tensor } from '../../src/runtime/tensor.js';
import { legendValues, trajectoriesSpec, trajectoryPanel } from '../../packages/cli/src/experiments/toy-plot.js';
import { renderSvg } from '../../packages/cli/src/plots.js';

const tiny = { ...DEFAULT_TOY, iterations: 4, hidden: 6, trainPoints: 12, testPoints: 9, batchSize: 6, lambdas: [0.1] };

test('toy data: x ∈ [−3, 3] scaled by 1/scale, targets (x + x³)/scale', () => {
  const d = toyData(tiny);
  assert.is(d.trainInputs.length, 12);
  assert.is(d.trainInputs[0], -1);
  assert.is(d.trainInputs[11], 1);
  assert.is(d.trainTargets[11], 10);
  for (let i = 0; i < d.testInputs.length; i++) {
    const x = d.testInputs[i] * 3;
    assert.ok(Math.abs(d.testTargets[i] - (x + x ** 3) / 3) < 1e-12);
  }
  // one training point cannot span [−3, 3] (it was 0/0 = NaN)
  assert.throws(() => toyData({ ...tiny, trainPoints: 1 }), /^trainPoints: expected an integer ≥ 2, got 1/);
});

test('a short run trains, evaluates and plots (trajectories coloured by |d³z/dt³|, evaluation points marked)', async () => {
  const rt = createRuntimeSync();
  const d = toyData(tiny);
  const unreg = trainToy(rt, tiny, d, 0);
  const reg = trainToy(rt, tiny, d, 0.1);
  assert.is(unreg.log.length, 4);
  assert.equal(Object.keys(unreg.log[0].regularizers), [], 'no regulariser state without λ');
  assert.ok(reg.log[0].regularizers.r3 > 0);
  assert.ok(unreg.nfe > 0 && Number.isFinite(unreg.testLoss) && unreg.rK > 0);
  const panel = trajectoryPanel(reg.model, Float64Array.from([-0.5, 0, 0.5]), 'reg', 1e-6, 3, 6);
  assert.is(panel.segments.length, 3 * 5);
  assert.is(panel.evaluations.length, 3 * panel.nfe);
  assert.ok(panel.segments.every((s) => s.d >= 0 && Number.isFinite(s.d)));
  const svg = await renderSvg(trajectoriesSpec([panel]));
  assert.ok(svg.startsWith('<svg') && svg.includes('dopri5 NFE'));
  assert.ok(svg.includes('|d³z/dt³|') && !svg.includes('^'), 'the derivative in superscripts, not carets');
});

test('the plot states the NFE the command prints, and its legend labels the whole colour range', async () => {
  for (const max of [0.7, 1, 65, 3412]) {
    const v = legendValues(max);
    assert.is(v[0], 0);
    assert.is(v[v.length - 1], max);
    for (let i = 1; i < v.length; i++) assert.ok(v[i] > v[i - 1], `${max}: ${v}`);
  }
  const rt = createRuntimeSync();
  const d = toyData(tiny);
  const reg = trainToy(rt, tiny, d, 0.1);
  const panel = trajectoryPanel(reg.model, Float64Array.from([-0.9, 0, 0.9]), 'reg', tiny.evalTol, 3, 6, {
    nfe: reg.nfe,
    what: 'the test inputs',
  });
  assert.ok(panel.title.includes(`dopri5 NFE = ${reg.nfe} on the test inputs`), panel.title);
  assert.ok(panel.title.includes(`solved jointly, dopri5 NFE = ${panel.nfe}`), panel.title);
  const spec = trajectoriesSpec([panel]) as unknown as {
    vconcat: { layer: { encoding: { color?: { scale: { domain: number[] }; legend: { values: number[] } } } }[] }[];
  };
  const color = spec.vconcat[0].layer[0].encoding.color!;
  const maxD = Math.max(...panel.segments.map((s) => s.d));
  assert.equal(color.scale.domain, [0, maxD]);
  assert.is(color.legend.values[0], 0);
  assert.ok(
    Math.abs(color.legend.values[color.legend.values.length - 1] / maxD - 1) < 5e-3,
    'the top label is the largest value plotted',
  );
  const svg = await renderSvg(trajectoriesSpec([panel]));
  assert.ok(svg.includes(`dopri5 NFE = ${reg.nfe} on the test inputs`));
});

test('the reported NFE is that of the prediction alone: no regulariser state in the solve or its error norm', () => {
  const rt = createRuntimeSync();
  const d = toyData(tiny);
  const model = NeuralOde.create(rt, toyConfig(tiny, 0.1), new Rng(3));
  // sharpen the dynamics so that the R_3 state would change the steps if it were attached
  for (const p of model.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 8 * v));
  const tol = 1e-8;
  const f = { evaluate: (t: number, y: Tensor, dy: Tensor) => model.network.graph.f(t, y, dy) };
  const plainSolve = (z0: Float64Array) =>
    odeint(f, { data: z0, rows: z0.length, cols: 1 }, [0, 1], { method: 'dopri5', rtol: tol, atol: tol, runtime: rt });
  const plain = plainSolve(d.testInputs);
  const withState = new NeuralOde(rt, model.network, {
    ...model.config,
    solver: { method: 'dopri5', rtol: tol, atol: tol },
  }).objective(d.testInputs, d.testTargets, { gradient: false });
  const cost = solveCost(model, d, tol);
  assert.ok(
    withState.nfeForward > plain.stats.nfe,
    'the R_3 state changes the steps here, so the check below can tell',
  );
  assert.is(cost.nfe, plain.stats.nfe);
  let single = 0;
  for (let i = 0; i < d.testInputs.length; i++) {
    single += plainSolve(d.testInputs.subarray(i, i + 1)).stats.nfe;
  }
  assert.is(cost.nfePerExample, single / d.testInputs.length);
});

test('glorot initialisation: zero biases, normal weights with std √(2/(fan_in + fan_out))', () => {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(rt, toyConfig({ ...DEFAULT_TOY, hidden: 400 }, 0), new Rng(5));
  glorotInit(model, new Rng(5));
  for (const layer of model.network.mlp!.layers) {
    assert.ok(layer.bias.value.toFloat64Array().every((b) => b === 0));
    const w = layer.weight.value;
    const values = w.toFloat64Array();
    const std = Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);
    const expected = Math.sqrt(2 / (w.rows + w.cols));
    assert.ok(Math.abs(std / expected - 1) < 0.1, `std ${std} vs ${expected}`);
  }
});

test('choosing λ: fewest NFE within the loss budget, else the lowest loss', () => {
  const run = (lambda: number, testLoss: number, nfe: number) => ({ lambda, testLoss, nfe }) as ToyRun;
  const base = run(0, 1, 100);
  assert.is(chooseRun(base, [run(0.1, 1.05, 60), run(1, 1.09, 40), run(10, 2, 20)], 1.1).run.lambda, 1);
  const none = chooseRun(base, [run(1, 1.5, 40), run(10, 2, 20)], 1.1);
  assert.is(none.run.lambda, 1);
  assert.is(none.withinBudget, false);
});

test.run();
