// Training cost: one iteration (forward solve + backward pass, the objective's gradient) with R_3
// against the same iteration without it, same model, same fixed grid (so the step counts are equal
// and the ratio is the per-step price of the regulariser, as the paper's 1.7× on MNIST with a fixed
// grid); R_3's estimators (the exact integral at every stage against once per step: R3_ONLY=1 runs
// only these); and the memory the discretise-then-optimise backward pass holds against the number of steps,
// next to the continuous adjoint's.
import v8 from 'node:v8';
import vm from 'node:vm';
import { readResults, writeResults } from './results-file.js';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../src/model/neural-ode.js';
import type { RegularizerConfig } from '../src/terms/regularizers.js';

interface Case {
  name: string;
  widths: number[];
  batch: number;
  activation: 'sigmoid' | 'tanh';
  /** orders K to measure (default 2, 3, 4) */
  orders?: number[];
}

const CASES: Case[] = [
  { name: 'medium', widths: [32, 128, 32], batch: 128, activation: 'sigmoid' },
  { name: 'toy', widths: [1, 50, 1], batch: 100, activation: 'sigmoid' },
  // The paper's MNIST dynamics (784 → 100 → 784, sigmoid, time concatenated, batch 100): K = 3 only.
  { name: 'mnist', widths: [784, 100, 784], batch: 100, activation: 'sigmoid', orders: [3] },
];

function data(c: Case): { z0: Float64Array; target: Float64Array } {
  const rng = new Rng(3);
  const n = c.batch * c.widths[0];
  return {
    z0: new Float64Array(n).map(() => rng.uniformIn(-1, 1)),
    target: new Float64Array(n).map(() => rng.uniformIn(-1, 1)),
  };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time of one training iteration with regularisers `reg` and with `base`, interleaved. */
function costRatio(
  c: Case,
  steps: number,
  reg: RegularizerConfig,
  budgetMs: number,
  base: RegularizerConfig = {},
): { ratio: number; regMs: number; plainMs: number; nfe: number } {
  const rt = createRuntimeSync();
  const config: NeuralOdeConfig = {
    mlp: { widths: c.widths, activation: c.activation },
    solver: { method: 'rk4', steps },
  };
  const plain = NeuralOde.create(rt, { ...config, regularizers: base }, new Rng(1));
  const regularised = NeuralOde.create(rt, { ...config, regularizers: reg }, new Rng(1));
  const { z0, target } = data(c);
  const rng = new Rng(7); // the Jacobian term's ε
  const time = (m: NeuralOde) => {
    const t = performance.now();
    m.objective(z0, target, { rng });
    return performance.now() - t;
  };
  for (let i = 0; i < 2; i++) {
    time(plain);
    time(regularised);
  }
  const a: number[] = [],
    b: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs || a.length < 5) {
    a.push(time(plain));
    b.push(time(regularised));
  }
  const nfe = plain.objective(z0, target, { rng }).nfeForward;
  return { ratio: median(b) / median(a), regMs: median(b), plainMs: median(a), nfe };
}

/**
 * R_3's estimators on the paper's MNIST dynamics (issue 22): the median wall time of one training
 * iteration (objective with gradient) with R_3 integrated at every stage ('stages', the exact RK
 * quadrature), estimated once per accepted step ('stepRandom', 'stepStart'), and without it, all four
 * interleaved, in an f32 runtime, dopri5 on a fixed grid (the same steps for every variant).
 */
