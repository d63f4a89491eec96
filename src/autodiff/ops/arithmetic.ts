// Elementwise arithmetic: add, sub, mul, square, affine (scale·x + shift). mul and square reuse the
// Cauchy-product kernels: order 0 of a Taylor product is the plain product.
import { coefficient, type Op, type Site } from '../op.js';
import { sameShape } from './shapes.js';

const n = (s: Site) => s.rows * s.cols;

export const add: Op = {
  name: 'add',
  arity: [2],
  shape: (ins) => sameShape('add', ins),
  forward: (k, s) => k.add(s.y, s.x[0], s.x[1], n(s)),
  vjp(k, s) {
    if (s.gx[0]) k.add(s.gx[0], s.gx[0], s.gy, n(s));
    if (s.gx[1]) k.add(s.gx[1], s.gx[1], s.gy, n(s));
  },
  taylor(k, s, order) {
    const c = (p: number) => coefficient(k, p, n(s), order);
    k.add(c(s.y), c(s.x[0]), c(s.x[1]), n(s));
  },
  taylorVjp(k, s, order) {
    const c = (p: number) => coefficient(k, p, n(s), order);
    if (s.gx[0]) k.add(c(s.gx[0]), c(s.gx[0]), c(s.gy), n(s));
    if (s.gx[1]) k.add(c(s.gx[1]), c(s.gx[1]), c(s.gy), n(s));
  },
};

export const sub: Op = {
  name: 'sub',
  arity: [2],
  shape: (ins) => sameShape('sub', ins),
  forward: (k, s) => k.sub(s.y, s.x[0], s.x[1], n(s)),
  vjp(k, s) {
    if (s.gx[0]) k.axpy(s.gx[0], 1, s.gy, n(s));
    if (s.gx[1]) k.axpy(s.gx[1], -1, s.gy, n(s));
  },
  taylor(k, s, order) {
    const c = (p: number) => coefficient(k, p, n(s), order);
    k.sub(c(s.y), c(s.x[0]), c(s.x[1]), n(s));
  },
  taylorVjp(k, s, order) {
    const c = (p: number) => coefficient(k, p, n(s), order);
    if (s.gx[0]) k.axpy(c(s.gx[0]), 1, c(s.gy), n(s));
    if (s.gx[1]) k.axpy(c(s.gx[1]), -1, c(s.gy), n(s));
  },
};

export const mul: Op = {
  name: 'mul',
  arity: [2],
  shape: (ins) => sameShape('mul', ins),
  forward: (k, s) => k.taylor_mul(s.y, s.x[0], s.x[1], n(s), 0),
  vjp: (k, s) => k.taylor_mul_vjp(s.gx[0], s.gx[1], s.gy, s.x[0], s.x[1], n(s), 0),
  taylor: (k, s, order) => k.taylor_mul(s.y, s.x[0], s.x[1], n(s), order),
  taylorVjp: (k, s, order) => k.taylor_mul_vjp(s.gx[0], s.gx[1], s.gy, s.x[0], s.x[1], n(s), order),
};

export const square: Op = {
  name: 'square',
  arity: [1],
  shape: ([x]) => x,
  forward: (k, s) => k.square_fwd(s.y, s.x[0], n(s)),
  vjp: (k, s) => k.taylor_mul_vjp(s.gx[0], s.gx[0], s.gy, s.x[0], s.x[0], n(s), 0),
  taylor: (k, s, order) => k.taylor_mul(s.y, s.x[0], s.x[0], n(s), order),
  taylorVjp: (k, s, order) => k.taylor_mul_vjp(s.gx[0], s.gx[0], s.gy, s.x[0], s.x[0], n(s), order),
};

/** y = scale·x + shift (attrs.scale, attrs.shift). */
export const affine: Op = {
  name: 'affine',
  arity: [1],
  shape: ([x]) => x,
  forward(k, s) {
    k.scale(s.y, s.x[0], s.attrs.scale, n(s));
    if (s.attrs.shift !== 0) k.add_scalar(s.y, s.attrs.shift, n(s));
  },
  vjp(k, s) {
    if (s.gx[0]) k.axpy(s.gx[0], s.attrs.scale, s.gy, n(s));
  },
  taylor(k, s, order) {
    if (order === 0) return affine.forward(k, s);
    k.scale(coefficient(k, s.y, n(s), order), coefficient(k, s.x[0], n(s), order), s.attrs.scale, n(s));
  },
  taylorVjp(k, s, order) {
    if (s.gx[0]) k.axpy(coefficient(k, s.gx[0], n(s), order), s.attrs.scale, coefficient(k, s.gy, n(s), order), n(s));
  },
};
