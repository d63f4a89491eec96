// One call evaluates a whole layer stack f(t, x) for a small batch (src/inference), so a batch-1
// prediction costs its arithmetic rather than one host crossing per op.
//
// Layer table ABI: `ops` entries of OP_WORDS u32 each, written by the host once per (model, batch):
//   [kind, src, srcStride, k, concat, w, bias, dst, dstStride, outputs, gateW, gateB, shiftW, fn, 0, 0]
//   kind  LINEAR (1): dst[b, j] = Σ_p src[b, p]·W[j, p] + bias[j], W [outputs, k] row-major (nn.Linear);
//                     concat ≠ 0 first writes t into column k − 1 of every src row (the time column)
//         SQUASH (2): LINEAR, then ·σ(t·gateW[j] + gateB[j]) + t·shiftW[j] (FFJORD's ConcatSquashLinear)
//         ACT    (3): dst[b, 0..k) = fn(src[b, 0..k)), fn as ACT_* below
//         COPY   (4): dst[b, 0..k) = src[b, 0..k) (the state into a buffer with room for the time column)
//   Buffer references: IN (1) is `x`, OUT (2) is `out`, anything ≥ 16 is `work + ref − 16`; strides in values.
//
// Summation order: the same as gemm.ts's gemm_nt on the same rows, so results equal the graph path's
// bit for bit: rows in whole tiles of four (b < batch & ~3) sum p = 0, 1, … in order; the rows past
// them sum even and odd p apart and add the two, as gemm.ts's one-row tile; both per chunk of KC,
// a later chunk added onto the earlier ones' total. Activations are activations.ts's kernels, called a
// row at a time (their results do not depend on an element's position).
import { maddF64 } from "./fma";
import { sigmoid2x } from "./simd-math";
import { cos_fwd, exp_fwd, log_fwd, relu_fwd, sigmoid_fwd, sin_fwd, softplus_fwd, square_fwd, tanh_fwd } from "./activations";
import { rk_stage_sum } from "./rk";

const OP_WORDS: i32 = 16;
const KC: i32 = 256;
const LINEAR: u32 = 1, SQUASH: u32 = 2, ACT: u32 = 3, COPY: u32 = 4;
const ACT_TANH: u32 = 0, ACT_SIGMOID: u32 = 1, ACT_SOFTPLUS: u32 = 2, ACT_RELU: u32 = 3, ACT_SIN: u32 = 4;
const ACT_COS: u32 = 5, ACT_EXP: u32 = 6, ACT_LOG: u32 = 7;

// @ts-ignore: decorator
@inline function ref(r: u32, work: usize, x: usize, out: usize): usize {
  if (r == 1) return x;
  if (r == 2) return out;
  return work + <usize>(r - 16);
}

/** fn of a two-lane vector. */
/** fn on each row: the activation kernels themselves, one call a row (the same code as the graph path's, once in the module). */
function activationRows(fn: u32, src: usize, srcRow: usize, dst: usize, dstRow: usize, width: i32, batch: i32): void {
  for (let b = 0; b < batch; b++) {
    const s = src + <usize>b * srcRow, d = dst + <usize>b * dstRow;
    if (fn == ACT_TANH) tanh_fwd(d, s, width);
    else if (fn == ACT_SIGMOID) sigmoid_fwd(d, s, width);
    else if (fn == ACT_SOFTPLUS) softplus_fwd(d, s, width);
    else if (fn == ACT_RELU) relu_fwd(d, s, width);
    else if (fn == ACT_SIN) sin_fwd(d, s, width);
    else if (fn == ACT_COS) cos_fwd(d, s, width);
    else if (fn == ACT_EXP) exp_fwd(d, s, width);
    else if (fn == ACT_LOG) log_fwd(d, s, width);
    else square_fwd(d, s, width);
  }
}

/** One row past the whole tiles: per output, even and odd p summed apart (gemm.ts's tile1x4); four
 *  outputs at a time, whose independent chains hide the add latency without changing any one's order. */
