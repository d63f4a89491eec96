import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { chooseRun, DEFAULT_TOY, toyData, trainToy, type ToyRun } from '../../src/cli/experiments/toy.js';
import { trajectoriesSpec, trajectoryPanel } from '../../src/cli/experiments/toy-plot.js';
import { renderSvg } from '../../src/cli/plots.js';

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
