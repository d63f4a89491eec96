// Why two workers do not make an MNIST step 2× faster: the same work timed in one worker alone and in
// two workers at once. Each worker instantiates the kernels itself and repeats the MNIST dynamics'
// GEMMs (batch 50, a shard: [50, 785]·[100, 785]ᵀ and [50, 101]·[784, 101]ᵀ, f64 and f32), a plain JS
// loop (the threads bench's calibration: pure ALU, no memory traffic), or a whole shard's training
// step (the MNIST model's objective on 50 rows, dopri5 1e-5, through the built bundle: everything a
// pool's worker does but the messages). slowdown = the work's time while the other core runs the same
// ÷ its time alone (1.0 = the cores do not interfere).
//   npm run bench -- contention        (CONTENTION_ROUNDS=N, default 7)
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { writeResults } from './results-file.js';
import { median } from './timing.js';
import { mnistSpec } from '../packages/cli/src/experiments/mnist/model.js';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
let step;
const ready = import(workerData.bundle).then((t) => {
  const rt = t.createRuntimeSync();
  const model = t.Model.create(rt, workerData.spec, new t.Rng(0));
  const rng = new t.Rng(1);
  const x = new Float64Array(50 * 784).map(() => rng.uniform()), y = new Float64Array(50).map(() => rng.int(10));
  step = () => model.objective(x, y, { loss: t.softmaxCrossEntropyLoss });
});
const { exports: k } = new WebAssembly.Instance(new WebAssembly.Module(workerData.wasm), {});
const rows = 50, hidden = 100, pixels = 784;
const align = (x) => Math.ceil(x / 16) * 16;
const sizes = [rows * (pixels + 1), hidden * (pixels + 1), rows * hidden, rows * (hidden + 1), pixels * (hidden + 1), rows * pixels];
const base = align(k.heapBase());
const bytes = 8 * sizes.reduce((a, b) => a + align(b), 0) + 1024;
const have = k.memory.buffer.byteLength;
if (base + bytes > have) k.memory.grow(Math.ceil((base + bytes - have) / 65536));
const ptr = []; let at = base;
for (const n of sizes) { ptr.push(at); at += 8 * align(n); }
const f64 = new Float64Array(k.memory.buffer), f32 = new Float32Array(k.memory.buffer);
for (let i = base / 8; i < at / 8; i++) f64[i] = 0.001 * ((i * 7919) % 1000) - 0.5;
for (let i = base / 4; i < at / 4; i++) f32[i] = 0.001 * ((i * 7919) % 1000) - 0.5;
const [x, w1, h, h1, w2, y] = ptr;
const work = {
  gemm_f64(n) { for (let i = 0; i < n; i++) { k.gemm_nt(h, x, w1, 0, rows, hidden, pixels + 1, 0); k.gemm_nt(y, h1, w2, 0, rows, pixels, hidden + 1, 0); } },
  gemm_f32(n) { for (let i = 0; i < n; i++) { k.gemm_nt_f32(h, x, w1, 0, rows, hidden, pixels + 1, 0); k.gemm_nt_f32(y, h1, w2, 0, rows, pixels, hidden + 1, 0); } },
  js_loop(n) { let s = 0; for (let i = 0; i < n * 20000; i++) s += (i * 2654435761) % 7; return s; },
  mnist_shard(n) { for (let i = 0; i < n; i++) step(); },
};
parentPort.on('message', async ({ kind, n }) => { await ready; const t = performance.now(); work[kind](n); parentPort.postMessage(performance.now() - t); });
`;

const KINDS = [
  ['gemm_f64', 300],
  ['gemm_f32', 600],
  ['js_loop', 300],
  ['mnist_shard', 4],
] as const;

export async function run(): Promise<void> {
  const rounds = Number(process.env.CONTENTION_ROUNDS ?? 7);
  const wasm = readFileSync(fileURLToPath(new URL('../build/taynode.wasm', import.meta.url)));
  const spec = mnistSpec({ order: 3, lambda: 0, method: 'dopri5', tol: 1e-5 });
  spec.blocks[0].solver = { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state', maxSteps: 20_000 };
  const bundle = new URL('../build/index.js', import.meta.url).href;
  const workers = [0, 1].map(() => new Worker(WORKER, { eval: true, workerData: { wasm, spec, bundle } }));
  const ask = (w: Worker, kind: string, n: number) =>
    new Promise<number>((resolve) => {
      w.once('message', resolve);
      w.postMessage({ kind, n });
    });
  const load = loadavg();
  console.log(
    `one worker alone against two at once, ${rounds} interleaved rounds; load average ${load.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const figures: Record<string, unknown> = {};
  try {
    for (const [kind, n] of KINDS) await Promise.all(workers.map((w) => ask(w, kind, Math.ceil(n / 4)))); // warm-up (tier-up)
    for (const [kind, n] of KINDS) {
      const alone: number[] = [],
        together: number[] = [];
      for (let r = 0; r < rounds; r++) {
        alone.push(await ask(workers[r % 2], kind, n));
        const both = await Promise.all(workers.map((w) => ask(w, kind, n)));
        together.push(Math.max(...both));
      }
      const slowdown = median(together) / median(alone);
      figures[kind] = {
        alone_ms: +median(alone).toFixed(2),
        together_ms: +median(together).toFixed(2),
        slowdown: +slowdown.toFixed(3),
        calls: n,
      };
      console.log(
        `  ${kind.padEnd(9)} alone ${median(alone).toFixed(1)} ms, both cores busy ${median(together).toFixed(1)} ms → ${slowdown.toFixed(2)}× slower`,
      );
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  writeResults('contention', {
    ...figures,
    load_average: load.map((l) => +l.toFixed(2)),
    command: 'npm run bench -- contention',
  });
}
