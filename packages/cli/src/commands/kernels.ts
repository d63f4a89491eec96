// `taynode kernels`: a quick look at the WASM SIMD kernels against plain JS on this machine.
import type { Command } from 'commander';
import { runtime, Tensor, Rng } from 'taynode';
import { integer, positiveInt } from '../parsers.js';

export function registerKernelsCommand(program: Command): void {
  program
    .command('kernels')
    .description('time a dense GEMM in the wasm kernels and in a plain-JS loop, side by side')
    .option('--size <n>', 'square matrix size', positiveInt, 128)
    .option('--seed <n>', 'seed for the random matrices', integer, 0)
    .action((opts: { size: number; seed: number }) => {
      const n = opts.size;
      const { arena, kernels } = runtime();
      const rng = new Rng(opts.seed);
      const a = Tensor.from(arena, rng.fill(new Float64Array(n * n)), n, n);
      const b = Tensor.from(arena, rng.fill(new Float64Array(n * n)), n, n);
      const c = Tensor.empty(arena, n, n);
      const time = (fn: () => void) => {
        fn();
        let reps = 0;
        const start = performance.now();
        while (performance.now() - start < 300) {
          fn();
          reps++;
        }
        return (performance.now() - start) / reps;
      };
      const wasmMs = time(() => kernels.gemm_nn(c.offset, a.offset, b.offset, 0, n, n, n, 0));
      const ad = a.toFloat64Array(),
        bd = b.toFloat64Array(),
        cd = new Float64Array(n * n);
      const jsMs = time(() => {
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let p = 0; p < n; p++) s += ad[i * n + p] * bd[p * n + j];
            cd[i * n + j] = s;
          }
      });
      const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e6);
      console.log(
        JSON.stringify({
          size: n,
          wasm_gflops: +gflops(wasmMs).toFixed(2),
          plain_js_gflops: +gflops(jsMs).toFixed(2),
          speedup: +(jsMs / wasmMs).toFixed(1),
        }),
      );
    });
}