function estimatorCosts(
  c: Case,
  steps: number,
  gradient: 'checkpoint' | 'backprop',
  budgetMs: number,
): Record<string, number> {
  const rt = createRuntimeSync({ dtype: 'float32' });
  const config: NeuralOdeConfig = {
    mlp: { widths: c.widths, activation: c.activation },
    solver: { method: 'dopri5', steps },
    gradient,
  };
  const variants: Record<string, NeuralOde> = {
    plain: NeuralOde.create(rt, config, new Rng(1)),
    stages: NeuralOde.create(rt, { ...config, terms: [{ kind: 'taylor', order: 3, lambda: 0.01 }] }, new Rng(1)),
    stepRandom: NeuralOde.create(
      rt,
      { ...config, terms: [{ kind: 'taylor', order: 3, lambda: 0.01, estimator: 'stepRandom' }] },
      new Rng(1),
    ),
    stepStart: NeuralOde.create(
      rt,
      { ...config, terms: [{ kind: 'taylor', order: 3, lambda: 0.01, estimator: 'stepStart' }] },
      new Rng(1),
    ),
  };
  const { z0, target } = data(c);
  const rng = new Rng(7); // stepRandom's times
  const time = (m: NeuralOde) => {
    const t = performance.now();
    m.objective(z0, target, { rng });
    return performance.now() - t;
  };
  const names = Object.keys(variants);
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) time(variants[n]);
  const start = performance.now();
  while (performance.now() - start < budgetMs || times.plain.length < 5)
    for (const n of names) times[n].push(time(variants[n]));
  return Object.fromEntries(names.map((n) => [n, median(times[n])]));
}

// A garbage collector to call, so live memory can be measured rather than garbage awaiting collection.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Live ArrayBuffer bytes (beyond the baseline before the iteration) at the start of the backward pass,
 * where everything the pass keeps outside the arena is alive, measured after a collection; the
 * checkpoint bytes; and the arena's high-water mark during the iteration above its use before it (the
 * wasm memory is grown by the warm-up iterations, so the stages' kept values, which live in the
 * arena, do not show in the ArrayBuffer bytes).
 */
const memoryRuntime = createRuntimeSync();
let arenaPeak = 0;
{
  const arena = memoryRuntime.arena;
  const alloc = arena.alloc.bind(arena);
  arena.alloc = (count: number) => {
    const offset = alloc(count);
    arenaPeak = Math.max(arenaPeak, arena.usedBytes);
    return offset;
  };
}

function backwardMemory(
  c: Case,
  steps: number,
  gradient: 'checkpoint' | 'adjoint' | 'backprop',
): { peakBytes: number; checkpointBytes: number; storedBytes: number; arenaBytes: number } {
  // One runtime for every measurement: a fresh wasm memory per model would move the baseline.
  const rt = memoryRuntime;
  const model = NeuralOde.create(
    rt,
    {
      mlp: { widths: c.widths, activation: c.activation },
      regularizers: { order: 3, lambda: 0.01 },
      solver: { method: 'rk4', steps },
      gradient,
    },
    new Rng(1),
  );
  const { z0, target } = data(c);
  model.objective(z0, target); // warm the caches (programs, workspaces) and grow the arena once
  model.objective(z0, target);
  const dyn = model.dynamics(c.batch, true);
  let live = -1;
  const vjp = dyn.replayVjp.bind(dyn);
  dyn.replayVjp = (slot, dyBar, yBar) => {
    if (live < 0) {
      gc();
      live = process.memoryUsage().arrayBuffers;
    }
    vjp(slot, dyBar, yBar);
  };
  gc();
  gc();
  const baseline = process.memoryUsage().arrayBuffers;
  const arenaBaseline = rt.arena.usedBytes;
  arenaPeak = arenaBaseline;
  const r = model.objective(z0, target);
  return {
    peakBytes: live - baseline,
    checkpointBytes: r.checkpointBytes,
    storedBytes: r.storedBytes,
    arenaBytes: arenaPeak - arenaBaseline,
  };
}

