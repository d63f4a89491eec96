// `npm run bench -- profile`: where taynode's plain MNIST training step spends its time (issue 22), set
// against the paper's JAX code per evaluation of f. The step is jax-peer.ts's (bench/mnist-step.ts): f32
// runtime, gradient 'backprop', errorNorm 'state', dopri5 at 1.4e-8 and 1e-5. After a warm-up, a few
// steps run under node:inspector's sampling profiler (100 µs) in this process; self time is sorted into
// categories (profile-categories.ts). The release kernels get a name section from build/taynode.wat
// (wasm-names.ts), so the profiled wasm is byte for byte the shipped code plus names. Floors: the step's
// GEMM FLOPs at the f32 GEMM throughput measured in the same run at the step's shapes, and its
// activations at kernels.json's ns per value (step-roofline.ts). JAX's figures are read from
// bench/results/peers.json (this does not run JAX).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { createRuntimeSync, kernelWasmBytes, type Runtime } from '../src/runtime/wasm.js';
import { TABLEAUS } from '../src/ode/tableaus.js';
import { neededStages } from '../src/gradients/replay.js';
import { BATCH, HIDDEN, MNIST_STEP_TOLS, PIXELS, mnistBatch, mnistClassifier, mnistStep } from './mnist-step.js';
import { breakdown, CATEGORIES, type Category, type CpuProfile } from './profile-categories.js';
import { readResults, writeResults } from './results-file.js';
import { floorsMs, stepWork } from './step-roofline.js';
import { bestMsPerCall, median } from './timing.js';
import { functionNamesFromWat, withFunctionNames } from './wasm-names.js';

const WARMUP = 5;
const STEPS: Record<number, number> = { 1.4e-8: 20, 1e-5: 30 };
/** The dynamics' two linear layers (the time column counted in their inputs) and its two sigmoids' widths. */
const LAYERS = [
  [PIXELS + 1, HIDDEN],
  [HIDDEN + 1, PIXELS],
] as const;
const ACTIVATION_WIDTHS = [PIXELS, HIDDEN];

/** The f32 runtime on the release kernels (the baseline build, as the JAX comparison) with their names. */
function namedRuntime(): Runtime {
  const wat = readFileSync(fileURLToPath(new URL('../build/taynode.wat', import.meta.url)), 'utf8');
  const bytes = withFunctionNames(kernelWasmBytes('baseline'), functionNamesFromWat(wat));
  return createRuntimeSync({ module: new WebAssembly.Module(bytes as BufferSource), dtype: 'float32' });
}

/**
 * ms per call of each f32 GEMM the step makes, at its own shapes (src/autodiff/ops/linear.ts): forward
 * gemm_nt (y = x·Wᵀ), backward gemm_nn (x̄ += ȳ·W) and gemm_tn (W̄ += ȳᵀ·x), per layer. Best of short
 * windows over rounds that visit every shape in turn, so that a burst of other load spoils no shape's every round.
 */
