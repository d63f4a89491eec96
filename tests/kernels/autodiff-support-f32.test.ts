// The f32 autodiff support, trace and Adamax kernels (assembly/autodiff-support-f32.ts, trace-f32.ts,
// optim-f32.ts) against plain-TS f32 references and the f64 kernels on the same values: awkward shapes,
// misaligned operands, guards; returned scalars (accumulated in f64) to f64 precision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { MISALIGNMENTS_F32, placeF32, randomF32 } from './placement-f32.js';
import { compareTwin } from './twin-f32.js';

const rt = createRuntimeSync();
const k = rt.kernels;
const f = Math.fround;
const EPS32 = 2 ** -24;
const SIZES = [0, 1, 2, 3, 4, 5, 7, 17, 33];
const SHAPES = [
  [0, 3],
  [1, 1],
  [3, 2],
  [2, 5],
  [4, 7],
  [5, 17],
] as const;
const ULP = { rel: 2 ** -23, abs: 0 };

test('mul_add_f32, add_scalar_f32, reciprocal_f32, relu_mask_f32 = plain f32 loops (and the f64 kernels rounded)', () => {
  const rng = new Rng(91);
  SIZES.forEach((n, s) =>
    rt.arena.scope(() => {
      const o = randomF32(rng, n),
        a = randomF32(rng, n),
        b = randomF32(rng, n),
        ref = randomF32(rng, n);
      for (let i = 0; i < n; i += 4) ref[i] = 0;
      const O = placeF32(rt, o, MISALIGNMENTS_F32[s % 4]),
        A = placeF32(rt, a, MISALIGNMENTS_F32[(s + 1) % 4]);
      const B = placeF32(rt, b, MISALIGNMENTS_F32[(s + 2) % 4]),
        R = placeF32(rt, ref, MISALIGNMENTS_F32[(s + 3) % 4]);
      const what = `n=${n}`;
      k.mul_add_f32(O.ptr, A.ptr, B.ptr, n);
      assert.equal(
        Array.from(O.read()),
        Array.from(o, (v, i) => f(v + f(a[i] * b[i]))),
        `mul_add ${what}`,
      );
      const o2 = O.read();
      k.add_scalar_f32(O.ptr, 0.1, n);
      assert.equal(
        Array.from(O.read()),
        Array.from(o2, (v) => f(v + f(0.1))),
        `add_scalar ${what}`,
      );
      k.reciprocal_f32(O.ptr, A.ptr, n);
      assert.equal(
        Array.from(O.read()),
        Array.from(a, (v) => f(1 / v)),
        `reciprocal ${what}`,
      );
      for (const acc of [0, 1]) {
        const before = O.read();
        k.relu_mask_f32(O.ptr, A.ptr, R.ptr, n, acc);
        assert.equal(
          Array.from(O.read()),
          Array.from(a, (v, i) => f((acc ? before[i] : 0) + (ref[i] > 0 ? v : 0))),
          `relu_mask ${what} accumulate=${acc}`,
        );
      }
      O.checkGuards(what);
      compareTwin(rt, 'mul_add', [o, a, b, n], { rel: 2 ** -23, abs: 2 ** -24 }, what);
      compareTwin(rt, 'add_scalar', [o, -0.375, n], ULP, what);
      compareTwin(rt, 'reciprocal', [new Float32Array(n), a, n], ULP, what);
      for (const acc of [0, 1]) compareTwin(rt, 'relu_mask', [o, a, ref, n, acc], ULP, `${what} accumulate=${acc}`);
    }),
  );
});

