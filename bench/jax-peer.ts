// The paper's own code as a peer: its MNIST training step in JAX (../shared/peers/jax_reference.py:
// jax.experimental.ode's dopri5 with the continuous adjoint, R_3 by jax.experimental.jet, the reference's
// odeint_aux_one), against taynode's step on the same weights and batch, one thread each, interleaved.
// Ratios are JAX time / taynode time (> 1: taynode faster). taynode runs its recommended training
// configuration: an f32 runtime, gradient 'backprop', R_3 with the chosen estimator ('stages', the exact
// integral, and 'stepRandom', the per-step estimate), errorNorm 'state' (the steps of z alone, as the
// reference's forward solve). Part of `npm run bench -- peers`; skipped when python3 cannot import jax
// (`python3 -m pip install --target /work/pydeps jax jaxlib`, then PYTHONPATH=/work/pydeps).
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../src/runtime/wasm.js';
import type { Model } from '../src/model/model.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../src/io/safetensors.js';
import { saveModel } from '../src/model/serialize.js';
import { median } from './timing.js';
import { BATCH, LAMBDA, MNIST_STEP_TOLS, PIXELS, mnistBatch, mnistClassifier, mnistStep } from './mnist-step.js';

const JAX_SCRIPT =
  process.env.JAX_SCRIPT ?? fileURLToPath(new URL('../../shared/peers/jax_reference.py', import.meta.url));
const PYTHON = process.env.PEER_PYTHON ?? 'python3';

