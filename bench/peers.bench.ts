// taynode against the peer a user would pick instead, PyTorch + torchdiffeq (../shared/peers/torch_peer.py),
// on the same weights and initial states, one thread each, the two programs' runs interleaved.
// Ratios are torch time / taynode time (> 1: taynode faster). taynode runs in f64 and (keys *_f32_vs_*)
// in an f32 runtime on the same weights rounded to f32; the peer in f64 and in f32 (what its users train in).
//
// The peer needs `python3` with torch importable (e.g. `PYTHONPATH=/work/pydeps npm run bench -- peers`
// after `python3 -m pip install --target /work/pydeps torch`); without it the peer side is skipped with a
// message and only taynode's figures are written. PEER_PYTHON overrides the interpreter, PEER_ROUNDS
// (default 3) the number of interleaved rounds, PEER_SCRIPT the script's path, PEER_CASES the cases (mnist, small, none); PEER_RELAXED=1 runs
// taynode on its relaxed-SIMD build (Node 20 flag set here) instead of the default (baseline in Node 20).
// The paper's JAX code is timed beside it on its MNIST training step (jax-peer.ts; PEER_JAX=0 skips it).
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntimeSync, kernelWasmBytes, type Runtime } from '../src/runtime/wasm.js';
import { Tensor } from '../src/runtime/tensor.js';
import { Rng } from '../src/random.js';
import { NeuralOde, type GradientMethod } from '../src/model/neural-ode.js';
import { saveModel } from '../src/model/serialize.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { Adam } from '../src/training/adam.js';
import { readResults, writeResults } from './results-file.js';
import { jaxComparison } from './jax-peer.js';
import { median } from './timing.js';

interface Case {
  name: string;
  widths: number[];
  batch: number;
  activation: 'sigmoid' | 'tanh';
}

const ALL_CASES: Case[] = [
  // The paper's MNIST dynamics: 784 → 100 → 784, sigmoid, t concatenated before every layer.
  { name: 'mnist', widths: [784, 100, 784], batch: 100, activation: 'sigmoid' },
  { name: 'small', widths: [2, 64, 64, 2], batch: 256, activation: 'tanh' },
];
/** PEER_CASES=mnist,small (default both) picks the torch comparisons; PEER_CASES=none runs only the JAX one. */
const CASES = process.env.PEER_CASES
  ? ALL_CASES.filter((c) => process.env.PEER_CASES!.split(',').includes(c.name))
  : ALL_CASES;
const TOLERANCES = [1e-6, 1.4e-8];
const PEER_SCRIPT =
  process.env.PEER_SCRIPT ?? fileURLToPath(new URL('../../shared/peers/torch_peer.py', import.meta.url));
const PYTHON = process.env.PEER_PYTHON ?? 'python3';
const ROUNDS = Number(process.env.PEER_ROUNDS ?? 3);
const REPS = 5;

const r3 = (v: number) => +v.toPrecision(4);

/** Median milliseconds of `reps` calls after one warm-up, and the last call's result. */
function timed<T>(fn: () => T, reps = REPS): { ms: number; result: T } {
  let result = fn();
  result = fn(); // a second warm-up: the first calls also compile and size workspaces
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    result = fn();
    ms.push(performance.now() - t);
  }
  return { ms: median(ms), result };
}

function initialState(c: Case): Float64Array {
  const rng = new Rng(11);
  return new Float64Array(c.batch * c.widths[0]).map(() => rng.uniformIn(-1, 1));
}

function model(rt: Runtime, c: Case, tol: number, gradient: GradientMethod, order?: number): NeuralOde {
  return NeuralOde.create(
    rt,
    {
      mlp: { widths: c.widths, activation: c.activation },
      solver: { method: 'dopri5', rtol: tol, atol: tol },
      gradient,
      ...(order ? { regularizers: { order, lambda: 0.01 } } : {}),
    },
    new Rng(5),
  );
}

/** The model's weights and z0 as the peer reads them (F64 safetensors). */
function writeWeights(m: NeuralOde, z0: Float64Array, c: Case, path: string): void {
  const { tensors } = decodeSafetensors(saveModel(m));
  tensors.set('z0', { shape: [c.batch, c.widths[0]], data: z0 });
  writeFileSync(path, encodeSafetensors(tensors));
}

