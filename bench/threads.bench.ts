// Both cores: one MNIST-size training step (forward + backward: the paper's MNIST classifier, dynamics
// 784 → 100 → 784 with t and sigmoid, head → 10, softmax cross-entropy, batch 100, checkpointed
// gradient) on the calling thread, and across a WorkerPool of 1 and of 2 workers, interleaved round by
// round. Two solvers: dopri5 as the MNIST experiment trains (1e-5, errorNorm 'state'), pooled with
// shared steps (the pool's default: the shards of 50 images advance in lockstep on the batch's step
// sizes, meeting at a barrier at every error norm) and, side by side, per shard (each shard its own
// steps); and rk4 on a fixed grid of 5 steps (every shard takes the batch's steps: the parallel
// efficiency alone). Inputs are seeded uniform [0, 1) pixels.
//   npm run bench -- threads            (THREADS_ROUNDS=N to change the 12 timed rounds per case)
// The machine's load average is recorded with the figures, and a calibration: the same plain JS loop
// run by one thread and split over two (interleaved, before and after), which shows how much of a
// second core this process could get at all. On a shared machine the 2-worker figure is depressed by
// whatever else runs on the second core; the lead re-runs this alone.
import { loadavg, cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import { writeResults } from './results-file.js';
import { median } from './timing.js';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import type { Dtype } from '../src/runtime/dtype.js';
import { Rng } from '../src/random.js';
import { Model } from '../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../src/model/losses.js';
import type { SolverConfig } from '../src/model/solver-config.js';
import { mnistSpec } from '../packages/cli/src/experiments/mnist/model.js';
import { createWorkerPool, type WorkerPool } from '../src/parallel/pool.js';

const NOTE =
  'threads2_speedup = plain single-thread step time / 2-worker pooled step time (median of interleaved rounds). ' +
  'A calibration well below 2 means other processes shared the cores and the 2-worker figure is depressed. On Linux with ' +
  'sched_autogroup (on here) CPU is shared between sessions, not threads: while another session runs anything CPU-bound, ' +
  "this process's two threads get about one core in total, whatever the load average.";

const BATCH = 100;
const PIXELS = 784;

interface CaseResult {
  plain_ms: number;
  pool1_ms: number;
  pool2_ms: number;
  /** the slowest shard's own compute time in the worker (the rest of pool*_ms is messaging and waiting) */
  pool1_worker_ms: number;
  pool2_worker_ms: number;
  /** one thread, the first 50 rows (a 2-worker shard); plain_ms / half_ms is the best two free cores could do */
  half_ms: number;
  ideal_2core_speedup: number;
  /** process CPU time (all threads) per step, ms: the work each variant does, whatever the load */
  cpu_ms: Record<string, number>;
  /**
   * An estimate for two free cores from CPU times: plain CPU ÷ (2-worker CPU ÷ 2), assuming both
   * shards' work runs fully in parallel (equal shards) and counting the main thread's copies as parallel too.
   */
  threads2_speedup_cpu_estimate: number;
  /** one shard's copies on the main thread: parameters gathered, request cloned, gradient added */
  copy_ms_per_shard: number;
  threads2_speedup: number;
  threads2_vs_pool1: number;
  pool1_overhead: number;
  nfe: Record<string, number>;
  /** adaptive solvers: 2 workers, each shard with its own steps (stepSizes 'per-shard'), in the same rounds */
  pool2_per_shard_ms?: number;
  threads2_speedup_per_shard?: number;
}

/** One thread running a JS loop of `n` iterations against two threads running n/2 each, interleaved: time(one) / time(two). */
async function calibrate(rounds: number): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads');
    parentPort.on('message', (n) => { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i); parentPort.postMessage(s); });`;
  const workers = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
  const ask = (w: Worker, n: number) =>
    new Promise((resolve) => {
      w.once('message', resolve);
      w.postMessage(n);
    });
  const n = 1e8;
  try {
    await Promise.all(workers.map((w) => ask(w, 1e7)));
    const one: number[] = [],
      two: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      await ask(workers[0], n);
      one.push(performance.now() - t);
      t = performance.now();
      await Promise.all(workers.map((w) => ask(w, n / 2)));
      two.push(performance.now() - t);
    }
    return median(one) / median(two);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function measure(
  name: string,
  solver: SolverConfig,
  pools: { one: WorkerPool; two: WorkerPool },
  rounds: number,
  perShardToo = false,
  dtype: Dtype = 'float64',
): Promise<CaseResult> {
  const rt = createRuntimeSync({ dtype });
  const spec = mnistSpec({ order: 3, lambda: 0, method: 'dopri5', tol: 1e-5 });
  spec.blocks[0].solver = solver;
  const model = Model.create(rt, spec, new Rng(0));
  const rng = new Rng(1);
  const x = new Float64Array(BATCH * PIXELS).map(() => rng.uniform());
  const y = new Float64Array(BATCH).map(() => rng.int(10));
  const options = { loss: softmaxCrossEntropyLoss };
  // The first shard of a 2-worker pool, on this thread: plain / half is the speedup two free cores
  // could give at best (no messaging), measured on one thread and so far less sensitive to load.
  const xHalf = x.slice(0, (BATCH / 2) * PIXELS),
    yHalf = y.slice(0, BATCH / 2);
  const nfe: Record<string, number> = {};
  let workerMs = 0;
  // CPU time of the whole process (every thread) per variant: far less sensitive to other processes than wall time.
  const cpu: Record<string, number[]> = { plain: [], half: [], pool1: [], pool2: [], pool2_per_shard: [] };
  const variants: [string, () => Promise<unknown>][] = [
    [
      'plain',
      async () => {
        const r = model.objective(x, y, options);
        nfe.plain = r.nfeForward + r.nfeBackward;
      },
    ],
    [
      'half',
      async () => {
        const r = model.objective(xHalf, yHalf, options);
        nfe.half = r.nfeForward + r.nfeBackward;
      },
    ],
    [
      'pool1',
      async () => {
        const r = await pools.one.objective(model, x, y, options);
        nfe.pool1 = r.nfeForward + r.nfeBackward;
        workerMs = Math.max(...r.shards.map((s) => s.workerMs));
      },
    ],
    [
      'pool2',
      async () => {
        const r = await pools.two.objective(model, x, y, options);
        nfe.pool2 = r.nfeForward + r.nfeBackward;
        workerMs = Math.max(...r.shards.map((s) => s.workerMs));
      },
    ],
  ];
  if (perShardToo) {
    variants.push([
      'pool2_per_shard',
      async () => {
        const r = await pools.two.objective(model, x, y, { ...options, stepSizes: 'per-shard' });
        nfe.pool2_per_shard = r.nfeForward + r.nfeBackward;
        workerMs = Math.max(...r.shards.map((s) => s.workerMs));
      },
    ]);
  }
  const times: Record<string, number[]> = {
    plain: [],
    half: [],
    pool1: [],
    pool2: [],
    pool2_per_shard: [],
    pool1_worker: [],
    pool2_worker: [],
    pool2_per_shard_worker: [],
  };
  for (const [, run] of variants) {
    await run();
    await run();
  } // warm-up: programs, workspaces, the models shipped
  for (let i = 0; i < rounds; i++) {
    // Rotate the order each round so no variant always runs right after another.
    for (let k = 0; k < variants.length; k++) {
      const [label, run] = variants[(i + k) % variants.length];
      const t = performance.now(),
        c = process.cpuUsage();
      await run();
      times[label].push(performance.now() - t);
      const used = process.cpuUsage(c);
      cpu[label].push((used.user + used.system) / 1000);
      if (label.startsWith('pool')) times[`${label}_worker`].push(workerMs);
    }
  }
  const plain = median(times.plain),
    pool1 = median(times.pool1),
    pool2 = median(times.pool2);
  // What copying costs per step (the part shared memory would save), on this thread: gathering the
  // parameters, cloning a request as postMessage does, and adding a reply's gradient into the model's.
  const copyTimes: number[] = [];
  for (let i = 0; i < 70; i++) {
    // the first 20 warm up (cold code paths and the first large allocations take ~10 ms)
    const t = performance.now();
    const params = new Float64Array(model.params.reduce((n, p) => n + p.value.size, 0));
    let offset = 0;
    for (const p of model.params) {
      params.set(p.value.data, offset);
      offset += p.value.size;
    }
    structuredClone({ params, x: x.slice(0, (BATCH / 2) * PIXELS), y: y.slice(0, BATCH / 2) });
    offset = 0;
    for (const p of model.params) {
      const g = p.grad.data;
      for (let k = 0; k < g.length; k++) g[k] += 0.5 * params[offset + k];
      offset += g.length;
    }
    if (i >= 20) copyTimes.push(performance.now() - t);
  }
  const copy = median(copyTimes);
  const worker1 = median(times.pool1_worker),
    worker2 = median(times.pool2_worker),
    half = median(times.half);
  console.log(
    `  ${name}: process CPU per step: plain ${median(cpu.plain).toFixed(1)} ms, half ${median(cpu.half).toFixed(1)} ms, 1 worker ${median(cpu.pool1).toFixed(1)} ms, 2 workers ${median(cpu.pool2).toFixed(1)} ms (all threads) → estimate for two free cores ${(median(cpu.plain) / (median(cpu.pool2) / 2)).toFixed(2)}×`,
  );
  console.log(
    `  ${name}: one thread, the batch ${plain.toFixed(1)} ms, its first half ${half.toFixed(1)} ms → at best ${(plain / half).toFixed(2)}× on two free cores; copies ${copy.toFixed(2)} ms per shard`,
  );
  const perShard = perShardToo ? median(times.pool2_per_shard) : NaN;
  if (perShardToo)
    console.log(
      `  ${name}: 2 workers with shared steps ${pool2.toFixed(1)} ms (${(plain / pool2).toFixed(2)}×), per shard ${perShard.toFixed(1)} ms (${(plain / perShard).toFixed(2)}×; slowest shard ${median(times.pool2_per_shard_worker).toFixed(1)} in its worker)`,
    );
  console.log(
    `  ${name}: plain ${plain.toFixed(1)} ms, 1 worker ${pool1.toFixed(1)} ms (${worker1.toFixed(1)} in the worker), 2 workers ${pool2.toFixed(1)} ms (slowest shard ${worker2.toFixed(1)} in its worker) → 2 workers ${(plain / pool2).toFixed(2)}× the plain path (${(pool1 / pool2).toFixed(2)}× one worker); NFE fwd+bwd ${JSON.stringify(nfe)} (pooled: the larger shard's)`,
  );
  return {
    plain_ms: +plain.toFixed(2),
    pool1_ms: +pool1.toFixed(2),
    pool2_ms: +pool2.toFixed(2),
    pool1_worker_ms: +worker1.toFixed(2),
    pool2_worker_ms: +worker2.toFixed(2),
    half_ms: +half.toFixed(2),
    ideal_2core_speedup: +(plain / half).toFixed(3),
    copy_ms_per_shard: +copy.toFixed(3),
    cpu_ms: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, +median(v).toFixed(2)])),
    threads2_speedup_cpu_estimate: +(median(cpu.plain) / (median(cpu.pool2) / 2)).toFixed(3),
    threads2_speedup: +(plain / pool2).toFixed(3),
    threads2_vs_pool1: +(pool1 / pool2).toFixed(3),
    pool1_overhead: +(pool1 / plain).toFixed(3),
    nfe,
    ...(perShardToo
      ? { pool2_per_shard_ms: +perShard.toFixed(2), threads2_speedup_per_shard: +(plain / perShard).toFixed(3) }
      : {}),
  };
}