/** R_3's per-step estimators against the exact integral and no regulariser (MNIST dynamics): the figures issue 22 asks for. */
function r3Estimators(figures: Record<string, unknown>): void {
  const mnist = CASES.find((c) => c.name === 'mnist')!;
  const steps = 6; // ≈ the 38 NFE of an MNIST solve at 1.4e-8 in f32
  const budget = Number(process.env.R3_BUDGET_MS ?? 30000);
  console.log(
    `one MNIST training iteration (f32, batch ${mnist.batch}, dopri5 on a fixed grid of ${steps} steps), R_3 by estimator, interleaved medians`,
  );
  for (const gradient of ['checkpoint', 'backprop'] as const) {
    const ms = estimatorCosts(mnist, steps, gradient, budget);
    const ratio = (n: string) => +(ms[n] / ms.plain).toFixed(3);
    const suffix = gradient === 'checkpoint' ? '' : '_backprop';
    figures[`r3_step_cost_ratio_exact${suffix}`] = ratio('stages');
    figures[`r3_step_cost_ratio_cheap${suffix}`] = ratio('stepRandom');
    figures[`r3_step_cost_ratio_step_start${suffix}`] = ratio('stepStart');
    figures[`mnist.r3_estimator_iteration_ms${suffix}`] = Object.fromEntries(
      Object.entries(ms).map(([n, v]) => [n, +v.toFixed(2)]),
    );
    console.log(
      `  ${gradient}: plain ${ms.plain.toFixed(1)} ms; R_3 stages ${ms.stages.toFixed(1)} ms (${ratio('stages')}×), stepRandom ${ms.stepRandom.toFixed(1)} ms (${ratio('stepRandom')}×), stepStart ${ms.stepStart.toFixed(1)} ms (${ratio('stepStart')}×)`,
    );
  }
}

/**
 * The whole run's CPU ratio (regularised ÷ unregularised training CPU), which no step benchmark can give:
 * the regularised model's steps cost more but it takes fewer of them. Read from the MNIST experiment's
 * committed runs (`taynode mnist` writes `train_cpu_ratio`), each named with its source.
 */
function runCpuRatios(figures: Record<string, unknown>): void {
  // the main job alone on the machine; the full run (80 epochs × 3 seeds, two runs at once beside other jobs)
  const sources = [
    ['run_cpu_ratio', 'mnist-default'],
    ['run_cpu_ratio_full', 'mnist'],
  ] as const;
  for (const [key, name] of sources) {
    const r = readResults(name).figures as { train_cpu_ratio?: number; command?: string; lambda?: number };
    if (typeof r.train_cpu_ratio !== 'number') continue;
    figures[key] = +r.train_cpu_ratio.toFixed(3);
    figures[`${key}_source`] = `bench/results/${name}.json (${r.command}; λ = ${r.lambda})`;
  }
  console.log(
    `whole MNIST runs, regularised ÷ unregularised training CPU: ${figures.run_cpu_ratio} (default run), ${figures.run_cpu_ratio_full} (full run) (target ≤ 1.3)`,
  );
}

