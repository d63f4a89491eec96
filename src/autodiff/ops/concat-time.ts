// concatTime: [x[B, c], t[1, 1]] → [B, c + 1], the time as an extra last input column (the paper's code
// does this before every layer). Linear in (x, t), so its Taylor rule is the same copy on each
// coefficient; the time's jet is t[0] = t, t[1] = 1, t[k ≥ 2] = 0, supplied by the interpreter.
import { ShapeError } from '../../errors.js';
import { addScalarAt, coefficient, type Op } from '../op.js';
import { show } from './shapes.js';

export const concatTime: Op = {
  name: 'concatTime',
  arity: [2],
  shape([x, t]) {
    if (t[0] !== 1 || t[1] !== 1) throw new ShapeError(`concatTime: the time must be [1, 1], got ${show(t)}`);
    return [x[0], x[1] + 1];
  },
  forward(k, s) {
    k.append_column(s.y, s.x[0], s.x[1], s.rows, s.cols - 1);
  },
  vjp(k, s) {
    const gt = k.append_column_vjp(s.gx[0], s.gy, s.rows, s.cols - 1);
    if (s.gx[1]) addScalarAt(k, s.gx[1], gt);
  },
  taylor(k, s, order) {
    const [rows, cols] = s.inShapes[0];
    k.append_column(
      coefficient(k, s.y, s.rows * s.cols, order),
      coefficient(k, s.x[0], rows * cols, order),
      coefficient(k, s.x[1], 1, order),
      rows,
      cols,
    );
  },
  taylorVjp(k, s, order) {
    const [rows, cols] = s.inShapes[0];
    const gx = s.gx[0] ? coefficient(k, s.gx[0], rows * cols, order) : 0;
    const gt = k.append_column_vjp(gx, coefficient(k, s.gy, s.rows * s.cols, order), rows, cols);
    if (s.gx[1]) addScalarAt(k, coefficient(k, s.gx[1], 1, order), gt);
  },
};
