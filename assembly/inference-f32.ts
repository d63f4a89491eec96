// The f32 twin of inference.ts: the same layer table ABI (strides in values), f32 values, t rounded
// to f32 as the graph path's time column is. Summation order as gemm-f32.ts's gemm_nt_f32 on the same
// rows (p in order in whole tiles of four rows; even and odd p apart in the rows past them), so results
// equal the graph path's bit for bit; activations are activations-f32.ts's kernels, a row at a time.
import { maddF32 } from "./fma";
import { sigmoid4f } from "./simd-math-f32";
import { cos_fwd_f32, exp_fwd_f32, log_fwd_f32, relu_fwd_f32, sigmoid_fwd_f32, sin_fwd_f32, softplus_fwd_f32, square_fwd_f32, tanh_fwd_f32 } from "./activations-f32";
import { rk_stage_sum_f32 } from "./rk-f32";
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

/** fn on each row: the activation kernels themselves, one call a row (the same code as the graph path's, once in the module). */
function activationRows(fn: u32, src: usize, srcRow: usize, dst: usize, dstRow: usize, width: i32, batch: i32): void {
  for (let b = 0; b < batch; b++) {
    const s = src + <usize>b * srcRow, d = dst + <usize>b * dstRow;
    if (fn == ACT_TANH) tanh_fwd_f32(d, s, width);
    else if (fn == ACT_SIGMOID) sigmoid_fwd_f32(d, s, width);
    else if (fn == ACT_SOFTPLUS) softplus_fwd_f32(d, s, width);
    else if (fn == ACT_RELU) relu_fwd_f32(d, s, width);
    else if (fn == ACT_SIN) sin_fwd_f32(d, s, width);
    else if (fn == ACT_COS) cos_fwd_f32(d, s, width);
    else if (fn == ACT_EXP) exp_fwd_f32(d, s, width);
    else if (fn == ACT_LOG) log_fwd_f32(d, s, width);
    else square_fwd_f32(d, s, width);
  }
}

/** One row past the whole tiles: per output, even and odd p summed apart (gemm-f32.ts's tile1x8); two
 *  outputs per vector (lanes 0–1 and 2–3: even and odd p), four outputs at a time, so independent chains
 *  hide the add latency without changing any one's order. */
function linearRowPairwise(dst: usize, x: usize, w: usize, bias: usize, k: i32, outputs: i32): void {
  const wRow = <usize>k << 2;
  let j = 0;
  for (; j + 4 <= outputs; j += 4) {
    const w0 = w + <usize>j * wRow, w1 = w0 + wRow, w2 = w1 + wRow, w3 = w2 + wRow;
    let r0: f32 = 0, r1: f32 = 0, r2: f32 = 0, r3: f32 = 0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let a01 = f32x4.splat(0), a23 = a01;
      const o0 = <usize>p0 << 2;
      let xp = x + o0, o = o0;
      const end2 = xp + (<usize>(kc & ~1) << 2);
      while (xp < end2) {
        const xv = v128.load64_splat(xp);
        a01 = maddF32(xv, v128.load64_lane(w1 + o, v128.load64_zero(w0 + o), 1), a01);
        a23 = maddF32(xv, v128.load64_lane(w3 + o, v128.load64_zero(w2 + o), 1), a23);
        xp += 8; o += 8;
      }
      if (kc & 1) {
        const xv = v128.load32_splat(xp);
        a01 = maddF32(xv, v128.load32_lane(w1 + o, v128.load32_zero(w0 + o), 2), a01);
        a23 = maddF32(xv, v128.load32_lane(w3 + o, v128.load32_zero(w2 + o), 2), a23);
      }
      const s0: f32 = f32x4.extract_lane(a01, 0) + f32x4.extract_lane(a01, 1), s1: f32 = f32x4.extract_lane(a01, 2) + f32x4.extract_lane(a01, 3);
      const s2: f32 = f32x4.extract_lane(a23, 0) + f32x4.extract_lane(a23, 1), s3: f32 = f32x4.extract_lane(a23, 2) + f32x4.extract_lane(a23, 3);
      if (p0 == 0) {
        if (bias) {
          const bj = bias + (<usize>j << 2);
          r0 = s0 + load<f32>(bj); r1 = s1 + load<f32>(bj, 4); r2 = s2 + load<f32>(bj, 8); r3 = s3 + load<f32>(bj, 12);
        } else { r0 = s0; r1 = s1; r2 = s2; r3 = s3; }
      } else { r0 = s0 + r0; r1 = s1 + r1; r2 = s2 + r2; r3 = s3 + r3; }
    }
    const d = dst + (<usize>j << 2);
    store<f32>(d, r0); store<f32>(d, r1, 4); store<f32>(d, r2, 8); store<f32>(d, r3, 12);
  }
  for (; j < outputs; j++) {
    const wj = w + <usize>j * wRow;
    let total: f32 = 0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let acc = f32x4.splat(0);
      let xp = x + (<usize>p0 << 2), wp = wj + (<usize>p0 << 2);
      const end2 = xp + (<usize>(kc & ~1) << 2);
      // lanes 0 and 1 hold the even and the odd p
      while (xp < end2) { acc = maddF32(v128.load64_zero(xp), v128.load64_zero(wp), acc); xp += 8; wp += 8; }
      if (kc & 1) acc = maddF32(v128.load32_zero(xp), v128.load32_zero(wp), acc);
      const s: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1);
      if (p0 == 0) total = bias ? s + load<f32>(bias + (<usize>j << 2)) : s;
      else total = s + total;
    }
    store<f32>(dst + (<usize>j << 2), total);
  }
}