test('append_column_f32 (time read as one f32) and append_column_vjp_f32 (time cotangent summed in f64)', () => {
  const rng = new Rng(92);
  for (const [rows, cols] of SHAPES) {
    const x = randomF32(rng, rows * cols),
      t = Float32Array.of(f(0.3));
    const { arrays32 } = compareTwin(
      rt,
      'append_column',
      [new Float32Array(rows * (cols + 1)), x, t, rows, cols],
      { rel: 0, abs: 0 },
      `[${rows}, ${cols}]`,
    );
    assert.equal(
      Array.from(arrays32[0]),
      Array.from({ length: rows * (cols + 1) }, (_, i) =>
        i % (cols + 1) === cols ? t[0] : x[Math.floor(i / (cols + 1)) * cols + (i % (cols + 1))],
      ),
    );
    const gy = randomF32(rng, rows * (cols + 1), -1e4, 1e4);
    // the return: the f64 sum of f32 values, so the f64 kernel's to its rounding
    compareTwin(
      rt,
      'append_column_vjp',
      [randomF32(rng, rows * cols), gy, rows, cols],
      { rel: 2 ** -23, abs: 2 ** -10, retRel: 1e-15, retAbs: 0 },
      `[${rows}, ${cols}]`,
    );
    compareTwin(
      rt,
      'append_column_vjp',
      ['null', gy, rows, cols],
      { rel: 0, abs: 0, retRel: 1e-15, retAbs: 0 },
      `[${rows}, ${cols}] gx = 0`,
    );
  }
});

test('copy_block_f32: strided copies, accumulation and row broadcast (aStride = 0)', () => {
  const rng = new Rng(93);
  for (const [rows, cols] of SHAPES)
    for (const [outStride, aStride] of [
      [cols, cols],
      [cols + 3, cols + 1],
      [cols + 2, 0],
    ])
      for (const acc of [0, 1]) {
        const out = randomF32(rng, Math.max(rows * outStride, 1)),
          a = randomF32(rng, Math.max(rows * aStride, cols));
        compareTwin(
          rt,
          'copy_block',
          [out, outStride, a, aStride, rows, cols, acc],
          { rel: acc ? 2 ** -24 : 0, abs: 0 },
          `[${rows}, ${cols}] strides ${outStride}, ${aStride} accumulate=${acc}`,
        );
      }
});

test("softmax_xent_f32: p within an ulp of the f64 kernel's, the loss (f64) to ~1e-7 relative (f32 logits), large logits", () => {
  const rng = new Rng(94);
  for (const [rows, cols] of SHAPES)
    for (const scale of [1, 80]) {
      const logits = randomF32(rng, rows * cols, -scale, scale);
      const targets = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) targets[r * cols + Math.floor(rng.uniformIn(0, cols))] = 1;
      if (rows > 1) for (let c = 0; c < cols; c++) targets[cols + c] = f(1 / cols); // a soft row
      // both kernels see identical f32 logits, so their losses differ only by the f64 rounding of each
      compareTwin(
        rt,
        'softmax_xent',
        [new Float32Array(rows * cols), logits, targets, rows, cols],
        { rel: 2 ** -23, abs: 1e-45, retRel: 1e-13, retAbs: 1e-13 },
        `[${rows}, ${cols}] logits ±${scale}`,
      );
      const p = randomF32(rng, rows * cols, 0, 1);
      compareTwin(
        rt,
        'softmax_xent_vjp',
        [randomF32(rng, rows * cols), p, targets, 0.5, rows, cols],
        ULP,
        `[${rows}, ${cols}]`,
      );
    }
  // overflow-safe: logits near f32's largest
  const L = placeF32(rt, [3e38, -3e38, 3e38 - 1e32]),
    T = placeF32(rt, [1, 0, 0]),
    P = placeF32(rt, new Float32Array(3));
  const loss = k.softmax_xent_f32(P.ptr, L.ptr, T.ptr, 1, 3);
  assert.ok(Number.isFinite(loss) && loss >= 0, `loss ${loss}`);
  assert.ok(Math.abs(P.read()[0] + P.read()[2] - 1) < 1e-6, `p sums to 1: ${P.read()}`);
});

