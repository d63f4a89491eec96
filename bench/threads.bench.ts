// Both cores: one MNIST-size training step (forward + backward: the paper's MNIST classifier, dynamics
// 784 → 100 → 784 with t and sigmoid, head → 10, softmax cross-entropy, batch 100, checkpointed
// gradient) on the calling thread, and across a WorkerPool of 1 and of 2 workers, interleaved round by
// round. Two solvers: dopri5 as the MNIST experiment trains (1e-5, errorNorm 'state'; each pooled shard
// of 50 images takes its own steps), and rk4 on a fixed grid of 5 steps (every shard takes the batch's
// steps: the parallel efficiency alone). Inputs are seeded uniform [0, 1) pixels.
//   npm run bench -- threads            (THREADS_ROUNDS=N to change the 12 timed rounds per case)
// The machine's load average is recorded with the figures: on a shared machine the 2-worker figure is
// depressed by whatever else runs on the second core.
import { loadavg, cpus } from 'node:os';
import { writeResults } from './results-file.js';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { Model } from '../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../src/model/losses.js';
import type { SolverConfig } from '../src/model/solver-config.js';
import { mnistSpec } from '../src/cli/experiments/mnist/model.js';
import { createWorkerPool, type WorkerPool } from '../src/parallel/pool.js';

const BATCH = 100;
const PIXELS = 784;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface CaseResult { plain_ms: number; pool1_ms: number; pool2_ms: number; threads2_speedup: number; threads2_vs_pool1: number; pool1_overhead: number; nfe: Record<string, number> }

async function measure(name: string, solver: SolverConfig, pools: { one: WorkerPool; two: WorkerPool }, rounds: number): Promise<CaseResult> {
  const rt = createRuntimeSync();
  const spec = mnistSpec({ order: 3, lambda: 0, method: 'dopri5', tol: 1e-5 });
  spec.blocks[0].solver = solver;
  const model = Model.create(rt, spec, new Rng(0));
  const rng = new Rng(1);
  const x = new Float64Array(BATCH * PIXELS).map(() => rng.uniform());
  const y = new Float64Array(BATCH).map(() => rng.int(10));
  const options = { loss: softmaxCrossEntropyLoss };
  const nfe: Record<string, number> = {};
  const variants: [string, () => Promise<unknown>][] = [
    ['plain', async () => { const r = model.objective(x, y, options); nfe.plain = r.nfeForward + r.nfeBackward; }],
    ['pool1', async () => { const r = await pools.one.objective(model, x, y, options); nfe.pool1 = r.nfeForward + r.nfeBackward; }],
    ['pool2', async () => { const r = await pools.two.objective(model, x, y, options); nfe.pool2 = r.nfeForward + r.nfeBackward; }],
  ];
  const times: Record<string, number[]> = { plain: [], pool1: [], pool2: [] };
  for (const [, run] of variants) { await run(); await run(); } // warm-up: programs, workspaces, the models shipped
  for (let i = 0; i < rounds; i++) {
    // Rotate the order each round so no variant always runs right after another.
    for (let k = 0; k < variants.length; k++) {
      const [label, run] = variants[(i + k) % variants.length];
      const t = performance.now();
      await run();
      times[label].push(performance.now() - t);
    }
  }
  const plain = median(times.plain), pool1 = median(times.pool1), pool2 = median(times.pool2);
  console.log(`  ${name}: plain ${plain.toFixed(1)} ms, 1 worker ${pool1.toFixed(1)} ms, 2 workers ${pool2.toFixed(1)} ms → 2 workers ${(plain / pool2).toFixed(2)}× the plain path (${(pool1 / pool2).toFixed(2)}× one worker); NFE fwd+bwd ${JSON.stringify(nfe)} (pooled: the larger shard's)`);
  return {
    plain_ms: +plain.toFixed(2), pool1_ms: +pool1.toFixed(2), pool2_ms: +pool2.toFixed(2),
    threads2_speedup: +(plain / pool2).toFixed(3), threads2_vs_pool1: +(pool1 / pool2).toFixed(3), pool1_overhead: +(pool1 / plain).toFixed(3), nfe,
  };
}

export async function run(): Promise<void> {
  const rounds = Number(process.env.THREADS_ROUNDS ?? 12);
  const loadBefore = loadavg();
  console.log(`MNIST-size training step (batch ${BATCH}), ${rounds} interleaved rounds; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`);
  const one = await createWorkerPool({ workers: 1 });
  const two = await createWorkerPool({ workers: 2 });
  try {
    const dopri5 = await measure('dopri5 1e-5', { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state', maxSteps: 20_000 }, { one, two }, rounds);
    const rk4 = await measure('rk4 × 5', { method: 'rk4', steps: 5 }, { one, two }, rounds);
    const loadAfter = loadavg();
    writeResults('threads', {
      'mnist.threads2_speedup': dopri5.threads2_speedup,
      mnist: { dopri5, rk4 },
      load_average_before: loadBefore.map((l) => +l.toFixed(2)),
      load_average_after: loadAfter.map((l) => +l.toFixed(2)),
      note: 'threads2_speedup = plain single-thread step time / 2-worker pooled step time (median of interleaved rounds). A load average above ~1 on this 2-core machine means other processes shared the cores: the 2-worker figure is then depressed.',
      command: 'npm run bench -- threads',
    });
  } finally {
    await one.close();
    await two.close();
  }
}
