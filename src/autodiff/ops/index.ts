// The op registry: every primitive the tape, the graph interpreters and Taylor mode know.
import type { Op } from '../op.js';
import { affine, add, mul, square, sub } from './arithmetic.js';
import { cos, exp, log, reciprocal, relu, reluMask, sigmoid, sin, softplus, tanh } from './activations.js';
import { concatTime } from './concat-time.js';
import { linear } from './linear.js';
import { broadcastRows, sliceCols } from './layout.js';
import { gaussianLogDensity, mean, mse, softmaxCrossEntropy, sum, sumSquares } from './reductions.js';

export const ops = {
  linear,
  add,
  sub,
  mul,
  square,
  affine,
  concatTime,
  sliceCols,
  broadcastRows,
  tanh,
  sigmoid,
  softplus,
  relu,
  sin,
  cos,
  exp,
  log,
  reluMask,
  reciprocal,
  sum,
  mean,
  sumSquares,
  softmaxCrossEntropy,
  mse,
  gaussianLogDensity,
} satisfies Record<string, Op>;

export type OpName = keyof typeof ops;

/** Activations a dynamics network may use (each has a Taylor rule and its reverse). */
export const ACTIVATIONS = ['tanh', 'sigmoid', 'softplus', 'relu', 'sin', 'cos', 'exp', 'log', 'square'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
