// Test problems with closed-form solutions, and a least-squares order fit.
import type { OdeFunction } from '../../src/ode/index.js';

export interface ClosedForm {
  name: string;
  f: OdeFunction;
  y0: number[];
  exact: (t: number) => number[];
}

export const DECAY: ClosedForm = {
  name: "y' = -y",
  f: (_t, y, dy) => {
    dy[0] = -y[0];
  },
  y0: [1],
  exact: (t) => [Math.exp(-t)],
};

export const COS_GROWTH: ClosedForm = {
  name: "y' = cos(t)·y",
  f: (t, y, dy) => {
    dy[0] = Math.cos(t) * y[0];
  },
  y0: [1],
  exact: (t) => [Math.exp(Math.sin(t))],
};

export const ROTATION: ClosedForm = {
  name: '2-D rotation',
  f: (_t, y, dy) => {
    dy[0] = -y[1];
    dy[1] = y[0];
  },
  y0: [1, 0],
  exact: (t) => [Math.cos(t), Math.sin(t)],
};

export const PROBLEMS = [DECAY, COS_GROWTH, ROTATION];

export function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < expected.length; i++) m = Math.max(m, Math.abs(actual[i] - expected[i]));
  return m;
}

/** Slope of log(error) against log(h), least squares. */
export function fittedOrder(hs: number[], errors: number[]): number {
  const xs = hs.map(Math.log);
  const ys = errors.map(Math.log);
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0,
    den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}
