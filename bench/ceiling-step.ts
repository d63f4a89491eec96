// One process of the ceiling measurement (threads.bench.ts): the MNIST-size training step run `count`
// times on this process's one thread, printing the median milliseconds per step as JSON. Two of these
// at once against one alone is the machine's own ceiling for two independent single-thread workers.
//   node --import tsx --import ./tests/setup/register-wasm-loader.mjs bench/ceiling-step.ts COUNT
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { Model } from '../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../src/model/losses.js';
import { mnistSpec } from '../packages/cli/src/experiments/mnist/model.js';
import { median } from './timing.js';

const count = Number(process.argv[2] ?? 10);
const [BATCH, PIXELS] = [100, 784];
const rt = createRuntimeSync();
const model = Model.create(rt, mnistSpec({ order: 3, lambda: 0, method: 'dopri5', tol: 1e-5 }), new Rng(5));
const rng = new Rng(8);
const x = Float64Array.from({ length: BATCH * PIXELS }, () => rng.uniform());
const y = Float64Array.from({ length: BATCH }, (_, i) => i % 10);
model.objective(x, y, { loss: softmaxCrossEntropyLoss });
const ms: number[] = [];
for (let i = 0; i < count; i++) {
  const t = performance.now();
  model.objective(x, y, { loss: softmaxCrossEntropyLoss });
  ms.push(performance.now() - t);
}
console.log(JSON.stringify({ ms: median(ms) }));
