// assembly/trace.ts (row-wise helpers of the trace estimators) against plain loops, aligned and
// misaligned, with guards around every output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { assertClose, randomArray } from '../helpers/numeric.js';
import { ALIGNMENTS, place } from './placement.js';

const rt = createRuntimeSync();
const k = rt.kernels;
const SHAPES = [
  [1, 1],
  [3, 2],
  [2, 5],
  [4, 7],
] as const;

test('row_dot and scale_rows_add match plain loops', () => {
  const rng = new Rng(31);
  for (const [rows, cols] of SHAPES)
    for (const misalign of ALIGNMENTS)
      rt.arena.scope(() => {
        const a = randomArray(rng, rows * cols),
          b = randomArray(rng, rows * cols),
          s = randomArray(rng, rows),
          o = randomArray(rng, rows * cols);
        const A = place(rt, a, misalign),
          B = place(rt, b, misalign),
          S = place(rt, s, misalign);
        const dot = place(rt, new Float64Array(rows), misalign),
          out = place(rt, o, misalign);
        const what = `[${rows}, ${cols}] misalign=${misalign}`;
        k.row_dot(dot.ptr, A.ptr, B.ptr, -0.5, rows, cols);
        const want = Array.from(
          { length: rows },
          (_, r) => -0.5 * a.slice(r * cols, (r + 1) * cols).reduce((acc, x, c) => acc + x * b[r * cols + c], 0),
        );
        assertClose(dot.read(), want, 1e-14, `row_dot ${what}`);
        k.scale_rows_add(out.ptr, A.ptr, S.ptr, 2, rows, cols);
        assertClose(
          out.read(),
          o.map((v, i) => v + 2 * s[Math.floor(i / cols)] * a[i]),
          1e-14,
          `scale_rows_add ${what}`,
        );
        dot.checkGuards(what);
        out.checkGuards(what);
      });
});

test('repeat_rows and sum_row_groups (its reverse) match plain loops', () => {
  const rng = new Rng(32);
  for (const [rows, cols] of SHAPES)
    for (const times of [1, 3])
      for (const misalign of ALIGNMENTS)
        rt.arena.scope(() => {
          const x = randomArray(rng, rows * cols),
            big = randomArray(rng, rows * times * cols),
            o = randomArray(rng, rows * cols);
          const X = place(rt, x, misalign),
            Big = place(rt, big, misalign);
          const rep = place(rt, new Float64Array(rows * times * cols), misalign),
            out = place(rt, o, misalign);
          const what = `[${rows}, ${cols}]×${times} misalign=${misalign}`;
          k.repeat_rows(rep.ptr, X.ptr, rows, cols, times);
          assert.equal(
            Array.from(rep.read()),
            Array.from(
              { length: rows * times * cols },
              (_, i) => x[Math.floor(i / (times * cols)) * cols + (i % cols)],
            ),
            `repeat_rows ${what}`,
          );
          k.sum_row_groups(out.ptr, Big.ptr, rows, cols, times);
          const want = o.map((v, i) => {
            const r = Math.floor(i / cols),
              c = i % cols;
            let s = v;
            for (let j = 0; j < times; j++) s += big[(r * times + j) * cols + c];
            return s;
          });
          assertClose(out.read(), want, 1e-14, `sum_row_groups ${what}`);
          rep.checkGuards(what);
          out.checkGuards(what);
        });
});

test("block_diagonal_sum and block_diagonal_add read and write exactly the blocks' diagonals", () => {
  const rng = new Rng(33);
  for (const blocks of [1, 2, 5])
    for (const d of [1, 2, 3, 6])
      for (const misalign of ALIGNMENTS)
        rt.arena.scope(() => {
          const m = randomArray(rng, blocks * d * d),
            s = randomArray(rng, blocks);
          const M = place(rt, m, misalign),
            S = place(rt, s, misalign),
            tr = place(rt, new Float64Array(blocks), misalign);
          const what = `blocks=${blocks} d=${d} misalign=${misalign}`;
          k.block_diagonal_sum(tr.ptr, M.ptr, -1, blocks, d);
          const want = Array.from({ length: blocks }, (_, b) => {
            let t = 0;
            for (let i = 0; i < d; i++) t += m[(b * d + i) * d + i];
            return -t;
          });
          assertClose(tr.read(), want, 1e-14, `block_diagonal_sum ${what}`);
          const onDiagonal = (idx: number) => {
            const row = Math.floor(idx / d);
            return row % d === idx % d;
          };
          k.block_diagonal_add(M.ptr, S.ptr, 3, blocks, d);
          assertClose(
            M.read(),
            m.map((v, idx) => (onDiagonal(idx) ? v + 3 * s[Math.floor(idx / (d * d))] : v)),
            1e-14,
            `block_diagonal_add ${what}`,
          );
          k.block_diagonal_add(M.ptr, 0, 1, blocks, d); // s = 0: the identity blocks
          assertClose(
            M.read(),
            m.map((v, idx) => (onDiagonal(idx) ? v + 3 * s[Math.floor(idx / (d * d))] + 1 : v)),
            1e-14,
            `block_diagonal_add(s = 0) ${what}`,
          );
          M.checkGuards(what);
          tr.checkGuards(what);
        });
});

test.run();
