// What f32 end to end would buy on the MNIST dynamics before it is plumbed through the models: the
// dynamics' forward pass (784+1 → 100 → sigmoid → 100+1 → 784) and its VJP (parameter and input
// cotangents) written directly with the f64 kernels and with their f32 twins, timed side by side.
// The time column is held in the operands' last column (no concatenation copy on either side), so
// these are the kernels' share of f and of one VJP, not a whole solve. Compare with `f_ms` of
// bench/results/peers.json (taynode's real f, and PyTorch's).
import { runtime } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { writeResults } from './results-file.js';
import { bestMsPerCall } from './timing.js';

const time = (fn: () => void) => bestMsPerCall(fn, 25, 4);

const [BATCH, D, H] = [100, 784, 100];

export async function run(): Promise<void> {
  const { arena, kernels: k } = runtime();
  const rng = new Rng(12);
  // Buffers sized for f64 (f32 uses the first half of each): z [B, D+1], W0 [H, D+1], b0 [H],
  // a [B, H], h [B, H+1], W1 [D, H+1], b1 [D], out [B, D]; cotangents alike.
  const sizes = {
    z: BATCH * (D + 1),
    w0: H * (D + 1),
    b0: H,
    a: BATCH * H,
    h: BATCH * (H + 1),
    w1: D * (H + 1),
    b1: D,
    out: BATCH * D,
  };
  const p = Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, arena.alloc(n)])) as Record<
    keyof typeof sizes,
    number
  >;
  const g = Object.fromEntries(Object.entries(sizes).map(([name, n]) => [name, arena.alloc(n)])) as Record<
    keyof typeof sizes,
    number
  >;
  const f64 = arena.f64,
    f32 = new Float32Array(k.memory.buffer);
  for (const [name, n] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    const v = rng.fill(new Float64Array(n), (r) => r.uniformIn(-0.1, 0.1));
    f64.set(v, p[name] / 8);
  }
  const copyTo32 = () => {
    for (const [name, n] of Object.entries(sizes) as [keyof typeof sizes, number][])
      f32.set(f64.subarray(p[name] / 8, p[name] / 8 + n), p[name] / 4);
  };

  const variants = {
    f64: {
      forward() {
        k.gemm_nt(p.a, p.z, p.w0, p.b0, BATCH, H, D + 1, 0);
        k.sigmoid_fwd(p.h, p.a, BATCH * H); // (h's time column is left as is: no concatenation on either side)
        k.gemm_nt(p.out, p.h, p.w1, p.b1, BATCH, D, H + 1, 0);
      },
      vjp() {
        k.gemm_tn(g.w1, g.out, p.h, 0, D, H + 1, BATCH, 1);
        k.sum_rows(g.b1, g.out, BATCH, D, 1);
        k.gemm_nn(g.h, g.out, p.w1, 0, BATCH, H + 1, D, 0);
        k.sigmoid_vjp(g.a, p.h, g.h, BATCH * H);
        k.gemm_tn(g.w0, g.a, p.z, 0, H, D + 1, BATCH, 1);
        k.sum_rows(g.b0, g.a, BATCH, H, 1);
        k.gemm_nn(g.z, g.a, p.w0, 0, BATCH, D + 1, H, 0);
      },
    },
    f32: {
      forward() {
        k.gemm_nt_f32(p.a, p.z, p.w0, p.b0, BATCH, H, D + 1, 0);
        k.sigmoid_fwd_f32(p.h, p.a, BATCH * H);
        k.gemm_nt_f32(p.out, p.h, p.w1, p.b1, BATCH, D, H + 1, 0);
      },
      vjp() {
        k.gemm_tn_f32(g.w1, g.out, p.h, 0, D, H + 1, BATCH, 1);
        // (no f32 sum_rows yet: the bias cotangents are left out on this side, < 1 % of the f64 VJP)
        k.gemm_nn_f32(g.h, g.out, p.w1, 0, BATCH, H + 1, D, 0);
        k.sigmoid_vjp_f32(g.a, p.h, g.h, BATCH * H);
        k.gemm_tn_f32(g.w0, g.a, p.z, 0, H, D + 1, BATCH, 1);
        k.gemm_nn_f32(g.z, g.a, p.w0, 0, BATCH, D + 1, H, 0);
      },
    },
  };
  copyTo32();
  const best: Record<string, number> = {};
  for (let round = 0; round < 5; round++) {
    for (const [dtype, v] of Object.entries(variants)) {
      for (const part of ['forward', 'vjp'] as const) {
        const key = `${dtype}.${part}`;
        best[key] = Math.min(best[key] ?? Infinity, time(v[part]));
      }
    }
  }
  const figures: Record<string, number> = {};
  console.log(
    `MNIST dynamics kernels (batch ${BATCH}, ${D}+1 → ${H} → ${D}), ms per call, best of 5 interleaved rounds`,
  );
  for (const part of ['forward', 'vjp'] as const) {
    const a = best[`f64.${part}`],
      b = best[`f32.${part}`];
    figures[`mnist_${part}_f64_ms`] = +a.toFixed(4);
    figures[`mnist_${part}_f32_ms`] = +b.toFixed(4);
    figures[`mnist_${part}_f32_speedup`] = +(a / b).toFixed(3);
    console.log(`  ${part.padEnd(8)} f64 ${a.toFixed(3)} ms   f32 ${b.toFixed(3)} ms   f64/f32 ${(a / b).toFixed(2)}×`);
  }
  writeResults('f32-projection', figures);
}