function gemmCallMs(rt: Runtime, rounds = 8): { forward: number; vjp: number; gflops: Record<string, number> } {
  const { arena, kernels } = rt;
  return arena.scope(() => {
    const calls = LAYERS.flatMap(
      ([inputs, outputs]) =>
        [
          { variant: 'gemm_nt_f32', m: BATCH, n: outputs, k: inputs, accumulate: 0, best: Infinity },
          { variant: 'gemm_nn_f32', m: BATCH, n: inputs, k: outputs, accumulate: 1, best: Infinity },
          { variant: 'gemm_tn_f32', m: outputs, n: inputs, k: BATCH, accumulate: 1, best: Infinity },
        ] as const,
    ).map((c) => ({
      ...c,
      ptrs: [arena.allocZeroed(c.m * c.k), arena.allocZeroed(c.k * c.n), arena.allocZeroed(c.m * c.n)],
    }));
    for (let round = 0; round < rounds; round++) {
      for (const c of calls) {
        const [pa, pb, pc] = c.ptrs;
        c.best = Math.min(
          c.best,
          bestMsPerCall(() => kernels[c.variant](pc, pa, pb, 0, c.m, c.n, c.k, c.accumulate), 10, 2),
        );
      }
    }
    const gflops: Record<string, number> = {};
    for (const c of calls)
      gflops[`${c.variant}_${c.m}x${c.n}x${c.k}`] = +((2 * c.m * c.n * c.k) / (c.best * 1e6)).toFixed(2);
    const sum = (forward: boolean) =>
      calls.filter((c) => (c.variant === 'gemm_nt_f32') === forward).reduce((t, c) => t + c.best, 0);
    return { forward: sum(true), vjp: sum(false), gflops };
  });
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

const fmt = (x: number, d = 2) => x.toFixed(d).padStart(8);

export async function run(): Promise<void> {
  const rt = namedRuntime();
  const { x, labels } = mnistBatch();
  const kernelFigures = readResults('kernels').figures as Record<string, number>;
  const [sigmoidNs, sigmoidVjpNs] = [kernelFigures.sigmoid_f32_ns ?? 0.83, kernelFigures.sigmoid_vjp_f32_ns ?? 0.15];
  const peers = readResults('peers').figures as Record<string, { jax_plain?: { ms: number; nfe: [number, number] } }>;
  const vjpsPerStep = neededStages(TABLEAUS.dopri5).filter(Boolean).length;
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
  const figures: Record<string, unknown> = {
    sigmoid_f32_ns: sigmoidNs,
    sigmoid_vjp_f32_ns: sigmoidVjpNs,
    sampling_interval_us: 100,
  };
  console.log(`taynode plain MNIST step (f32, backprop, dopri5, errorNorm 'state', batch ${BATCH})`);
  try {
    for (const tol of MNIST_STEP_TOLS) {
      const step = mnistStep(mnistClassifier(rt, tol, null), x, labels);
      for (let i = 0; i < WARMUP; i++) step();
      // After the warm-up (the kernels tiered up) and just before the profile (the same load).
      const gemm = gemmCallMs(rt);
      const n = STEPS[tol];
      const unprofiled: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        step();
        unprofiled.push(performance.now() - t);
      }
      await post(session, 'Profiler.start');
      const t0 = performance.now();
      let r = step();
      for (let i = 1; i < n; i++) r = step();
      const profiledMs = (performance.now() - t0) / n;
      const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
      const b = breakdown(profile);
      // PROFILE_OUT=<dir> keeps the raw profiles (Chrome DevTools' Performance panel opens .cpuprofile files).
      if (process.env.PROFILE_OUT) {
        const path = join(process.env.PROFILE_OUT, `plain-step-${tol}.cpuprofile`);
        writeFileSync(path, JSON.stringify(profile));
        console.log(`  raw profile: ${path}`);
      }
      const work = stepWork(r.nfeForward, r.forwardStats.acceptedSteps * vjpsPerStep, BATCH, LAYERS, ACTIVATION_WIDTHS);
      const activationValues = BATCH * ACTIVATION_WIDTHS.reduce((a, b) => a + b, 0);
      const floors = floorsMs(work, {
        gemmForward: gemm.forward,
        gemmVjp: gemm.vjp,
        activationForward: (activationValues * sigmoidNs) / 1e6,
        activationVjp: (activationValues * sigmoidVjpNs) / 1e6,
      });
      const floorOf: Partial<Record<Category, number>> = {
        'wasm GEMM': floors.gemm,
        'wasm activations': floors.activations,
      };
      // The profiler slows the step down (more so on a loaded machine): its shares, times the unprofiled step.
      const stepMs = median(unprofiled);
      const perStep = (c: Category) => (b.ms[c] / b.totalMs) * stepMs;
      const jax = peers[tol === 1.4e-8 ? 'jax.details' : 'jax.tol0.00001.details']?.jax_plain;
      // The reference's backward is the continuous adjoint: each of its evaluations is f and a VJP (jax.vjp), 3 units.
      const jaxUnits = jax ? jax.nfe[0] + 3 * jax.nfe[1] : NaN;
      const jaxPerUnit = jax ? jax.ms / jaxUnits : NaN;
      const key = `tol${tol}`;
      console.log(
        `\nrtol = atol = ${tol}: NFE ${work.forwardEvals} forward (${r.forwardStats.acceptedSteps} accepted, ${r.forwardStats.rejectedSteps} rejected), ` +
          `${work.backwardVjps} VJPs backward (${vjpsPerStep} kept stages × accepted steps) = ${work.evalEquivalents} evaluation-equivalents (a VJP counted as 2)`,
      );
      console.log(
        `  step: ${median(unprofiled).toFixed(1)} ms unprofiled (median of ${n}), ${profiledMs.toFixed(1)} ms profiled, ${(b.totalMs / n).toFixed(1)} ms sampled; ms below are shares of the unprofiled step`,
      );
      console.log(
        `  f32 GEMM alone at the step's shapes (GFLOP/s): ${Object.entries(gemm.gflops)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      console.log(`  ${'category'.padEnd(34)}  ms/step  ms/eval        %  floor/step  ×floor`);
      const rows: Record<string, unknown> = {};
      for (const c of CATEGORIES) {
        const floor = floorOf[c];
        rows[c] = {
          ms_per_step: +perStep(c).toFixed(2),
          ms_per_eval: +(perStep(c) / work.evalEquivalents).toFixed(4),
          percent: +((100 * b.ms[c]) / b.totalMs).toFixed(1),
          ...(floor !== undefined
            ? { floor_ms_per_step: +floor.toFixed(2), times_floor: +(perStep(c) / floor).toFixed(2) }
            : {}),
        };
        console.log(
          `  ${c.padEnd(34)} ${fmt(perStep(c))} ${fmt(perStep(c) / work.evalEquivalents, 3)} ${fmt((100 * b.ms[c]) / b.totalMs, 1)}` +
            (floor !== undefined ? ` ${fmt(floor)}    ${fmt(perStep(c) / floor)}` : ''),
        );
      }
      const floorTotal = floors.gemm + floors.activations;
      console.log(
        `  ${'total'.padEnd(34)} ${fmt(stepMs)} ${fmt(stepMs / work.evalEquivalents, 3)}    100.0 ${fmt(floorTotal)}    ${fmt(stepMs / floorTotal)}`,
      );
      console.log('  top functions (self time, % of the step):');
      for (const t of b.top) console.log(`    ${fmt((100 * t.ms) / b.totalMs, 1)}  ${t.category.padEnd(32)} ${t.name}`);
      if (jax)
        console.log(
          `  JAX (peers.json): ${jax.ms} ms, NFE ${jax.nfe.join('+')} → ${jaxUnits} evaluation-equivalents (each adjoint evaluation f + VJP = 3): ` +
            `${jaxPerUnit.toFixed(3)} ms each against taynode's ${(stepMs / work.evalEquivalents).toFixed(3)} (this run); ` +
            `floor at this run's GEMM: ${((floorTotal / work.evalEquivalents) as number).toFixed(3)}`,
        );
      figures[key] = {
        steps_profiled: n,
        step_ms_unprofiled_median: +median(unprofiled).toFixed(2),
        step_ms_profiled: +profiledMs.toFixed(2),
        step_ms_sampled: +(b.totalMs / n).toFixed(2),
        nfe_forward: work.forwardEvals,
        accepted_steps: r.forwardStats.acceptedSteps,
        rejected_steps: r.forwardStats.rejectedSteps,
        backward_vjps: work.backwardVjps,
        eval_equivalents: work.evalEquivalents,
        gemm_gflop_per_step: +(work.gemmFlops / 1e9).toFixed(3),
        gemm_alone_gflops: gemm.gflops,
        gemm_alone_ms_per_forward_eval: +gemm.forward.toFixed(4),
        gemm_alone_ms_per_vjp: +gemm.vjp.toFixed(4),
        floor_ms_per_step: { gemm: +floors.gemm.toFixed(2), activations: +floors.activations.toFixed(2) },
        categories: rows,
        top: b.top.map(({ name, category, ms }) => ({ name, category, percent: +((100 * ms) / b.totalMs).toFixed(1) })),
        ...(jax
          ? {
              jax_plain: {
                ms: jax.ms,
                nfe: jax.nfe,
                eval_equivalents: jaxUnits,
                ms_per_eval: +jaxPerUnit.toFixed(4),
              },
            }
          : {}),
      };
    }
  } finally {
    await post(session, 'Profiler.disable');
    session.disconnect();
  }
  writeResults('profile', figures);
}