function linearRowPairwise(dst: usize, x: usize, w: usize, bias: usize, k: i32, outputs: i32): void {
  const wRow = <usize>k << 3;
  let j = 0;
  for (; j + 4 <= outputs; j += 4) {
    const w0 = w + <usize>j * wRow, w1 = w0 + wRow, w2 = w1 + wRow, w3 = w2 + wRow;
    let r0 = 0.0, r1 = 0.0, r2 = 0.0, r3 = 0.0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let a0 = f64x2.splat(0.0), a1 = a0, a2 = a0, a3 = a0;
      const o0 = <usize>p0 << 3;
      let xp = x + o0, o = o0;
      const end2 = xp + (<usize>(kc & ~1) << 3);
      while (xp < end2) {
        const xv = v128.load(xp);
        a0 = maddF64(xv, v128.load(w0 + o), a0);
        a1 = maddF64(xv, v128.load(w1 + o), a1);
        a2 = maddF64(xv, v128.load(w2 + o), a2);
        a3 = maddF64(xv, v128.load(w3 + o), a3);
        xp += 16; o += 16;
      }
      if (kc & 1) {
        const xv = v128.load64_zero(xp);
        a0 = maddF64(xv, v128.load64_zero(w0 + o), a0);
        a1 = maddF64(xv, v128.load64_zero(w1 + o), a1);
        a2 = maddF64(xv, v128.load64_zero(w2 + o), a2);
        a3 = maddF64(xv, v128.load64_zero(w3 + o), a3);
      }
      const s0 = f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1), s1 = f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
      const s2 = f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1), s3 = f64x2.extract_lane(a3, 0) + f64x2.extract_lane(a3, 1);
      if (p0 == 0) {
        if (bias) {
          const bj = bias + (<usize>j << 3);
          r0 = s0 + load<f64>(bj); r1 = s1 + load<f64>(bj, 8); r2 = s2 + load<f64>(bj, 16); r3 = s3 + load<f64>(bj, 24);
        } else { r0 = s0; r1 = s1; r2 = s2; r3 = s3; }
      } else { r0 = s0 + r0; r1 = s1 + r1; r2 = s2 + r2; r3 = s3 + r3; }
    }
    const d = dst + (<usize>j << 3);
    store<f64>(d, r0); store<f64>(d, r1, 8); store<f64>(d, r2, 16); store<f64>(d, r3, 24);
  }
  for (; j < outputs; j++) {
    const wj = w + <usize>j * wRow;
    let total = 0.0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let acc = f64x2.splat(0.0);
      let xp = x + (<usize>p0 << 3), wp = wj + (<usize>p0 << 3);
      const end2 = xp + (<usize>(kc & ~1) << 3);
      while (xp < end2) { acc = maddF64(v128.load(xp), v128.load(wp), acc); xp += 16; wp += 16; }
      if (kc & 1) acc = maddF64(v128.load64_zero(xp), v128.load64_zero(wp), acc);
      const s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      if (p0 == 0) total = bias ? s + load<f64>(bias + (<usize>j << 3)) : s;
      else total = s + total;
    }
    store<f64>(dst + (<usize>j << 3), total);
  }
}

/** Four rows in a whole tile: per output, p summed in order (gemm.ts's tile4x4), two outputs a vector. */
function linearTile4(dst: usize, dstRow: usize, x: usize, xRow: usize, w: usize, bias: usize, k: i32, outputs: i32): void {
  const wRow = <usize>k << 3;
  for (let j = 0; j < outputs; j += 2) {
    const pair = j + 1 < outputs;
    const w0 = w + <usize>j * wRow, w1 = pair ? w0 + wRow : w0;
    let t0 = f64x2.splat(0.0), t1 = t0, t2 = t0, t3 = t0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let a0 = f64x2.splat(0.0), a1 = a0, a2 = a0, a3 = a0;
      for (let p = p0; p < p0 + kc; p++) {
        const o = <usize>p << 3;
        let wv = v128.load64_zero(w0 + o);
        if (pair) wv = v128.load64_lane(w1 + o, wv, 1);
        a0 = maddF64(v128.load64_splat(x + o), wv, a0);
        a1 = maddF64(v128.load64_splat(x + xRow + o), wv, a1);
        a2 = maddF64(v128.load64_splat(x + 2 * xRow + o), wv, a2);
        a3 = maddF64(v128.load64_splat(x + 3 * xRow + o), wv, a3);
      }
      if (p0 == 0) {
        if (bias) {
          let bv = v128.load64_zero(bias + (<usize>j << 3));
          if (pair) bv = v128.load64_lane(bias + (<usize>(j + 1) << 3), bv, 1);
          a0 = f64x2.add(a0, bv); a1 = f64x2.add(a1, bv); a2 = f64x2.add(a2, bv); a3 = f64x2.add(a3, bv);
        }
        t0 = a0; t1 = a1; t2 = a2; t3 = a3;
      } else {
        t0 = f64x2.add(a0, t0); t1 = f64x2.add(a1, t1); t2 = f64x2.add(a2, t2); t3 = f64x2.add(a3, t3);
      }
    }
    const d = dst + (<usize>j << 3);
    if (pair) {
      v128.store(d, t0); v128.store(d + dstRow, t1); v128.store(d + 2 * dstRow, t2); v128.store(d + 3 * dstRow, t3);
    } else {
      v128.store64_lane(d, t0, 0); v128.store64_lane(d + dstRow, t1, 0);
      v128.store64_lane(d + 2 * dstRow, t2, 0); v128.store64_lane(d + 3 * dstRow, t3, 0);
    }
  }
}

