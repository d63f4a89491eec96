// One training run of the demo, in a module worker: a TayNODE classifier on two moons (a 2-D ODE state,
// a linear head to 2 classes, softmax cross-entropy, + λ·R_K, dopri5), trained with Adam. Posts
//   { type: 'progress', iteration, loss, dataLoss, r, nfeForward, nfeBackward }      every iteration
//   { type: 'snapshot', iteration, accuracy, nfe, times, paths, evals, boundary }    every `every` iterations and at the end
//   { type: 'done' } or { type: 'error', message }
// Every random draw (data, initial weights, trajectory points) comes from a seeded Rng.
import { initSync, Rng, Model, Adam, softmaxCrossEntropyLoss } from '../build/index.js';

const rt = initSync();

/** Two interleaved half circles, classes 0 and 1 alternating, with Gaussian noise; centred and scaled to about [-2, 2]². */
function twoMoons(n, rng, noise) {
  const x = new Float64Array(2 * n),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2,
      th = Math.PI * rng.uniform();
    const a = c === 0 ? Math.cos(th) : 1 - Math.cos(th);
    const b = c === 0 ? Math.sin(th) : 0.5 - Math.sin(th);
    x[2 * i] = 1.6 * (a - 0.5 + noise * rng.normal());
    x[2 * i + 1] = 1.6 * (b - 0.25 + noise * rng.normal());
    y[i] = c;
  }
  return { x, y };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run({ lambda, order, iterations, every, delay, batch, paths: pathCount, seed, lr }) {
  const data = twoMoons(batch, new Rng(seed), 0.1);
  const rng = new Rng(seed + 1); // the same initial weights for every λ
  const model = Model.create(
    rt,
    {
      blocks: [
        {
          dynamics: {
            type: 'sequential',
            layers: [
              { type: 'concatLinear', inputs: 2, outputs: 32 },
              { type: 'activation', fn: 'tanh' },
              { type: 'concatLinear', inputs: 32, outputs: 2 },
            ],
          },
          terms: [{ kind: 'taylor', order, lambda }],
          solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state' },
        },
      ],
      head: { type: 'linear', inputs: 2, outputs: 2 },
    },
    rng,
  );
  const optimizer = new Adam(rt.kernels, model.params, { lr });
  const weight = model.params.find((p) => p.name === 'head.weight');
  const bias = model.params.find((p) => p.name === 'head.bias');

  // A handful of training points (both classes) whose trajectories are drawn.
  const pick = new Rng(seed + 2);
  const count = Math.min(pathCount, batch);
  const chosen = [];
  while (chosen.length < count) {
    const i = Math.floor(pick.uniform() * batch);
    if (!chosen.includes(i)) chosen.push(i);
  }
  const z0 = new Float64Array(2 * count),
    classes = chosen.map((i) => data.y[i]);
  chosen.forEach((i, k) => {
    z0[2 * k] = data.x[2 * i];
    z0[2 * k + 1] = data.x[2 * i + 1];
  });
  const times = Array.from({ length: 33 }, (_, i) => i / 32);

  const snapshot = (iteration) => {
    const evals = []; // every evaluation of f: [t, z of each drawn point]
    const { zs, stats } = model.blocks[0].predict(z0, {
      times,
      onEvaluation: (t, z) => evals.push([t, Array.from(z)]),
    });
    const { output } = model.predict(data.x);
    let correct = 0;
    for (let b = 0; b < batch; b++) correct += Number((output[2 * b + 1] > output[2 * b] ? 1 : 0) === data.y[b]);
    const w = weight.value.toFloat64Array(),
      c = bias.value.toFloat64Array();
    postMessage({
      type: 'snapshot',
      iteration,
      accuracy: correct / batch,
      nfe: stats.nfe,
      times,
      paths: Array.from(zs),
      classes,
      evals,
      points: Array.from(data.x),
      labels: Array.from(data.y),
      // the head's decision line in z(t1): (w1 − w0)·z + (b1 − b0) = 0
      boundary: [w[2] - w[0], w[3] - w[1], c[1] - c[0]],
    });
  };

  snapshot(0);
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const r = model.objective(data.x, data.y, { loss: softmaxCrossEntropyLoss, rng });
    optimizer.step();
    postMessage({
      type: 'progress',
      iteration,
      loss: r.loss,
      dataLoss: r.dataLoss,
      r: r.regularizers[`r${order}`],
      nfeForward: r.nfeForward,
      nfeBackward: r.nfeBackward,
    });
    if (iteration % every === 0 || iteration === iterations) snapshot(iteration);
    await sleep(delay); // yields to the message queue (a stop arrives here)
  }
  postMessage({ type: 'done' });
}

self.onmessage = (e) => {
  if (e.data?.type !== 'start') return;
  run(e.data.options).catch((error) => postMessage({ type: 'error', message: String(error?.stack ?? error) }));
};
