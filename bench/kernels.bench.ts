// GEMM GFLOP/s per variant at MLP sizes and activation throughput, each beside a plain-JS loop timed in
// the same run (interleaved rounds, best of several), so the ratios survive a noisy shared machine.
import v8 from 'node:v8';
import { createRuntimeSync, kernelWasmBytes, runtime, type Runtime } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { writeResults } from './results-file.js';
import { bestMsPerCall as time } from './timing.js';

type Variant = 'gemm_nn' | 'gemm_nt' | 'gemm_tn';
const VARIANTS: Variant[] = ['gemm_nn', 'gemm_nt', 'gemm_tn'];
/** [m, n, k]: batch × output width × input width, as a dense layer sees them */
const SHAPES: [number, number, number][] = [
  [128, 256, 256],
  [100, 784, 100],
  [100, 100, 784],
  [256, 64, 64],
  [256, 2, 64],
  [256, 64, 2],
  [2, 64, 256],
  [8, 8, 8],
];

/** The plain-JS triple loop the kernels are compared with (dot-product order, no blocking). */
function plainGemm(
  variant: Variant,
  c: Float64Array,
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (variant === 'gemm_nn') for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      else if (variant === 'gemm_nt') for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
      else for (let p = 0; p < k; p++) s += a[p * m + i] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
}

function benchGemm(figures: Record<string, number>): void {
  const { arena, kernels } = runtime();
  const rng = new Rng(7);
  console.log('GEMM (GFLOP/s; ratio = wasm ÷ plain-JS triple loop)');
  console.log('shape (m×n×k)  ' + VARIANTS.map((v) => `${v.padEnd(8)} wasm    js  ratio`).join(' | '));
  for (const [m, n, k] of SHAPES) {
    arena.scope(() => {
      const a = rng.fill(new Float64Array(m * k)),
        b = rng.fill(new Float64Array(k * n)),
        bias = rng.fill(new Float64Array(n));
      const pa = arena.alloc(m * k),
        pb = arena.alloc(k * n),
        pc = arena.alloc(m * n),
        pbias = arena.alloc(n);
      arena.f64.set(a, pa / 8);
      arena.f64.set(b, pb / 8);
      arena.f64.set(bias, pbias / 8);
      const c = new Float64Array(m * n);
      const flop = 2 * m * n * k;
      const cells: string[] = [];
      for (const v of VARIANTS) {
        let wasm = Infinity,
          js = Infinity;
        // Many short interleaved windows: the best of them is the least disturbed by other processes.
        for (let round = 0; round < 6; round++) {
          wasm = Math.min(
            wasm,
            time(() => kernels[v](pc, pa, pb, pbias, m, n, k, 0), 20, 3),
          );
          js = Math.min(
            js,
            time(() => plainGemm(v, c, a, b, m, n, k), 20, 3),
          );
        }
        const key = `${v}_${m}x${n}x${k}`;
        figures[`${key}_gflops`] = round2(flop / (wasm * 1e6));
        figures[`${key}_plain_js_gflops`] = round2(flop / (js * 1e6));
        figures[`${v}_vs_plain_js_${m}x${n}x${k}`] = round2(js / wasm);
        cells.push(`${' '.repeat(8)}${fmt(flop / (wasm * 1e6))} ${fmt(flop / (js * 1e6))} ${fmt(js / wasm)}`);
      }
      console.log(`${`${m}×${n}×${k}`.padEnd(14)} ${cells.join(' | ')}`);
    });
  }
}

/** The f32 variants at the same shapes, beside the f64 kernel in the same run (f32 inputs; bias f32). */
function benchGemmF32(figures: Record<string, number>): void {
  const { arena, kernels } = runtime();
  const rng = new Rng(9);
  console.log('\nGEMM f32 (GFLOP/s; ratio = f32 ÷ the f64 kernel, same shape, same run)');
  for (const [m, n, k] of SHAPES) {
    arena.scope(() => {
      const pa = arena.alloc(m * k),
        pb = arena.alloc(k * n),
        pc = arena.alloc(m * n),
        pbias = arena.alloc(n);
      const f32 = new Float32Array(kernels.memory.buffer);
      for (const [p, len] of [
        [pa, m * k],
        [pb, k * n],
        [pbias, n],
      ])
        f32.set(rng.fill(new Float64Array(len)), p / 4);
      const flop = 2 * m * n * k;
      const cells: string[] = [];
      for (const v of VARIANTS) {
        const v32 = `${v}_f32` as 'gemm_nn_f32';
        let f32t = Infinity,
          f64t = Infinity;
        for (let round = 0; round < 6; round++) {
          f32t = Math.min(
            f32t,
            time(() => kernels[v32](pc, pa, pb, pbias, m, n, k, 0), 20, 3),
          );
          f64t = Math.min(
            f64t,
            time(() => kernels[v](pc, pa, pb, pbias, m, n, k, 0), 20, 3),
          );
        }
        figures[`${v32}_${m}x${n}x${k}_gflops`] = round2(flop / (f32t * 1e6));
        figures[`${v32}_vs_f64_${m}x${n}x${k}`] = round2(f64t / f32t);
        cells.push(`${v32} ${fmt(flop / (f32t * 1e6))} ${fmt(f64t / f32t)}×`);
      }
      console.log(`${`${m}×${n}×${k}`.padEnd(14)} ${cells.join(' | ')}`);
    });
  }
  figures.gemm_f32_128x256x256_gflops = figures.gemm_nn_f32_128x256x256_gflops;
}