test('row_dot_f32 (sums in f64), scale_rows_add_f32, repeat_rows_f32, sum_row_groups_f32', () => {
  const rng = new Rng(95);
  for (const [rows, cols] of SHAPES) {
    const a = randomF32(rng, rows * cols),
      b = randomF32(rng, rows * cols),
      s = randomF32(rng, rows),
      o = randomF32(rng, rows * cols);
    const { arrays32 } = compareTwin(
      rt,
      'row_dot',
      [new Float32Array(rows), a, b, -0.5, rows, cols],
      ULP,
      `[${rows}, ${cols}]`,
    );
    // a plain f64 loop rounded once: the f64 accumulation makes it exact to the last f32 bit but for double rounding
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let c = 0; c < cols; c++) acc += a[r * cols + c] * b[r * cols + c];
      assert.ok(
        Math.abs(arrays32[0][r] - f(-0.5 * acc)) <= EPS32 * Math.abs(acc),
        `row_dot [${rows}, ${cols}] row ${r}`,
      );
    }
    compareTwin(rt, 'scale_rows_add', [o, a, s, 2, rows, cols], { rel: 2 ** -22, abs: 2 ** -23 }, `[${rows}, ${cols}]`);
    for (const times of [1, 3]) {
      compareTwin(
        rt,
        'repeat_rows',
        [new Float32Array(rows * times * cols), a, rows, cols, times],
        { rel: 0, abs: 0 },
        `[${rows}, ${cols}]×${times}`,
      );
      compareTwin(
        rt,
        'sum_row_groups',
        [o, randomF32(rng, rows * times * cols), rows, cols, times],
        { rel: 2 ** -22, abs: times * 2 ** -23 },
        `[${rows}, ${cols}]×${times}`,
      );
    }
  }
});

test('block_diagonal_sum_f32 (sums in f64) and block_diagonal_add_f32, with and without s', () => {
  const rng = new Rng(96);
  for (const [blocks, d] of [
    [0, 2],
    [1, 1],
    [3, 2],
    [2, 5],
    [4, 7],
  ]) {
    const m = randomF32(rng, blocks * d * d),
      s = randomF32(rng, blocks);
    compareTwin(
      rt,
      'block_diagonal_sum',
      [new Float32Array(blocks), m, 0.25, blocks, d],
      ULP,
      `${blocks}×[${d}, ${d}]`,
    );
    compareTwin(
      rt,
      'block_diagonal_add',
      [m, s, -1.5, blocks, d],
      { rel: 2 ** -23, abs: 2 ** -23 },
      `${blocks}×[${d}, ${d}]`,
    );
    compareTwin(
      rt,
      'block_diagonal_add',
      [m, 'null', -1.5, blocks, d],
      { rel: 2 ** -23, abs: 2 ** -23 },
      `${blocks}×[${d}, ${d}] s = 0`,
    );
  }
});

test('adamax_update_f32 follows adamax_update within f32 rounding over 5 steps, with and without weight decay', () => {
  const rng = new Rng(97);
  for (const n of [...SIZES, 65])
    for (const wd of [0, 0.01])
      rt.arena.scope(() => {
        const p0 = randomF32(rng, n),
          grads = Array.from({ length: 5 }, () => randomF32(rng, n, -3, 3));
        const P32 = placeF32(rt, p0, 4),
          G32 = placeF32(rt, new Float32Array(n), 8),
          M32 = placeF32(rt, new Float32Array(n)),
          U32 = placeF32(rt, new Float32Array(n), 12);
        const P = rt.arena.alloc(n + 1),
          G = rt.arena.alloc(n + 1),
          M = rt.arena.allocZeroed(n + 1),
          U = rt.arena.allocZeroed(n + 1);
        rt.arena.f64.set(p0, P / 8);
        const [lr, b1, b2, eps] = [2e-3, 0.9, 0.999, 1e-8];
        grads.forEach((g, t) => {
          new Float32Array(k.memory.buffer).set(g, G32.ptr / 4);
          rt.arena.f64.set(g, G / 8);
          const c1 = 1 / (1 - b1 ** (t + 1));
          k.adamax_update_f32(P32.ptr, G32.ptr, M32.ptr, U32.ptr, n, lr, b1, b2, eps, c1, wd);
          k.adamax_update(P, G, M, U, n, lr, b1, b2, eps, c1, wd);
        });
        const got = P32.read(),
          want = rt.arena.f64.slice(P / 8, P / 8 + n);
        // each step moves p by ≤ lr·c1 and f32 rounds it: a few ulp of max(|p|, lr) per step
        for (let i = 0; i < n; i++)
          assert.ok(
            Math.abs(got[i] - want[i]) <= 4 * 5 * EPS32 * Math.max(Math.abs(want[i]), lr),
            `adamax n=${n} wd=${wd} [${i}]: ${got[i]} vs ${want[i]}`,
          );
        P32.checkGuards('adamax p');
        M32.checkGuards('adamax m');
        U32.checkGuards('adamax u');
      });
});

test.run();
