// Run by relaxed.test.ts in a child Node started with --experimental-wasm-relaxed-simd: the default
// runtime is the relaxed build, and its results agree with the baseline build's (forced in the same
// process) to rounding. Prints one JSON line.
import { createRuntimeSync, relaxedSimdSupported, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';

const relaxed = createRuntimeSync();
const baseline = createRuntimeSync({ kernels: 'baseline' });
const rng = new Rng(61);
const out: Record<string, unknown> = {
  supported: relaxedSimdSupported(),
  build: relaxed.build,
  baselineBuild: baseline.build,
};

/** Worst |relaxed − baseline| / Σ|a·b| over C, both precisions, every variant, awkward shapes. */
let worst64 = 0,
  worst32 = 0,
  differ = 0;
for (const [m, n, k] of [
  [1, 1, 1],
  [7, 3, 300],
  [129, 64, 7],
  [64, 129, 257],
  [5, 9, 17],
]) {
  const a = Array.from({ length: m * k }, () => rng.uniformIn(-1, 1)),
    b = Array.from({ length: k * n }, () => rng.uniformIn(-1, 1));
  for (const v of ['gemm_nn', 'gemm_nt', 'gemm_tn'] as const) {
    const run = (rt: Runtime, f32: boolean) =>
      rt.arena.scope(() => {
        const pa = rt.arena.alloc(m * k),
          pb = rt.arena.alloc(k * n),
          pc = rt.arena.alloc(m * n);
        if (f32) {
          const view = new Float32Array(rt.kernels.memory.buffer);
          view.set(a, pa / 4);
          view.set(b, pb / 4);
          rt.kernels[`${v}_f32`](pc, pa, pb, 0, m, n, k, 0);
          return Float64Array.from(new Float32Array(rt.kernels.memory.buffer, pc, m * n));
        }
        rt.arena.f64.set(a, pa / 8);
        rt.arena.f64.set(b, pb / 8);
        rt.kernels[v](pc, pa, pb, 0, m, n, k, 0);
        return rt.arena.f64.slice(pc / 8, pc / 8 + m * n);
      });
    for (const f32 of [false, true]) {
      const x = run(relaxed, f32),
        y = run(baseline, f32);
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) differ++;
        const e = Math.abs(x[i] - y[i]) / k; // |a·b| ≤ 1: Σ|terms| ≤ k
        if (f32) worst32 = Math.max(worst32, e);
        else worst64 = Math.max(worst64, e);
      }
    }
  }
}
Object.assign(out, { worst64, worst32, differ });

// Activations (multiply-adds in exp's reduction and polynomials): worst relative difference between the
// builds per kernel, over [−30, 30] and the exp/log ranges.
const activations: Record<string, number> = {};
const xs = Array.from({ length: 4001 }, () => rng.uniformIn(-30, 30)).concat(
  Array.from({ length: 2001 }, () => rng.uniformIn(-700, 700)),
);
for (const name of [
  'tanh_fwd',
  'sigmoid_fwd',
  'softplus_fwd',
  'exp_fwd',
  'log_fwd',
  'sin_fwd',
  'cos_fwd',
  'tanh_fwd_f32',
  'sigmoid_fwd_f32',
  'exp_fwd_f32',
] as const) {
  const f32 = name.endsWith('_f32');
  const input =
    name === 'log_fwd' ? xs.map((v) => Math.exp(v)) : f32 && name.startsWith('exp') ? xs.map((v) => v / 9) : xs;
  const run = (rt: Runtime) =>
    rt.arena.scope(() => {
      const px = rt.arena.alloc(input.length),
        py = rt.arena.alloc(input.length);
      if (f32) new Float32Array(rt.kernels.memory.buffer).set(input, px / 4);
      else rt.arena.f64.set(input, px / 8);
      rt.kernels[name](py, px, input.length);
      return f32
        ? Float64Array.from(new Float32Array(rt.kernels.memory.buffer, py, input.length))
        : rt.arena.f64.slice(py / 8, py / 8 + input.length);
    });
  const x = run(relaxed),
    y = run(baseline);
  let worst = 0;
  for (let i = 0; i < x.length; i++)
    if (y[i] !== 0 && Number.isFinite(y[i]) && Math.abs(y[i]) > (f32 ? 1e-37 : 1e-307))
      worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.abs(y[i]));
  activations[name] = worst;
}
out.activations = activations;

// A whole solve and gradient on each build: the MNIST-shaped layers in small.
const config = { mlp: { widths: [9, 17, 9], activation: 'sigmoid' as const }, solver: { rtol: 1e-8, atol: 1e-8 } };
const z0 = Float64Array.from({ length: 5 * 9 }, () => rng.uniformIn(-1, 1)),
  target = new Float64Array(z0.length);
const results = [relaxed, baseline].map((rt) => {
  const model = NeuralOde.create(rt, config, new Rng(3));
  const r = model.objective(z0, target);
  return { z1: Array.from(r.z1), grad: Array.from(model.params[0].grad.data), nfe: r.nfeForward };
});
const rel = (p: number[], q: number[]) =>
  Math.max(...p.map((v, i) => Math.abs(v - q[i]))) / Math.max(...q.map(Math.abs));
Object.assign(out, {
  solveZ1RelDiff: rel(results[0].z1, results[1].z1),
  gradRelDiff: rel(results[0].grad, results[1].grad),
  nfe: [results[0].nfe, results[1].nfe],
});
console.log(JSON.stringify(out));