interface TaynodeFigures {
  f_ms?: number;
  solve_ms: number;
  solve_nfe: number;
  z1_sum: number;
  checkpoint_ms: number;
  checkpoint_nfe: [number, number];
  backprop_ms: number;
  backprop_nfe: [number, number];
  backprop_stored_bytes: number;
  adjoint_ms: number;
  adjoint_nfe: [number, number];
  loss: number;
  train_r3_ms: number;
  train_r3_nfe: [number, number];
}

function taynode(rt: Runtime, c: Case, tol: number, z0: Float64Array, withF: boolean): TaynodeFigures {
  const cp = model(rt, c, tol, 'checkpoint'),
    bp = model(rt, c, tol, 'backprop'),
    adj = model(rt, c, tol, 'adjoint'),
    reg = model(rt, c, tol, 'checkpoint', 3);
  const target = new Float64Array(z0.length); // loss = mean(z(t1)²), as the peer's
  const out: Partial<TaynodeFigures> = {};
  if (withF) {
    const dyn = cp.network.graph;
    const z = Tensor.from(rt.arena, z0, c.batch, c.widths[0]);
    const dz = Tensor.empty(rt.arena, c.batch, c.widths[0]);
    out.f_ms =
      timed(() => {
        for (let i = 0; i < 10; i++) dyn.f(0.3, z, dz);
      }).ms / 10;
  }
  const solve = timed(() => cp.predict(z0));
  out.solve_ms = solve.ms;
  out.solve_nfe = solve.result.stats.nfe;
  out.z1_sum = solve.result.z1.reduce((s, v) => s + v, 0);
  const fb = timed(() => cp.objective(z0, target));
  out.checkpoint_ms = fb.ms;
  out.checkpoint_nfe = [fb.result.nfeForward, fb.result.nfeBackward];
  out.loss = fb.result.dataLoss;
  // The same gradient with the forward solve's stages stored (torchdiffeq's default), no replay.
  const bb = timed(() => bp.objective(z0, target));
  out.backprop_ms = bb.ms;
  out.backprop_nfe = [bb.result.nfeForward, bb.result.nfeBackward];
  out.backprop_stored_bytes = bb.result.storedBytes;
  const ad = timed(() => adj.objective(z0, target));
  out.adjoint_ms = ad.ms;
  out.adjoint_nfe = [ad.result.nfeForward, ad.result.nfeBackward];
  // A training step with R_3 (λ = 0.01): objective + gradient + Adam update (parameters move, so each
  // call solves a slightly different problem; the peer script has no Taylor-mode regulariser).
  const adam = new Adam(rt.kernels, reg.params, { lr: 1e-4 });
  const rng = new Rng(9);
  const tr = timed(() => {
    const r = reg.objective(z0, target, { rng });
    adam.step();
    return r;
  });
  out.train_r3_ms = tr.ms;
  out.train_r3_nfe = [tr.result.nfeForward, tr.result.nfeBackward];
  return out as TaynodeFigures;
}

type PeerOut = Record<string, unknown> & {
  f_ms?: number;
  solve_ms?: number;
  solve_nfe?: number;
  z1_sum?: number;
  backprop_ms?: number;
  backprop_nfe?: number[];
  adjoint_ms?: number;
  adjoint_nfe?: number[];
  loss?: number;
  torch?: string;
};

