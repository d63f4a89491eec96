// Reductions to a [1, 1] scalar and the losses training needs (forward and vjp only: they never sit
// inside dynamics). Losses average over the batch (rows) as noted on each.
import { ShapeError } from '../../errors.js';
import { readScalar, writeScalar, type Op, type Site } from '../op.js';
import { SCALAR, sameShape, show } from './shapes.js';

const inSize = (s: Site, i = 0) => s.inShapes[i][0] * s.inShapes[i][1];

export const sum: Op = {
  name: 'sum',
  arity: [1],
  shape: () => SCALAR,
  forward: (k, s) => writeScalar(k, s.y, k.sum(s.x[0], inSize(s))),
  vjp(k, s) {
    if (s.gx[0]) k.add_scalar(s.gx[0], readScalar(k, s.gy), inSize(s));
  },
};

export const mean: Op = {
  name: 'mean',
  arity: [1],
  shape: () => SCALAR,
  forward: (k, s) => writeScalar(k, s.y, k.sum(s.x[0], inSize(s)) / inSize(s)),
  vjp(k, s) {
    if (s.gx[0]) k.add_scalar(s.gx[0], readScalar(k, s.gy) / inSize(s), inSize(s));
  },
};

export const sumSquares: Op = {
  name: 'sumSquares',
  arity: [1],
  shape: () => SCALAR,
  forward: (k, s) => writeScalar(k, s.y, k.sum_squares(s.x[0], inSize(s))),
  vjp(k, s) {
    if (s.gx[0]) k.axpy(s.gx[0], 2 * readScalar(k, s.gy), s.x[0], inSize(s));
  },
};

/**
 * softmaxCrossEntropy(logits[B, C], targets[B, C]) = (1/B)·Σ_b −Σ_c targets·log softmax(logits)
 * (targets one-hot or distributions; they receive no gradient).
 */
export const softmaxCrossEntropy: Op = {
  name: 'softmaxCrossEntropy',
  arity: [2],
  shape(ins) {
    sameShape('softmaxCrossEntropy', ins);
    return SCALAR;
  },
  saved: (s) => inSize(s),
  forward(k, s) {
    const [rows, cols] = s.inShapes[0];
    writeScalar(k, s.y, k.softmax_xent(s.saved, s.x[0], s.x[1], rows, cols) / rows);
  },
  vjp(k, s) {
    const [rows, cols] = s.inShapes[0];
    if (s.gx[0]) k.softmax_xent_vjp(s.gx[0], s.saved, s.x[1], readScalar(k, s.gy) / rows, rows, cols);
  },
};

/** mse(a, b) = mean over every element of (a − b)². */
export const mse: Op = {
  name: 'mse',
  arity: [2],
  shape(ins) {
    sameShape('mse', ins);
    return SCALAR;
  },
  saved: (s) => inSize(s),
  forward(k, s) {
    k.sub(s.saved, s.x[0], s.x[1], inSize(s));
    writeScalar(k, s.y, k.sum_squares(s.saved, inSize(s)) / inSize(s));
  },
  vjp(k, s) {
    const g = (2 * readScalar(k, s.gy)) / inSize(s);
    if (s.gx[0]) k.axpy(s.gx[0], g, s.saved, inSize(s));
    if (s.gx[1]) k.axpy(s.gx[1], -g, s.saved, inSize(s));
  },
};

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * gaussianLogDensity(x, mean, logStd) = Σ over every element of log N(x; mean, exp(logStd)²)
 * = Σ −½r² − logStd − ½log 2π with r = (x − mean)·exp(−logStd). All three shaped alike.
 */
export const gaussianLogDensity: Op = {
  name: 'gaussianLogDensity',
  arity: [3],
  shape(ins) {
    if (ins.length !== 3)
      throw new ShapeError(`gaussianLogDensity: needs x, mean, logStd, got ${ins.map(show).join(', ')}`);
    sameShape('gaussianLogDensity', ins);
    return SCALAR;
  },
  /** r, then exp(−logStd) */
  saved: (s) => 2 * inSize(s),
  forward(k, s) {
    const n = inSize(s);
    const [r, inv] = [s.saved, s.saved + n * k.valueBytes];
    k.scale(inv, s.x[2], -1, n);
    k.exp_fwd(inv, inv, n);
    k.sub(r, s.x[0], s.x[1], n);
    k.mul(r, r, inv, n);
    writeScalar(k, s.y, -0.5 * k.sum_squares(r, n) - k.sum(s.x[2], n) - n * HALF_LOG_2PI);
  },
  vjp(k, s) {
    const n = inSize(s);
    const [r, inv] = [s.saved, s.saved + n * k.valueBytes];
    const g = readScalar(k, s.gy);
    if (s.gx[0] || s.gx[1]) {
      k.mul(s.tmp, r, inv, n);
      if (s.gx[0]) k.axpy(s.gx[0], -g, s.tmp, n);
      if (s.gx[1]) k.axpy(s.gx[1], g, s.tmp, n);
    }
    if (s.gx[2]) {
      k.square_fwd(s.tmp, r, n);
      k.axpy(s.gx[2], g, s.tmp, n);
      k.add_scalar(s.gx[2], -g, n);
    }
  },
};