/** ns per value of the f32 activations and VJPs against their f64 twins, same inputs, same run. */
function benchActivationsF32(figures: Record<string, number>): void {
  const { arena, kernels } = runtime();
  const rng = new Rng(10);
  console.log(`\nf32 activations on ${N} values (ns per value; beside the f64 kernel)`);
  arena.scope(() => {
    const x = rng.fill(new Float64Array(N), (r) => r.uniformIn(-4, 4));
    const px = arena.alloc(N),
      py = arena.alloc(N),
      pdy = arena.alloc(N),
      pdx = arena.alloc(N);
    const px32 = arena.alloc(N),
      py32 = arena.alloc(N),
      pdy32 = arena.alloc(N),
      pdx32 = arena.alloc(N);
    arena.f64.set(x, px / 8);
    arena.f64.set(x, pdy / 8);
    const f32 = new Float32Array(kernels.memory.buffer);
    f32.set(x, px32 / 4);
    f32.set(x, pdy32 / 4);
    // (the vjps of softplus, sin, cos and square read x; y is as good an input for timing)
    for (const name of ['tanh', 'sigmoid', 'exp', 'relu', 'softplus', 'sin', 'cos', 'square'] as const) {
      const fwd64 = kernels[`${name}_fwd`],
        fwd32 = kernels[`${name}_fwd_f32`];
      const vjp64 = kernels[`${name}_vjp`],
        vjp32 = kernels[`${name}_vjp_f32`];
      let a = Infinity,
        b = Infinity,
        c = Infinity,
        d = Infinity;
      for (let round = 0; round < 6; round++) {
        a = Math.min(
          a,
          time(() => fwd32(py32, px32, N), 15, 3),
        );
        b = Math.min(
          b,
          time(() => fwd64(py, px, N), 15, 3),
        );
        c = Math.min(
          c,
          time(() => vjp32(pdx32, py32, pdy32, N), 15, 3),
        );
        d = Math.min(
          d,
          time(() => vjp64(pdx, py, pdy, N), 15, 3),
        );
      }
      const ns = (ms: number) => (ms * 1e6) / N;
      figures[`${name}_f32_ns`] = round2(ns(a));
      figures[`${name}_f64_ns`] = round2(ns(b));
      figures[`${name}_vjp_f32_ns`] = round2(ns(c));
      figures[`${name}_vjp_f64_ns`] = round2(ns(d));
      console.log(
        `${name.padEnd(9)} fwd f32 ${fmt(ns(a))}  f64 ${fmt(ns(b))}   vjp f32 ${fmt(ns(c))}  f64 ${fmt(ns(d))}`,
      );
    }
  });
}

/**
 * The relaxed-SIMD build (fused multiply-adds in the GEMMs) against the baseline build, same shapes, same
 * run. Node 20 compiles it only with --experimental-wasm-relaxed-simd, set here by v8.setFlagsFromString
 * after every other table (the relaxed module is passed explicitly, so the shared runtime stays baseline).
 */