function peer(spec: Record<string, unknown>, dir: string): PeerOut {
  const path = join(dir, 'spec.json');
  writeFileSync(path, JSON.stringify(spec));
  const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const r = spawnSync(PYTHON, [PEER_SCRIPT, path], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`the peer failed (${PYTHON} ${PEER_SCRIPT}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerOut;
}

/** null when the peer cannot run here, with the reason printed. */
function peerAvailable(): string | null {
  if (!existsSync(PEER_SCRIPT)) return `no peer script at ${PEER_SCRIPT}`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0)
    return `${PYTHON} cannot import torch (set PYTHONPATH to where it is installed, or PEER_PYTHON): ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  return null;
}

const fmtMs = (v: number | undefined) => (v === undefined ? '   —   ' : v.toFixed(2).padStart(8));

export async function run(): Promise<void> {
  const figures: Record<string, unknown> = {};
  const skip = peerAvailable();
  if (skip) console.log(`peer side SKIPPED: ${skip}`);
  const dir = mkdtempSync(join(tmpdir(), 'taynode-peers-'));
  if (process.env.PEER_RELAXED === '1') v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const rt =
    process.env.PEER_RELAXED === '1'
      ? createRuntimeSync({ module: new WebAssembly.Module(kernelWasmBytes('relaxed') as BufferSource) })
      : createRuntimeSync();
  const build = process.env.PEER_RELAXED === '1' ? 'relaxed' : rt.build;
  figures.taynode_build = build;
  // The f32 side: its own runtime (same build); model() there rounds the same initial weights to f32.
  const rt32 = createRuntimeSync(
    process.env.PEER_RELAXED === '1'
      ? { module: new WebAssembly.Module(kernelWasmBytes('relaxed') as BufferSource), dtype: 'float32' }
      : { dtype: 'float32' },
  );
  console.log(`taynode kernels: ${build} build`);
  try {
    for (const c of CASES) {
      const z0 = initialState(c);
      writeWeights(model(rt, c, 1e-6, 'checkpoint'), z0, c, join(dir, `${c.name}.safetensors`));
      const base = {
        weights: join(dir, `${c.name}.safetensors`),
        activation: c.activation,
        concat_time: true,
        activate_input: false,
        t: [0, 1],
        threads: 1,
        reps: REPS,
      };
      if (!skip) {
        // Matched setup: one midpoint step on [0, 1] on both sides (no step-size control to differ; torchdiffeq's
        // rk4 is the 3/8 rule, taynode's the classic one), f64.
        const p = peer({ ...base, method: 'midpoint', what: ['solve'], reps: 1 }, dir);
        const m = NeuralOde.create(
          rt,
          { mlp: { widths: c.widths, activation: c.activation }, solver: { method: 'midpoint', steps: 1 } },
          new Rng(5),
        );
        const z1 = m.predict(z0).z1;
        const sum = z1.reduce((s, v) => s + v, 0);
        const rel = Math.abs(sum - p.z1_sum!) / Math.max(1e-300, Math.abs(sum));
        figures[`${c.name}.matched_midpoint_z1_sum_rel_diff`] = rel;
        console.log(
          `${c.name}: matched check (midpoint, one step, f64): NFE ${m.predict(z0).stats.nfe} vs ${p.solve_nfe}, Σz(t1) ${sum} vs ${p.z1_sum} (relative difference ${rel.toExponential(2)}); torch ${p.torch}`,
        );
        figures.torch = p.torch;
        figures.torchdiffeq = p.torchdiffeq;
      }
      for (const tol of TOLERANCES) {
        const withF = tol === TOLERANCES[0];
        const ours: TaynodeFigures[] = [],
          ours32: TaynodeFigures[] = [],
          t64: PeerOut[] = [],
          t32: PeerOut[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          ours.push(taynode(rt, c, tol, z0, withF));
          ours32.push(taynode(rt32, c, tol, z0, withF));
          if (skip) continue;
          const what = withF ? ['f', 'solve', 'backprop', 'adjoint'] : ['solve', 'backprop', 'adjoint'];
          t64.push(peer({ ...base, rtol: tol, atol: tol, dtype: 'float64', what }, dir));
          t32.push(peer({ ...base, rtol: tol, atol: tol, dtype: 'float32', what }, dir));
        }
        const key = `${c.name}${tol === 1e-6 ? '' : '.tol1.4e-8'}`;
        const med = (xs: Record<string, unknown>[], k: string) => {
          const v = xs.map((x) => x[k]).filter((x): x is number => typeof x === 'number');
          return v.length ? median(v) : undefined;
        };
        const oursMed = (k: keyof TaynodeFigures) => med(ours as unknown as Record<string, unknown>[], k)!;
        const row = {
          taynode_f64: {
            f_ms: withF ? r3(oursMed('f_ms')) : undefined,
            solve_ms: r3(oursMed('solve_ms')),
            solve_nfe: ours[0].solve_nfe,
            checkpoint_ms: r3(oursMed('checkpoint_ms')),
            checkpoint_nfe: ours[0].checkpoint_nfe,
            backprop_ms: r3(oursMed('backprop_ms')),
            backprop_nfe: ours[0].backprop_nfe,
            backprop_stored_bytes: ours[0].backprop_stored_bytes,
            adjoint_ms: r3(oursMed('adjoint_ms')),
            adjoint_nfe: ours[0].adjoint_nfe,
            train_r3_ms: r3(oursMed('train_r3_ms')),
            train_r3_nfe: ours[0].train_r3_nfe,
            z1_sum: ours[0].z1_sum,
            loss: ours[0].loss,
          },
        } as Record<string, unknown>;
        console.log(
          `\n${c.name} [${c.widths.join('→')}] ${c.activation}, batch ${c.batch}, dopri5 rtol = atol = ${tol} (ms, medians of ${ROUNDS} interleaved rounds × ${REPS} reps)`,
        );
        console.log(
          `             ${'f'.padStart(8)} ${'solve'.padStart(8)} ${'fwd+bwd'.padStart(8)} ${'adjoint'.padStart(8)}  NFE solve / fwd+bwd / adjoint`,
        );
        const med32 = (k: keyof TaynodeFigures) => med(ours32 as unknown as Record<string, unknown>[], k)!;
        row.taynode_f32 = {
          f_ms: withF ? r3(med32('f_ms')) : undefined,
          solve_ms: r3(med32('solve_ms')),
          solve_nfe: ours32[0].solve_nfe,
          checkpoint_ms: r3(med32('checkpoint_ms')),
          checkpoint_nfe: ours32[0].checkpoint_nfe,
          backprop_ms: r3(med32('backprop_ms')),
          backprop_nfe: ours32[0].backprop_nfe,
          backprop_stored_bytes: ours32[0].backprop_stored_bytes,
          adjoint_ms: r3(med32('adjoint_ms')),
          adjoint_nfe: ours32[0].adjoint_nfe,
          train_r3_ms: r3(med32('train_r3_ms')),
          train_r3_nfe: ours32[0].train_r3_nfe,
          z1_sum: ours32[0].z1_sum,
          loss: ours32[0].loss,
        };
        const o = row.taynode_f64 as Record<string, number | number[]>;
        const o32 = row.taynode_f32 as Record<string, number | number[]>;
        for (const [label, q] of [
          ['taynode f64', o],
          ['taynode f32', o32],
        ] as const) {
          console.log(
            `${label}  ${fmtMs(q.f_ms as number)} ${fmtMs(q.solve_ms as number)} ${fmtMs(q.checkpoint_ms as number)} ${fmtMs(q.adjoint_ms as number)}  ${q.solve_nfe} / ${q.checkpoint_nfe} / ${q.adjoint_nfe}   (R_3 training step ${(q.train_r3_ms as number).toFixed(2)} ms, NFE ${q.train_r3_nfe})`,
          );
        }
        figures[`${key}.taynode_f32_z1_sum_rel_diff_f64`] = +(
          Math.abs((o32.z1_sum as number) - (o.z1_sum as number)) / Math.abs(o.z1_sum as number)
        ).toPrecision(3);
        for (const [label, q, suffix] of [
          ['f64', o, ''],
          ['f32', o32, '_f32'],
        ] as const) {
          console.log(
            `  backprop ${label} ${' '.repeat(13)} ${fmtMs(q.backprop_ms as number)}  fwd+bwd NFE ${q.backprop_nfe}, ${((q.backprop_stored_bytes as number) / 2 ** 20).toFixed(1)} MiB stored; ${((q.checkpoint_ms as number) / (q.backprop_ms as number)).toFixed(2)}× the checkpointed replay's speed`,
          );
          figures[`${key}.backprop${suffix}_speedup_vs_checkpoint`] = +(
            (q.checkpoint_ms as number) / (q.backprop_ms as number)
          ).toFixed(3);
        }
        for (const [label, runs] of [
          ['torch f64', t64],
          ['torch f32', t32],
        ] as const) {
          if (!runs.length) continue;
          const p = {
            f_ms: withF ? med(runs, 'f_ms') : undefined,
            solve_ms: med(runs, 'solve_ms'),
            solve_nfe: runs[0].solve_nfe,
            backprop_ms: med(runs, 'backprop_ms'),
            backprop_nfe: runs[0].backprop_nfe,
            adjoint_ms: med(runs, 'adjoint_ms'),
            adjoint_nfe: runs[0].adjoint_nfe,
            z1_sum: runs[0].z1_sum,
            loss: runs[0].loss,
            errors: Object.fromEntries(Object.entries(runs[0]).filter(([k]) => k.endsWith('_error'))),
          };
          row[label.replace(' ', '_')] = p;
          console.log(
            `${label.padEnd(12)} ${fmtMs(p.f_ms)} ${fmtMs(p.solve_ms)} ${fmtMs(p.backprop_ms)} ${fmtMs(p.adjoint_ms)}  ${p.solve_nfe} / ${p.backprop_nfe} / ${p.adjoint_nfe}${Object.keys(p.errors).length ? `  errors: ${JSON.stringify(p.errors)}` : ''}`,
          );
          const dt = label === 'torch f64' ? 'f64' : 'f32';
          const zrel = Math.abs(p.z1_sum! - (o.z1_sum as number)) / Math.abs(o.z1_sum as number);
          figures[`${key}.dopri5_z1_sum_rel_diff_torch_${dt}`] = +zrel.toPrecision(3);
          console.log(
            `  Σz(t1) taynode ${o.z1_sum} vs ${p.z1_sum} (relative difference ${zrel.toExponential(2)}); loss ${o.loss} vs ${p.loss}`,
          );
          const ratio = (a: number | undefined, b: number | undefined) =>
            a !== undefined && b !== undefined ? +(a / b).toFixed(3) : undefined;
          const ratios = {
            f: withF ? ratio(p.f_ms, o.f_ms as number) : undefined,
            solve: ratio(p.solve_ms, o.solve_ms as number),
            fwdbwd: ratio(p.backprop_ms, o.checkpoint_ms as number),
            fwdbwd_backprop: ratio(p.backprop_ms, o.backprop_ms as number),
            adjoint: ratio(p.adjoint_ms, o.adjoint_ms as number),
          };
          for (const [k, v] of Object.entries(ratios)) if (v !== undefined) figures[`${key}.${k}_vs_torch_${dt}`] = v;
          console.log(
            `  ratio torch/taynode (${dt}): f ${ratios.f ?? '—'}  solve ${ratios.solve}  fwd+bwd ${ratios.fwdbwd} (backprop ${ratios.fwdbwd_backprop})  adjoint ${ratios.adjoint}`,
          );
          if (dt === 'f32') {
            // taynode f32 against torch f32: like against like.
            const ratios32 = {
              f: withF ? ratio(p.f_ms, o32.f_ms as number) : undefined,
              solve: ratio(p.solve_ms, o32.solve_ms as number),
              fwdbwd: ratio(p.backprop_ms, o32.checkpoint_ms as number),
              fwdbwd_backprop: ratio(p.backprop_ms, o32.backprop_ms as number),
              adjoint: ratio(p.adjoint_ms, o32.adjoint_ms as number),
            };
            for (const [k, v] of Object.entries(ratios32))
              if (v !== undefined) figures[`${key}.${k}_f32_vs_torch_f32`] = v;
            console.log(
              `  ratio torch f32/taynode f32: f ${ratios32.f ?? '—'}  solve ${ratios32.solve}  fwd+bwd ${ratios32.fwdbwd} (backprop ${ratios32.fwdbwd_backprop})  adjoint ${ratios32.adjoint}`,
            );
          }
        }
        figures[`${key}.details`] = row;
      }
    }
    // The paper's own code (JAX) on its MNIST training step: PEER_JAX=0 leaves it out.
    if (process.env.PEER_JAX !== '0') jaxComparison(rt32, dir, figures, ROUNDS, REPS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // From the kernel benchmark and the threads benchmark when they have been run (not re-measured here).
  const results = fileURLToPath(new URL('./results/', import.meta.url));
  const read = (name: string) => {
    try {
      return JSON.parse(readFileSync(`${results}${name}.json`, 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const kernels = read('kernels'),
    threads = read('threads');
  for (const k of ['gemm_f32_128x256x256_gflops', 'sigmoid_f32_ns', 'sigmoid_f64_ns']) figures[k] = kernels[k] ?? null;
  figures['mnist.threads2_speedup'] = threads['mnist.threads2_speedup'] ?? null;
  figures.peer = skip
    ? `skipped: ${skip}`
    : 'PyTorch + torchdiffeq (../shared/peers/torch_peer.py), one thread, interleaved';
  // A partial run (PEER_CASES, PEER_JAX=0) keeps the previous file's figures of the parts it left out,
  // named with that file's date, so one part can be re-measured without losing the others.
  const previous = readResults('peers');
  const kept = Object.keys(previous.figures).filter((k) => !(k in figures) && k !== 'carried_over');
  for (const k of kept) figures[k] = previous.figures[k];
  if (kept.length) figures.carried_over = { from: previous.meta, keys: kept };
  writeResults('peers', figures);
}
