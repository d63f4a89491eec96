// A/B timing of activation kernels between two builds of the module, interleaved in one process:
//   node --experimental-wasm-relaxed-simd scripts/activations-ab.mjs <dirA> <dirB> [names]
// e.g. build main's kernels into /tmp/before (git worktree + npm run build) and compare with build/.
// Each kernel runs on 4096 values in [−4, 4]; the figure is the best of 40 interleaved ~5 ms windows,
// ns per value, for the baseline and the relaxed-SIMD build (the latter where the host can compile it).
import { readFileSync } from 'node:fs';

const [dirA, dirB, namesArg = 'sigmoid_fwd_f32,tanh_fwd_f32,sigmoid_fwd,tanh_fwd'] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: activations-ab.mjs <dirA> <dirB> [comma-separated kernel names]');
const N = 4096;

function setup(dir, file) {
  const e = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(`${dir}/${file}`)), { env: { abort() {} } })
    .exports;
  const base = (e.heapBase() + 15) & ~15;
  e.memory.grow(4);
  const f64 = new Float64Array(e.memory.buffer),
    f32 = new Float32Array(e.memory.buffer);
  const px = base,
    py = px + N * 8,
    px32 = py + N * 8,
    py32 = px32 + N * 4;
  for (let i = 0; i < N; i++) {
    const v = -4 + 8 * ((i * 0.6180339887) % 1);
    f64[px / 8 + i] = v;
    f32[px32 / 4 + i] = v;
  }
  return (name) => (name.includes('_f32') ? () => e[name](py32, px32, N) : () => e[name](py, px, N));
}

function msPerCall(fn) {
  for (let i = 0; i < 3; i++) fn();
  let reps = 0;
  const start = performance.now();
  do {
    fn();
    reps++;
  } while (performance.now() - start < 5);
  return (performance.now() - start) / reps;
}

for (const file of ['taynode.wasm', 'taynode-relaxed.wasm']) {
  let a, b;
  try {
    a = setup(dirA, file);
    b = setup(dirB, file);
  } catch (err) {
    console.log(`${file}: not run (${err.message})`);
    continue;
  }
  for (const name of namesArg.split(',')) {
    const fa = a(name),
      fb = b(name);
    let ta = Infinity,
      tb = Infinity;
    for (let r = 0; r < 40; r++) {
      ta = Math.min(ta, msPerCall(fa));
      tb = Math.min(tb, msPerCall(fb));
    }
    console.log(
      `${file.padEnd(21)} ${name.padEnd(16)} A ${((ta * 1e6) / N).toFixed(2)}  B ${((tb * 1e6) / N).toFixed(2)} ns/value`,
    );
  }
}