function linearRows(dst: usize, dstRow: usize, x: usize, xRow: usize, w: usize, bias: usize, k: i32, outputs: i32, batch: i32): void {
  const m4 = batch & ~3;
  let b = 0;
  for (; b < m4; b += 4) linearTile4(dst + <usize>b * dstRow, dstRow, x + <usize>b * xRow, xRow, w, bias, k, outputs);
  for (; b < batch; b++) linearRowPairwise(dst + <usize>b * dstRow, x + <usize>b * xRow, w, bias, k, outputs);
}

/** ConcatSquashLinear's time terms on rows already holding Lin(x): y·σ(t·g_w + g_b) + t·s_w. */
function squashRows(dst: usize, dstRow: usize, t: f64, gateW: usize, gateB: usize, shiftW: usize, outputs: i32, batch: i32): void {
  for (let j = 0; j < outputs; j++) {
    const o = <usize>j << 3;
    // the graph path's one-row gemm of [1, 1]·[outputs, 1]ᵀ: (0 + t·w) + 0, then + bias
    const zero = f64x2.splat(0.0), tv = f64x2.splat(t);
    const pre = f64x2.add(f64x2.add(maddF64(tv, v128.load64_zero(gateW + o), zero), zero), v128.load64_zero(gateB + o));
    const gate = f64x2.extract_lane(sigmoid2x(pre), 0);
    const shift = f64x2.extract_lane(f64x2.add(maddF64(tv, v128.load64_zero(shiftW + o), zero), zero), 0);
    for (let b = 0; b < batch; b++) {
      const d = dst + <usize>b * dstRow + o;
      store<f64>(d, load<f64>(d) * gate + shift);
    }
  }
}

/** out[batch, D] = f(t, x[batch, D]) through the layer table (see the ABI above). */
export function net_eval(table: usize, ops: i32, work: usize, t: f64, x: usize, out: usize, batch: i32): void {
  for (let i = 0; i < ops; i++) {
    const e = table + (<usize>(i * OP_WORDS) << 2);
    const kind = load<u32>(e);
    const src = ref(load<u32>(e, 4), work, x, out), srcRow = <usize>load<u32>(e, 8) << 3;
    const k = <i32>load<u32>(e, 12);
    const dst = ref(load<u32>(e, 28), work, x, out), dstRow = <usize>load<u32>(e, 32) << 3;
    if (kind == LINEAR || kind == SQUASH) {
      if (load<u32>(e, 16)) {
        const col = <usize>(k - 1) << 3;
        for (let b = 0; b < batch; b++) store<f64>(src + <usize>b * srcRow + col, t);
      }
      const outputs = <i32>load<u32>(e, 36);
      linearRows(dst, dstRow, src, srcRow, <usize>load<u32>(e, 20), <usize>load<u32>(e, 24), k, outputs, batch);
      if (kind == SQUASH) squashRows(dst, dstRow, t, <usize>load<u32>(e, 40), <usize>load<u32>(e, 44), <usize>load<u32>(e, 48), outputs, batch);
    } else if (kind == ACT) {
      activationRows(load<u32>(e, 52), src, srcRow, dst, dstRow, k, batch);
    } else if (kind == COPY) {
      for (let b = 0; b < batch; b++) memory.copy(dst + <usize>b * dstRow, src + <usize>b * srcRow, <usize>k << 3);
    }
  }
}

/** The fused stage: stage = y0 + h·Σ c_j k_j (rk.ts's term table), then out = f(t, stage). */
export function net_stage(table: usize, ops: i32, work: usize, t: f64, y0: usize, h: f64, terms: usize, count: i32, stage: usize, out: usize, batch: i32, n: i32): void {
  rk_stage_sum(stage, y0, h, terms, count, n);
  net_eval(table, ops, work, t, stage, out, batch);
}
