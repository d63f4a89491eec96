// Butcher tableaux as data for the model layer's integrator: c, a (strictly lower triangular, rows
// per stage), b (the propagated solution), bErr = b − b̂ (the embedded error estimate; absent for
// fixed-step methods). `fsal`: the last stage equals f at the step's end, reused as the next first stage.
import { ArgumentError } from '../errors.js';

export interface Tableau {
  name: string;
  c: number[];
  a: number[][];
  b: number[];
  bErr?: number[];
  /** order of the propagated solution */
  order: number;
  /** order of the embedded estimate (the controller's exponent is −1/(errorOrder + 1)) */
  errorOrder?: number;
  fsal: boolean;
}

const dopri5: Tableau = (() => {
  const b = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
  const bHat = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40];
  return {
    name: 'dopri5',
    c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
    a: [
      [],
      [1 / 5],
      [3 / 40, 9 / 40],
      [44 / 45, -56 / 15, 32 / 9],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
      [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
    ],
    b,
    bErr: b.map((x, i) => x - bHat[i]),
    order: 5,
    errorOrder: 4,
    fsal: true,
  };
})();

const bosh3: Tableau = (() => {
  const b = [2 / 9, 1 / 3, 4 / 9, 0];
  const bHat = [7 / 24, 1 / 4, 1 / 3, 1 / 8];
  return { name: 'bosh3', c: [0, 1 / 2, 3 / 4, 1], a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]], b, bErr: b.map((x, i) => x - bHat[i]), order: 3, errorOrder: 2, fsal: true };
})();

const heunEuler: Tableau = { name: 'heun_euler', c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2], bErr: [-1 / 2, 1 / 2], order: 2, errorOrder: 1, fsal: false };

export const TABLEAUX: Record<string, Tableau> = {
  euler: { name: 'euler', c: [0], a: [[]], b: [1], order: 1, fsal: false },
  midpoint: { name: 'midpoint', c: [0, 1 / 2], a: [[], [1 / 2]], b: [0, 1], order: 2, fsal: false },
  heun: { name: 'heun', c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2], order: 2, fsal: false },
  rk4: { name: 'rk4', c: [0, 1 / 2, 1 / 2, 1], a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6], order: 4, fsal: false },
  heun_euler: heunEuler,
  bosh3,
  dopri5,
};

export type MethodName = keyof typeof TABLEAUX;

export function tableauFor(method: string): Tableau {
  const t = TABLEAUX[method];
  if (!t) throw new ArgumentError('method', `one of ${Object.keys(TABLEAUX).join(', ')}`, method);
  return t;
}

export function isAdaptive(t: Tableau): boolean {
  return t.bErr !== undefined;
}