export async function run(): Promise<void> {
  const figures: Record<string, unknown> = {};
  if (process.env.R3_ONLY) {
    // Only R_3's estimators, merged into the figures already written by a full run (whose _meta is kept as _meta_rest).
    r3Estimators(figures);
    runCpuRatios(figures);
    const previous = readResults('training');
    const rest = previous.figures._meta_rest ?? previous.meta;
    writeResults('training', { ...previous.figures, ...(rest ? { _meta_rest: rest } : {}), ...figures });
    return;
  }
  r3Estimators(figures);
  runCpuRatios(figures);
  console.log('one training iteration (forward + backward, rk4 on a fixed grid of 8 steps): R_K vs none');
  for (const c of CASES) {
    if (process.env.QUICK) continue;
    for (const K of c.orders ?? [2, 3, 4]) {
      const r = costRatio(c, 8, { order: K, lambda: 0.01 }, c.name === 'toy' ? 2500 : 4000);
      figures[`${c.name}.reg_step_cost_ratio_K${K}`] = +r.ratio.toFixed(3);
      figures[`${c.name}.iteration_ms_K${K}`] = { regularised: +r.regMs.toFixed(3), plain: +r.plainMs.toFixed(3) };
      console.log(
        `  ${c.name} [${c.widths.join('→')}], batch ${c.batch}: K=${K} ${r.regMs.toFixed(2)} ms vs ${r.plainMs.toFixed(2)} ms → ${r.ratio.toFixed(2)}× (NFE ${r.nfe} each)`,
      );
    }
  }
  figures.reg_step_cost_ratio_K3 = figures['medium.reg_step_cost_ratio_K3'];
  // The paper's 1.7× (MNIST, fixed grid) is R_K against Finlay et al.'s RNODE regularisers (kinetic +
  // Jacobian Frobenius), not against no regulariser: the same comparison here.
  console.log('one training iteration: R_3 vs RNODE (kinetic + Jacobian Frobenius), same grid');
  for (const c of CASES) {
    if (process.env.QUICK || c.name === 'toy') continue;
    const r = costRatio(c, 8, { order: 3, lambda: 0.01 }, 4000, { kinetic: 0.01, jacobian: 0.01 });
    figures[`${c.name}.reg_vs_rnode_cost_ratio_K3`] = +r.ratio.toFixed(3);
    figures[`${c.name}.iteration_ms_rnode`] = +r.plainMs.toFixed(3);
    console.log(
      `  ${c.name} [${c.widths.join('→')}], batch ${c.batch}: R_3 ${r.regMs.toFixed(2)} ms vs RNODE ${r.plainMs.toFixed(2)} ms → ${r.ratio.toFixed(2)}×`,
    );
  }
  console.log(
    `reg_step_cost_ratio_K3 (medium) = ${figures.reg_step_cost_ratio_K3} (target ≤ 2; the paper's 1.7 on MNIST is against RNODE: see reg_vs_rnode_cost_ratio_K3)`,
  );

  console.log('backward-pass memory vs steps (medium model, R_3, rk4 grid)');
  const memory: Record<string, unknown>[] = [];
  for (const steps of [8, 16, 32, 64, 128]) {
    const dto = backwardMemory(CASES[0], steps, 'checkpoint');
    const adj = backwardMemory(CASES[0], steps, 'adjoint');
    // gradient 'backprop' keeps every stage's jet in the arena: its memory grows with steps × stages
    // (≈ 10 MiB a step here: R_3's jet at each of rk4's 4 stages), so it is measured up to 32 steps only.
    const bp = steps <= 32 ? backwardMemory(CASES[0], steps, 'backprop') : { storedBytes: NaN, arenaBytes: NaN };
    memory.push({
      steps,
      checkpoint_bytes: dto.checkpointBytes,
      checkpoint_live_bytes: dto.peakBytes,
      checkpoint_arena_bytes: dto.arenaBytes,
      adjoint_live_bytes: adj.peakBytes,
      adjoint_arena_bytes: adj.arenaBytes,
      ...(steps <= 32 ? { backprop_stored_bytes: bp.storedBytes, backprop_arena_bytes: bp.arenaBytes } : {}),
    });
    console.log(
      `  ${String(steps).padStart(4)} steps: checkpoints ${(dto.checkpointBytes / 1024).toFixed(0)} KiB, live at the backward pass's start ${(dto.peakBytes / 1024).toFixed(0)} KiB, arena ${(dto.arenaBytes / 1024).toFixed(0)} KiB; adjoint ${(adj.peakBytes / 1024).toFixed(0)} KiB, arena ${(adj.arenaBytes / 1024).toFixed(0)} KiB; ${steps <= 32 ? `backprop stored ${(bp.storedBytes / 1024).toFixed(0)} KiB, arena ${(bp.arenaBytes / 1024).toFixed(0)} KiB` : 'backprop not measured'}`,
    );
  }
  figures.backward_memory = memory;
  const first = memory[0] as { steps: number; checkpoint_live_bytes: number };
  const last = memory[memory.length - 1] as { steps: number; checkpoint_live_bytes: number };
  figures.backward_memory_bytes_per_step = Math.round(
    (last.checkpoint_live_bytes - first.checkpoint_live_bytes) / (last.steps - first.steps),
  );
  writeResults('training', figures);
}