/** Four rows in a whole tile: per output, p summed in order (gemm-f32.ts's tile4x8), four outputs a vector. */
function linearTile4(dst: usize, dstRow: usize, x: usize, xRow: usize, w: usize, bias: usize, k: i32, outputs: i32): void {
  const wRow = <usize>k << 2;
  for (let j = 0; j < outputs; j += 4) {
    const nj = min(4, outputs - j);
    const w0 = w + <usize>j * wRow;
    const w1 = nj > 1 ? w0 + wRow : w0, w2 = nj > 2 ? w0 + 2 * wRow : w0, w3 = nj > 3 ? w0 + 3 * wRow : w0;
    let t0 = f32x4.splat(0), t1 = t0, t2 = t0, t3 = t0;
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (let p = p0; p < p0 + kc; p++) {
        const o = <usize>p << 2;
        let wv = v128.load32_zero(w0 + o);
        if (nj > 1) wv = v128.load32_lane(w1 + o, wv, 1);
        if (nj > 2) wv = v128.load32_lane(w2 + o, wv, 2);
        if (nj > 3) wv = v128.load32_lane(w3 + o, wv, 3);
        a0 = maddF32(v128.load32_splat(x + o), wv, a0);
        a1 = maddF32(v128.load32_splat(x + xRow + o), wv, a1);
        a2 = maddF32(v128.load32_splat(x + 2 * xRow + o), wv, a2);
        a3 = maddF32(v128.load32_splat(x + 3 * xRow + o), wv, a3);
      }
      if (p0 == 0) {
        if (bias) {
          const bj = bias + (<usize>j << 2);
          let bv = v128.load32_zero(bj);
          if (nj > 1) bv = v128.load32_lane(bj + 4, bv, 1);
          if (nj > 2) bv = v128.load32_lane(bj + 8, bv, 2);
          if (nj > 3) bv = v128.load32_lane(bj + 12, bv, 3);
          a0 = f32x4.add(a0, bv); a1 = f32x4.add(a1, bv); a2 = f32x4.add(a2, bv); a3 = f32x4.add(a3, bv);
        }
        t0 = a0; t1 = a1; t2 = a2; t3 = a3;
      } else {
        t0 = f32x4.add(a0, t0); t1 = f32x4.add(a1, t1); t2 = f32x4.add(a2, t2); t3 = f32x4.add(a3, t3);
      }
    }
    const d = dst + (<usize>j << 2);
    storeLanes(d, t0, nj); storeLanes(d + dstRow, t1, nj); storeLanes(d + 2 * dstRow, t2, nj); storeLanes(d + 3 * dstRow, t3, nj);
  }
}

