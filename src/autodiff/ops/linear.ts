// linear: y[B, out] = x[B, in]·Wᵀ + b, with W stored [out, in] (PyTorch's layout, so saved weights read
// naturally there) and b [1, out]. W and b are constant in time: in Taylor mode y[k] = x[k]·Wᵀ (bias at
// k = 0 only), one GEMM per order; the reverse of order k adds gy[k]·W to gx[k] and gy[k]ᵀ·x[k] to gW.
import { ShapeError } from '../../errors.js';
import { coefficient, type Op } from '../op.js';
import { show } from './shapes.js';

export const linear: Op = {
  name: 'linear',
  arity: [2, 3],
  constantInputs: [1, 2],
  shape([x, w, b]) {
    if (x[1] !== w[1]) throw new ShapeError(`linear: input ${show(x)} needs a weight [out, ${x[1]}], got ${show(w)}`);
    if (b && (b[0] !== 1 || b[1] !== w[0])) throw new ShapeError(`linear: bias must be [1, ${w[0]}], got ${show(b)}`);
    return [x[0], w[0]];
  },
  forward(k, s) {
    const [batch, inputs] = s.inShapes[0];
    k.gemm_nt(s.y, s.x[0], s.x[1], s.x[2] ?? 0, batch, s.cols, inputs, 0);
  },
  vjp(k, s) {
    const [batch, inputs] = s.inShapes[0];
    if (s.gx[0]) k.gemm_nn(s.gx[0], s.gy, s.x[1], 0, batch, inputs, s.cols, 1);
    if (s.gx[1]) k.gemm_tn(s.gx[1], s.gy, s.x[0], 0, s.cols, inputs, batch, 1);
    if (s.gx[2]) k.sum_rows(s.gx[2], s.gy, batch, s.cols, 1);
  },
  taylor(k, s, order) {
    const [batch, inputs] = s.inShapes[0];
    const x = coefficient(k, s.x[0], batch * inputs, order);
    const y = coefficient(k, s.y, batch * s.cols, order);
    k.gemm_nt(y, x, s.x[1], order === 0 ? (s.x[2] ?? 0) : 0, batch, s.cols, inputs, 0);
  },
  taylorVjp(k, s, order) {
    const [batch, inputs] = s.inShapes[0];
    const x = coefficient(k, s.x[0], batch * inputs, order);
    const gy = coefficient(k, s.gy, batch * s.cols, order);
    if (s.gx[0]) k.gemm_nn(coefficient(k, s.gx[0], batch * inputs, order), gy, s.x[1], 0, batch, inputs, s.cols, 1);
    if (s.gx[1]) k.gemm_tn(s.gx[1], gy, x, 0, s.cols, inputs, batch, 1);
    if (s.gx[2] && order === 0) k.sum_rows(s.gx[2], gy, batch, s.cols, 1);
  },
};