function benchRelaxed(figures: Record<string, number>): void {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  let relaxed: Runtime;
  try {
    relaxed = createRuntimeSync({ module: new WebAssembly.Module(kernelWasmBytes('relaxed') as BufferSource) });
  } catch (e) {
    console.log(`\nrelaxed SIMD build: not measured (${(e as Error).message})`);
    return;
  }
  const baseline = runtime();
  const rng = new Rng(11);
  console.log('\nGEMM, relaxed-SIMD build vs baseline build (GFLOP/s; ratio = relaxed ÷ baseline)');
  for (const [m, n, k] of SHAPES.slice(0, 4)) {
    const cells: string[] = [];
    for (const suffix of ['', '_f32'] as const) {
      const v = `gemm_nn${suffix}` as 'gemm_nn';
      const setup = (rt: Runtime) => {
        const pa = rt.arena.alloc(m * k),
          pb = rt.arena.alloc(k * n),
          pc = rt.arena.alloc(m * n);
        const a = rng.fill(new Float64Array(m * k)),
          b = rng.fill(new Float64Array(k * n));
        if (suffix) {
          const f32 = new Float32Array(rt.kernels.memory.buffer);
          f32.set(a, pa / 4);
          f32.set(b, pb / 4);
        } else {
          rt.arena.f64.set(a, pa / 8);
          rt.arena.f64.set(b, pb / 8);
        }
        return () => rt.kernels[v](pc, pa, pb, 0, m, n, k, 0);
      };
      const mark = [relaxed.arena.mark(), baseline.arena.mark()];
      const fr = setup(relaxed),
        fb = setup(baseline);
      let tr = Infinity,
        tb = Infinity;
      for (let round = 0; round < 6; round++) {
        tr = Math.min(tr, time(fr, 20, 3));
        tb = Math.min(tb, time(fb, 20, 3));
      }
      relaxed.arena.reset(mark[0]);
      baseline.arena.reset(mark[1]);
      const flop = 2 * m * n * k;
      const key = `${v}_relaxed_${m}x${n}x${k}`;
      figures[`${key}_gflops`] = round2(flop / (tr * 1e6));
      figures[`${key}_vs_baseline`] = round2(tb / tr);
      cells.push(`${v.padEnd(11)} ${fmt(flop / (tr * 1e6))} vs ${fmt(flop / (tb * 1e6))} ${fmt(tb / tr)}×`);
    }
    console.log(`${`${m}×${n}×${k}`.padEnd(14)} ${cells.join(' | ')}`);
  }
  figures.gemm_f32_relaxed_128x256x256_gflops = figures.gemm_nn_f32_relaxed_128x256x256_gflops;
  console.log(`\nActivations on ${N} values, relaxed-SIMD build vs baseline build (ns per value)`);
  for (const name of [
    'tanh_fwd',
    'sigmoid_fwd',
    'exp_fwd',
    'softplus_fwd',
    'tanh_fwd_f32',
    'sigmoid_fwd_f32',
    'exp_fwd_f32',
  ] as const) {
    const f32 = name.endsWith('_f32');
    const setup = (rt: Runtime) => {
      const px = rt.arena.alloc(N),
        py = rt.arena.alloc(N);
      const x = rng.fill(new Float64Array(N), (r) => r.uniformIn(-4, 4));
      if (f32) new Float32Array(rt.kernels.memory.buffer).set(x, px / 4);
      else rt.arena.f64.set(x, px / 8);
      return () => rt.kernels[name](py, px, N);
    };
    const mark = [relaxed.arena.mark(), baseline.arena.mark()];
    const fr = setup(relaxed),
      fb = setup(baseline);
    let tr = Infinity,
      tb = Infinity;
    for (let round = 0; round < 6; round++) {
      tr = Math.min(tr, time(fr, 15, 3));
      tb = Math.min(tb, time(fb, 15, 3));
    }
    relaxed.arena.reset(mark[0]);
    baseline.arena.reset(mark[1]);
    const key = `${name.replace('_fwd', '')}_relaxed_ns`;
    figures[key] = round2((tr * 1e6) / N);
    console.log(
      `${name.padEnd(16)} relaxed ${fmt((tr * 1e6) / N)}  baseline ${fmt((tb * 1e6) / N)}  ratio ${fmt(tb / tr)}`,
    );
  }
}

const N = 4096;
/** One explicit loop per function keeps each call site monomorphic, as hand-written JS would be. */
const JS_LOOPS: Record<string, (y: Float64Array, x: Float64Array) => void> = {
  tanh: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },
  sigmoid: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  },
  softplus: (y, x) => {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    }
  },
  exp: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  },
  log: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]);
  },
  sin: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]);
  },
  cos: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.cos(x[i]);
  },
  relu: (y, x) => {
    for (let i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0);
  },
};

function benchActivations(figures: Record<string, number>): void {
  const { arena, kernels } = runtime();
  const rng = new Rng(8);
  console.log(`\nActivations on ${N} values (ns per value; ratio = Math.* loop ÷ wasm)`);
  arena.scope(() => {
    const x = rng.fill(new Float64Array(N), (r) => r.uniformIn(0.01, 4));
    for (let i = 0; i < N; i += 2) x[i] = -x[i]; // mixed signs; log gets |x|
    const xLog = x.map(Math.abs);
    const px = arena.alloc(N),
      pxLog = arena.alloc(N),
      py = arena.alloc(N);
    arena.f64.set(x, px / 8);
    arena.f64.set(xLog, pxLog / 8);
    const y = new Float64Array(N);
    for (const [name, loop] of Object.entries(JS_LOOPS)) {
      const input = name === 'log' ? xLog : x,
        pin = name === 'log' ? pxLog : px;
      const kernel = kernels[`${name}_fwd` as 'tanh_fwd'];
      let wasm = Infinity,
        js = Infinity;
      for (let round = 0; round < 6; round++) {
        wasm = Math.min(
          wasm,
          time(() => kernel(py, pin, N), 15, 3),
        );
        js = Math.min(
          js,
          time(() => loop(y, input), 15, 3),
        );
      }
      figures[`${name}_ns_per_value`] = round2((wasm * 1e6) / N);
      figures[`${name}_js_math_ns_per_value`] = round2((js * 1e6) / N);
      figures[`${name}_vs_js_math`] = round2(js / wasm);
      console.log(
        `${name.padEnd(9)} wasm ${fmt((wasm * 1e6) / N)}  js ${fmt((js * 1e6) / N)}  ratio ${fmt(js / wasm)}`,
      );
    }
  });
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const fmt = (v: number) => v.toFixed(2).padStart(6);

export async function run(): Promise<void> {
  const figures: Record<string, number> = {};
  benchGemm(figures);
  benchGemmF32(figures);
  benchActivations(figures);
  benchActivationsF32(figures);
  benchRelaxed(figures);
  writeResults('kernels', figures);
}
