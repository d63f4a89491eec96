// Model.predict().stats is one SolverStats, as NeuralOde.predict's and odeint's: the blocks' totals
// (NFE, steps, rejections; the first block's initial step); each block's own are in blockStats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { predict } from '../../src/model/predict.js';

const rt = createRuntimeSync();
const block = (seed: number, rtol: number, name = ''): NeuralOde => {
  const config: NeuralOdeConfig = {
    mlp: { widths: [2, 6, 2], activation: 'tanh' },
    solver: { method: 'dopri5', rtol, atol: rtol },
  };
  return NeuralOde.create(rt, config, new Rng(seed), { name });
};

test("a Model of two blocks: stats sums the blocks, blockStats holds each block's as its own predict reports it", () => {
  const a = block(1, 1e-6, 'blocks.0'),
    b = block(2, 1e-8, 'blocks.1');
  const model = new Model(rt, { blocks: [a, b] });
  const x = Float64Array.of(0.3, -0.2, 1.1, 0.5);
  const p = model.predict(x);
  assert.ok(!Array.isArray(p.stats), "stats is one object, as NeuralOde.predict's");
  assert.is(p.blockStats.length, 2);
  const ownA = a.predict(x).stats;
  assert.equal(p.blockStats[0], ownA);
  assert.equal(p.blockStats[1], b.predict(a.predict(x).z1).stats);
  for (const key of ['nfe', 'acceptedSteps', 'rejectedSteps', 'nonFiniteRejections'] as const) {
    assert.is(p.stats[key], p.blockStats[0][key] + p.blockStats[1][key], key);
  }
  assert.is(p.stats.initialStep, ownA.initialStep);
  assert.equal(Object.keys(p.stats).sort(), Object.keys(ownA).sort(), "the same fields as a NeuralOde's stats");
});

test("taynode/infer's predict of a one-block Model: stats.nfe as the NeuralOde's", () => {
  const a = block(3, 1e-6);
  const x = Float64Array.of(0.1, 0.2);
  assert.is(predict(new Model(rt, { blocks: [a] }), x).stats.nfe, predict(a, x).stats.nfe);
});

test.run();