export async function run(): Promise<void> {
  const rounds = Number(process.env.THREADS_ROUNDS ?? 12);
  const loadBefore = loadavg();
  console.log(
    `MNIST-size training step (batch ${BATCH}), ${rounds} interleaved rounds; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`,
  );
  const calibrationBefore = await calibrate(3);
  console.log(
    `  calibration: a JS loop split over 2 threads ran ${calibrationBefore.toFixed(2)}× as fast as on 1 (2.0 = a whole second core free)`,
  );
  const one = await createWorkerPool({ workers: 1 });
  const two = await createWorkerPool({ workers: 2 });
  const one32 = await createWorkerPool({ workers: 1, runtime: { dtype: 'float32' } });
  const two32 = await createWorkerPool({ workers: 2, runtime: { dtype: 'float32' } });
  try {
    const dopri5 = await measure(
      'dopri5 1e-5',
      { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state', maxSteps: 20_000 },
      { one, two },
      rounds,
      true,
    );
    const rk4 = await measure('rk4 × 5', { method: 'rk4', steps: 5 }, { one, two }, rounds);
    // f32 models on f32 workers: half the bytes of weights and states per step.
    const dopri5F32 = await measure(
      'dopri5 1e-5, f32',
      { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state', maxSteps: 20_000 },
      { one: one32, two: two32 },
      rounds,
      false,
      'float32',
    );
    const calibrationAfter = await calibrate(3);
    const loadAfter = loadavg();
    const calibration = Math.min(calibrationBefore, calibrationAfter);
    console.log(`  calibration after: ${calibrationAfter.toFixed(2)}×`);
    writeResults('threads', {
      // dopri5 with shared steps (the pool's default); per shard in the same interleaved rounds
      'mnist.threads2_speedup': dopri5.threads2_speedup,
      'mnist.threads2_speedup_per_shard': dopri5.threads2_speedup_per_shard,
      'mnist.threads2_speedup_f32': dopri5F32.threads2_speedup,
      mnist: { dopri5, rk4, dopri5_f32: dopri5F32 },
      calibration_cpu_2thread_speedup: { before: +calibrationBefore.toFixed(3), after: +calibrationAfter.toFixed(3) },
      // An extrapolation, not a measurement: the 2-worker figure as if the second core had been free,
      // assuming the pool's workers were slowed as the calibration's two threads were.
      'mnist.threads2_speedup_cpu_estimate': dopri5.threads2_speedup_cpu_estimate,
      'mnist.threads2_speedup_load_corrected_estimate': +(
        (dopri5.threads2_speedup * 2) /
        Math.max(1, calibration)
      ).toFixed(3),
      load_average_before: loadBefore.map((l) => +l.toFixed(2)),
      load_average_after: loadAfter.map((l) => +l.toFixed(2)),
      note: NOTE,
      command: 'npm run bench -- threads',
    });
  } finally {
    await Promise.all([one, two, one32, two32].map((p) => p.close()));
  }
}