// @ts-ignore: decorator
@inline function storeLanes(d: usize, v: v128, count: i32): void {
  if (count == 4) { v128.store(d, v); return; }
  v128.store32_lane(d, v, 0);
  if (count > 1) v128.store32_lane(d, v, 1, 4);
  if (count > 2) v128.store32_lane(d, v, 2, 8);
}

function linearRows(dst: usize, dstRow: usize, x: usize, xRow: usize, w: usize, bias: usize, k: i32, outputs: i32, batch: i32): void {
  const m4 = batch & ~3;
  let b = 0;
  for (; b < m4; b += 4) linearTile4(dst + <usize>b * dstRow, dstRow, x + <usize>b * xRow, xRow, w, bias, k, outputs);
  for (; b < batch; b++) linearRowPairwise(dst + <usize>b * dstRow, x + <usize>b * xRow, w, bias, k, outputs);
}

function squashRows(dst: usize, dstRow: usize, t: f32, gateW: usize, gateB: usize, shiftW: usize, outputs: i32, batch: i32): void {
  const zero = f32x4.splat(0), tv = f32x4.splat(t);
  for (let j = 0; j < outputs; j++) {
    const o = <usize>j << 2;
    // the graph path's one-row gemm of [1, 1]·[outputs, 1]ᵀ: (0 + t·w) + 0, then + bias
    const pre = f32x4.add(f32x4.add(maddF32(tv, v128.load32_zero(gateW + o), zero), zero), v128.load32_zero(gateB + o));
    const gate = f32x4.extract_lane(sigmoid4f(pre), 0);
    const shift = f32x4.extract_lane(f32x4.add(maddF32(tv, v128.load32_zero(shiftW + o), zero), zero), 0);
    for (let b = 0; b < batch; b++) {
      const d = dst + <usize>b * dstRow + o;
      store<f32>(d, load<f32>(d) * gate + shift);
    }
  }
}

/** out[batch, D] = f(t, x[batch, D]) in f32 through the layer table (inference.ts's ABI). */
export function net_eval_f32(table: usize, ops: i32, work: usize, t: f64, x: usize, out: usize, batch: i32): void {
  const tf = <f32>t;
  for (let i = 0; i < ops; i++) {
    const e = table + (<usize>(i * OP_WORDS) << 2);
    const kind = load<u32>(e);
    const src = ref(load<u32>(e, 4), work, x, out), srcRow = <usize>load<u32>(e, 8) << 2;
    const k = <i32>load<u32>(e, 12);
    const dst = ref(load<u32>(e, 28), work, x, out), dstRow = <usize>load<u32>(e, 32) << 2;
    if (kind == LINEAR || kind == SQUASH) {
      if (load<u32>(e, 16)) {
        const col = <usize>(k - 1) << 2;
        for (let b = 0; b < batch; b++) store<f32>(src + <usize>b * srcRow + col, tf);
      }
      const outputs = <i32>load<u32>(e, 36);
      linearRows(dst, dstRow, src, srcRow, <usize>load<u32>(e, 20), <usize>load<u32>(e, 24), k, outputs, batch);
      if (kind == SQUASH) squashRows(dst, dstRow, tf, <usize>load<u32>(e, 40), <usize>load<u32>(e, 44), <usize>load<u32>(e, 48), outputs, batch);
    } else if (kind == ACT) {
      activationRows(load<u32>(e, 52), src, srcRow, dst, dstRow, k, batch);
    } else if (kind == COPY) {
      for (let b = 0; b < batch; b++) memory.copy(dst + <usize>b * dstRow, src + <usize>b * srcRow, <usize>k << 2);
    }
  }
}

/** The fused stage in f32: stage = y0 + h·Σ c_j k_j (rk-f32.ts), then out = f(t, stage). */
export function net_stage_f32(table: usize, ops: i32, work: usize, t: f64, y0: usize, h: f64, terms: usize, count: i32, stage: usize, out: usize, batch: i32, n: i32): void {
  rk_stage_sum_f32(stage, y0, h, terms, count, n);
  net_eval_f32(table, ops, work, t, stage, out, batch);
}
