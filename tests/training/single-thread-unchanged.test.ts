// The single-thread training path stays bit for bit what it was before the worker pool (train()'s loop
// is now shared with the pooled path): losses, NFE and weights of two short runs, recorded from main's
// own loop (first at 1ced6d6; re-recorded at 08283ae, whose faster f64 activations moved the last bits,
// and this branch's loop gave the same bits there; the first run's again on f32-kernels, whose f64 tanh
// polynomial moved three values by ≤ 2 ulp, NFE unchanged). A change to the f64 kernels or the solver that
// moves any bit here must be deliberate, and these values re-recorded with it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { Adam } from '../../src/training/adam.js';
import { train } from '../../src/training/loop.js';
import { softmaxCrossEntropyLoss } from '../../src/model/losses.js';

const rt = createRuntimeSync();

test('a NeuralOde with R_2 and the Jacobian term (dopri5, minibatches of 16, Adam): the recorded run, bit for bit', () => {
  const rng = new Rng(11);
  const inputs = new Float64Array(48).map(() => rng.uniformIn(-1, 1));
  const targets = inputs.map((x) => x + 0.5 * x ** 3);
  const model = NeuralOde.create(
    rt,
    {
      mlp: { widths: [1, 10, 1], activation: 'tanh' },
      terms: [
        { kind: 'taylor', order: 2, lambda: 0.01 },
        { kind: 'jacobianFrobenius', lambda: 0.01 },
      ],
      solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5 },
    },
    new Rng(2),
  );
  const log = train({
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.02 }),
    data: { inputs, targets },
    iterations: 6,
    batchSize: 16,
    rng: new Rng(3),
  });
  assert.equal(
    log.records.map((r) => r.loss),
    [
      0.06583898210951823, 0.014654979658055648, 0.02334361259627881, 0.016047863822531632, 0.03563542173868274,
      0.030761915641644096,
    ],
  );
  assert.equal(
    log.records.map((r) => [r.nfeForward, r.nfeBackward]),
    [
      [20, 18],
      [14, 12],
      [20, 18],
      [20, 18],
      [20, 18],
      [20, 18],
    ],
  );
  assert.equal(
    model.params.map((p) => Array.from(p.value.data.slice(0, 3))),
    [
      [-0.11005881459638099, 0.31117731050917713, 0.43146421538994234],
      [-0.15664999685099815, 0.39954313602494185, 0.5977499182431477],
      [-0.1615930103813007, 0.3008804186718325, 0.22541375622400175],
      [-0.17307670761901242],
    ],
  );
});

test('a Model (R_3, rk4 grid, linear head, cross-entropy): the recorded run, bit for bit', () => {
  const rng = new Rng(11);
  for (let i = 0; i < 48; i++) rng.uniformIn(-1, 1); // the first test's draws, as recorded
  const x = new Float64Array(40).map(() => rng.normal());
  const y = new Float64Array(20).map((_, i) => i % 2);
  const model = Model.create(
    rt,
    {
      blocks: [
        {
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'concatLinear', inputs: 2, outputs: 8 },
              { type: 'activation', fn: 'tanh' },
              { type: 'concatLinear', inputs: 8, outputs: 2 },
            ],
          },
          terms: [{ kind: 'taylor', order: 3, lambda: 0.1 }],
          solver: { method: 'rk4', steps: 4 },
        },
      ],
      head: { type: 'linear', inputs: 2, outputs: 2 },
    },
    new Rng(4),
  );
  const log = train({
    model,
    optimizer: new Adam(rt.kernels, model.params, { lr: 0.02 }),
    data: { inputs: x, targets: y },
    iterations: 4,
    batchSize: 10,
    rng: new Rng(5),
    loss: softmaxCrossEntropyLoss,
  });
  assert.equal(
    log.records.map((r) => r.loss),
    [0.8303737184037387, 0.9522959716780031, 0.8008501481523722, 0.8265338343079199],
  );
  assert.equal(
    model.params.map((p) => p.value.data[0]),
    [
      -0.33130047871900886, 0.2060255996345015, -0.16086215086363542, -0.05887915574499131, 0.1593806067868957,
      0.3015492943401001,
    ],
  );
});

test.run();