/** null when JAX can run here, else why not. */
export function jaxUnavailable(): string | null {
  if (!existsSync(JAX_SCRIPT)) return `no JAX reference at ${JAX_SCRIPT}`;
  const r = spawnSync(PYTHON, ['-c', 'import jax, numpy; print(jax.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0)
    return `${PYTHON} cannot import jax (set PYTHONPATH to where it is installed, or PEER_PYTHON): ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return null;
}

/** The model's weights under the reference's names, with the batch and its labels (F64; the script casts). */
function writeReferenceWeights(model: Model, x: Float64Array, labels: Float64Array, path: string): void {
  const names: Record<string, string> = {
    'blocks.0.1.weight': 'layer0.weight',
    'blocks.0.1.bias': 'layer0.bias',
    'blocks.0.3.weight': 'layer1.weight',
    'blocks.0.3.bias': 'layer1.bias',
    'head.1.weight': 'head.weight',
    'head.1.bias': 'head.bias',
  };
  const stored = decodeSafetensors(saveModel(model)).tensors;
  const tensors = new Map<string, NamedArray>();
  for (const [from, to] of Object.entries(names)) {
    const t = stored.get(from);
    if (!t) throw new Error(`jax peer: the model has no parameter ${from}`);
    tensors.set(to, t);
  }
  tensors.set('z0', { shape: [BATCH, PIXELS], data: x });
  tensors.set('labels', { shape: [BATCH], data: labels });
  writeFileSync(path, encodeSafetensors(tensors));
}

interface StepFigures {
  ms: number;
  nfe: [number, number];
  loss: number;
}

/** Median ms of one training step's objective and gradient (no optimiser update, as the reference's value_and_grad). */
function step(model: Model, x: Float64Array, labels: Float64Array, reps: number): StepFigures {
  const once = mnistStep(model, x, labels);
  once();
  let r = once();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    r = once();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), nfe: [r.nfeForward, r.nfeBackward], loss: r.loss };
}

type JaxOut = {
  jax: string;
  variants: Record<string, { ms: number; cpu_ms: number; nfe_forward: number; nfe_backward: number; loss: number }>;
};

function runJax(weights: string, tols: number[], reps: number): JaxOut {
  const env = {
    ...process.env,
    XLA_FLAGS: '--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1',
    OMP_NUM_THREADS: '1',
  };
  const r = spawnSync(
    PYTHON,
    [
      JAX_SCRIPT,
      weights,
      '--tols',
      tols.join(','),
      '--variants',
      'plain,r3_auxone',
      '--reps',
      String(reps),
      '--lam',
      String(LAMBDA),
    ],
    { env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`the JAX reference failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as JaxOut;
}

/**
 * Interleaved rounds of taynode's plain and R_3 steps (f32 runtime `rt32`) and the reference's, at each
 * tolerance; writes `jax.*` figures into `figures`. Returns nothing when JAX is unavailable (says why).
 */
export function jaxComparison(
  rt32: Runtime,
  dir: string,
  figures: Record<string, unknown>,
  rounds: number,
  reps: number,
): void {
  const skip = jaxUnavailable();
  if (skip) {
    console.log(`JAX side SKIPPED: ${skip}`);
    figures.jax = `skipped: ${skip}`;
    return;
  }
  const { x, labels } = mnistBatch();
  const tols = MNIST_STEP_TOLS;
  const weights = join(dir, 'jax-mnist.safetensors');
  writeReferenceWeights(mnistClassifier(rt32, tols[0], null), x, labels, weights);
  const variants = { plain: null, r3_stages: 'stages', r3_step_random: 'stepRandom' } as const;
  const ours: Record<string, StepFigures[]> = {};
  const theirs: JaxOut[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const tol of tols) {
      for (const [name, estimator] of Object.entries(variants)) {
        (ours[`${name}@${tol}`] ??= []).push(step(mnistClassifier(rt32, tol, estimator), x, labels, reps));
      }
    }
    theirs.push(runJax(weights, tols, reps));
  }
  figures.jax = theirs[0].jax;
  console.log(
    `\nthe paper's JAX code (jax ${theirs[0].jax}, f32, one thread) against taynode f32 + backprop, MNIST step, batch ${BATCH} (ms, medians of ${rounds} interleaved rounds × ${reps} reps)`,
  );
  for (const tol of tols) {
    // (the script names a variant `${v}@${tol:g}` in Python's format: 1.4e-08)
    const variant = (o: JaxOut, v: string) => {
      const found = Object.entries(o.variants).find(
        ([k]) => k.startsWith(`${v}@`) && Number(k.slice(v.length + 1)) === tol,
      );
      if (!found)
        throw new Error(`the JAX reference reported no ${v} at ${tol}: ${Object.keys(o.variants).join(', ')}`);
      return found[1];
    };
    const j = (v: string) => median(theirs.map((o) => variant(o, v).ms));
    const jv = (v: string) => variant(theirs[0], v);
    const t = (v: string) => median(ours[`${v}@${tol}`].map((f) => f.ms));
    const key = tol === 1.4e-8 ? 'jax' : `jax.tol${tol}`;
    const plain = +(j('plain') / t('plain')).toFixed(3);
    const r3 = +(j('r3_auxone') / t('r3_step_random')).toFixed(3);
    const r3Exact = +(j('r3_auxone') / t('r3_stages')).toFixed(3);
    figures[`${key}.plain_step_vs_taynode`] = plain;
    figures[`${key}.r3_step_vs_taynode`] = r3;
    figures[`${key}.r3_step_vs_taynode_exact`] = r3Exact;
    figures[`${key}.details`] = {
      jax_plain: {
        ms: +j('plain').toPrecision(4),
        nfe: [jv('plain').nfe_forward, jv('plain').nfe_backward],
        loss: jv('plain').loss,
      },
      jax_r3_auxone: {
        ms: +j('r3_auxone').toPrecision(4),
        nfe: [jv('r3_auxone').nfe_forward, jv('r3_auxone').nfe_backward],
        loss: jv('r3_auxone').loss,
      },
      ...Object.fromEntries(
        Object.keys(variants).map((v) => [
          `taynode_${v}`,
          { ms: +t(v).toPrecision(4), nfe: ours[`${v}@${tol}`][0].nfe, loss: ours[`${v}@${tol}`][0].loss },
        ]),
      ),
    };
    console.log(
      `  rtol = atol = ${tol}: plain JAX ${j('plain').toFixed(1)} (NFE ${jv('plain').nfe_forward}/${jv('plain').nfe_backward}) vs taynode ${t('plain').toFixed(1)} (NFE ${ours[`plain@${tol}`][0].nfe}): ${plain}×;` +
        ` R_3 JAX aux_one ${j('r3_auxone').toFixed(1)} vs taynode stepRandom ${t('r3_step_random').toFixed(1)}: ${r3}×, exact (stages) ${t('r3_stages').toFixed(1)}: ${r3Exact}×`,
    );
  }
}
