// Ops that move values without arithmetic: a column slice (the GRU's three gates out of one GEMM) and a
// row broadcast (a [1, n] value of the time alone, such as ConcatSquashLinear's gate, spread over the
// batch so the elementwise ops and their Taylor rules apply unchanged). Both are linear, so their
// Taylor rule is the same copy on every coefficient and their reverse the transposed copy, all through
// one strided-copy kernel.
import { ShapeError } from '../../errors.js';
import { coefficient, type Op, type Site } from '../op.js';
import { show } from './shapes.js';

/** y = x[:, start .. start + width) (attrs.start, attrs.width). */
export const sliceCols: Op = {
  name: 'sliceCols',
  arity: [1],
  shape([x], { start, width }) {
    if (!Number.isInteger(start) || !Number.isInteger(width) || start < 0 || width < 1 || start + width > x[1]) {
      throw new ShapeError(`sliceCols: columns [${start}, ${start + width}) do not fit in ${show(x)}`);
    }
    return [x[0], width];
  },
  forward: (k, s) => slice(k, s, 0),
  vjp: (k, s) => sliceVjp(k, s, 0),
  taylor: (k, s, order) => slice(k, s, order),
  taylorVjp: (k, s, order) => sliceVjp(k, s, order),
};

function slice(k: Parameters<Op['forward']>[0], s: Site, order: number): void {
  const [rows, cols] = s.inShapes[0];
  const x = coefficient(k, s.x[0], rows * cols, order) + k.valueBytes * s.attrs.start;
  k.copy_block(coefficient(k, s.y, rows * s.cols, order), s.cols, x, cols, rows, s.cols, 0);
}

function sliceVjp(k: Parameters<Op['forward']>[0], s: Site, order: number): void {
  if (!s.gx[0]) return;
  const [rows, cols] = s.inShapes[0];
  const gx = coefficient(k, s.gx[0], rows * cols, order) + k.valueBytes * s.attrs.start;
  k.copy_block(gx, cols, coefficient(k, s.gy, rows * s.cols, order), s.cols, rows, s.cols, 1);
}

/**
 * y[B, n] = every row a copy of row[1, n]; the second input only lends its row count B (the batch,
 * unknown until a graph is compiled) and receives no gradient.
 */
export const broadcastRows: Op = {
  name: 'broadcastRows',
  arity: [2],
  shape([row, like]) {
    if (row[0] !== 1) throw new ShapeError(`broadcastRows: the row must be [1, n], got ${show(row)}`);
    return [like[0], row[1]];
  },
  forward: (k, s) => k.copy_block(s.y, s.cols, s.x[0], 0, s.rows, s.cols, 0),
  vjp(k, s) {
    if (s.gx[0]) k.sum_rows(s.gx[0], s.gy, s.rows, s.cols, 1);
  },
  taylor(k, s, order) {
    k.copy_block(
      coefficient(k, s.y, s.rows * s.cols, order),
      s.cols,
      coefficient(k, s.x[0], s.cols, order),
      0,
      s.rows,
      s.cols,
      0,
    );
  },
  taylorVjp(k, s, order) {
    if (s.gx[0])
      k.sum_rows(
        coefficient(k, s.gx[0], s.cols, order),
        coefficient(k, s.gy, s.rows * s.cols, order),
        s.rows,
        s.cols,
        1,
      );
  },
};
