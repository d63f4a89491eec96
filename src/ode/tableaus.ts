// Butcher tableaux as plain data: one generic explicit stepper (stepper.ts) runs them all.
// Each tableau also carries its dense-output weights b_j(θ) as polynomial coefficients, so an output
// time inside an accepted step costs one stage sum: y(t0 + θh) = y0 + h·Σ_j b_j(θ) k_j.

/** Polynomial coefficients [p1, p2, …] of p(θ) = p1·θ + p2·θ² + … (no constant: b_j(0) = 0). */
export type ThetaPolynomial = readonly number[];

export interface DenseOutputWeights {
  /** 'own': the pair's own continuous extension; 'hermite': cubic Hermite through y0, f0, y1, f1. */
  readonly kind: 'own' | 'hermite';
  /** Order of the interpolant (local error O(h^(order+1))). */
  readonly order: number;
  /** b_j(θ) for every stage j. */
  readonly stage: readonly ThetaPolynomial[];
  /**
   * Weight of f(t1, y1) when it is not already a stage (Hermite on non-FSAL methods): the driver
   * evaluates f(t1, y1) only when an output time falls inside the step, and reuses it as the next k1.
   */
  readonly next: ThetaPolynomial | null;
}

export interface ButcherTableau {
  readonly name: string;
  readonly stages: number;
  /** Stage times as fractions of the step. */
  readonly c: readonly number[];
  /** Lower-triangular rows: a[i] has i entries (a[0] is empty). */
  readonly a: readonly (readonly number[])[];
  /** Weights of the propagated solution. */
  readonly b: readonly number[];
  /** b − b̂: weights of the local error estimate; null for fixed-step methods. */
  readonly bError: readonly number[] | null;
  /** Order of the propagated solution. */
  readonly order: number;
  /** Order of the embedded solution; null for fixed-step methods. */
  readonly embeddedOrder: number | null;
  /** First same as last: the last stage is f(t1, y1), the next step's first stage. */
  readonly fsal: boolean;
  readonly dense: DenseOutputWeights;
}

export const FIXED_METHODS = ['euler', 'midpoint', 'heun', 'rk4'] as const;
export const ADAPTIVE_METHODS = ['heun_euler', 'bosh3', 'fehlberg45', 'cash_karp', 'dopri5', 'tsit5'] as const;
export type FixedMethod = (typeof FIXED_METHODS)[number];
export type AdaptiveMethod = (typeof ADAPTIVE_METHODS)[number];
export type MethodName = FixedMethod | AdaptiveMethod;
export const METHOD_NAMES: readonly MethodName[] = [...FIXED_METHODS, ...ADAPTIVE_METHODS];

// Hermite: y(θ) = y0 + h·[h01(θ)·Σ b_j k_j + h10(θ)·f0 + h11(θ)·f1] with the cubic Hermite basis
// h01 = 3θ² − 2θ³, h10 = θ − 2θ² + θ³, h11 = θ³ − θ² (using h00 + h01 = 1 and y1 − y0 = h·Σ b_j k_j).
function hermite(b: readonly number[], fsal: boolean): DenseOutputWeights {
  const h01 = [0, 3, -2];
  const h10 = [1, -2, 1];
  const h11 = [0, -1, 1];
  const stage = b.map((bj, j) => h01.map((p, m) => bj * p + (j === 0 ? h10[m] : 0)));
  if (fsal) {
    const last = stage[stage.length - 1];
    stage[stage.length - 1] = last.map((p, m) => p + h11[m]);
  }
  return { kind: 'hermite', order: 3, stage, next: fsal ? null : h11 };
}

function makeTableau(
  spec: Omit<ButcherTableau, 'stages' | 'fsal' | 'dense'> & { dense?: (fsal: boolean) => DenseOutputWeights },
): ButcherTableau {
  const stages = spec.c.length;
  const lastRow = spec.a[stages - 1];
  const fsal =
    stages > 1 &&
    spec.c[stages - 1] === 1 &&
    spec.b[stages - 1] === 0 &&
    lastRow.length === stages - 1 &&
    lastRow.every((v, j) => v === spec.b[j]);
  const { dense, ...rest } = spec;
  return Object.freeze({ ...rest, stages, fsal, dense: dense ? dense(fsal) : hermite(spec.b, fsal) });
}

const euler = makeTableau({ name: 'euler', c: [0], a: [[]], b: [1], bError: null, order: 1, embeddedOrder: null });
const midpoint = makeTableau({
  name: 'midpoint',
  c: [0, 1 / 2],
  a: [[], [1 / 2]],
  b: [0, 1],
  bError: null,
  order: 2,
  embeddedOrder: null,
});
const heun = makeTableau({
  name: 'heun',
  c: [0, 1],
  a: [[], [1]],
  b: [1 / 2, 1 / 2],
  bError: null,
  order: 2,
  embeddedOrder: null,
});
const rk4 = makeTableau({
  name: 'rk4',
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
  bError: null,
  order: 4,
  embeddedOrder: null,
});

const heunEuler = makeTableau({
  name: 'heun_euler',
  c: [0, 1],
  a: [[], [1]],
  b: [1 / 2, 1 / 2],
  bError: [1 / 2 - 1, 1 / 2],
  order: 2,
  embeddedOrder: 1,
});

const bosh3B = [2 / 9, 1 / 3, 4 / 9, 0];
const bosh3Bhat = [7 / 24, 1 / 4, 1 / 3, 1 / 8];
const bosh3 = makeTableau({
  name: 'bosh3',
  c: [0, 1 / 2, 3 / 4, 1],
  a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b: bosh3B,
  bError: bosh3B.map((v, i) => v - bosh3Bhat[i]),
  order: 3,
  embeddedOrder: 2,
});

// Runge–Kutta–Fehlberg 4(5), run with local extrapolation (the 5th-order solution is propagated, as
// Cash–Karp and Dormand–Prince do): propagating the 4th-order one lets the global error pile up to
// ~20× the tolerance on a plain rotation, since the estimate then measures the error actually made.
const rkf4 = [25 / 216, 0, 1408 / 2565, 2197 / 4104, -1 / 5, 0];
const rkf5 = [16 / 135, 0, 6656 / 12825, 28561 / 56430, -9 / 50, 2 / 55];
const fehlberg45 = makeTableau({
  name: 'fehlberg45',
  c: [0, 1 / 4, 3 / 8, 12 / 13, 1, 1 / 2],
  a: [
    [],
    [1 / 4],
    [3 / 32, 9 / 32],
    [1932 / 2197, -7200 / 2197, 7296 / 2197],
    [439 / 216, -8, 3680 / 513, -845 / 4104],
    [-8 / 27, 2, -3544 / 2565, 1859 / 4104, -11 / 40],
  ],
  b: rkf5,
  bError: rkf5.map((v, i) => v - rkf4[i]),
  order: 5,
  embeddedOrder: 4,
});

// Cash–Karp 5(4): propagates the 5th-order solution.
const ck5 = [37 / 378, 0, 250 / 621, 125 / 594, 0, 512 / 1771];
const ck4 = [2825 / 27648, 0, 18575 / 48384, 13525 / 55296, 277 / 14336, 1 / 4];
const cashKarp = makeTableau({
  name: 'cash_karp',
  c: [0, 1 / 5, 3 / 10, 3 / 5, 1, 7 / 8],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [3 / 10, -9 / 10, 6 / 5],
    [-11 / 54, 5 / 2, -70 / 27, 35 / 27],
    [1631 / 55296, 175 / 512, 575 / 13824, 44275 / 110592, 253 / 4096],
  ],
  b: ck5,
  bError: ck5.map((v, i) => v - ck4[i]),
  order: 5,
  embeddedOrder: 4,
});

// Dormand–Prince 5(4) with Hairer's 4th-order continuous extension (dopri5.f, CONTD5):
// y(θ) = y0 + θ(r2 + (1−θ)(r3 + θ(r4 + (1−θ) r5))), r2 = y1 − y0, r3 = h f0 − r2,
// r4 = r2 − h f1 − r3, r5 = h Σ d_j k_j. Expanded into b_j(θ) = b_j(3θ² − 2θ³) + d_j(θ² − 2θ³ + θ⁴)
// + [j = 1](θ − 2θ² + θ³) − [j = 7](θ² − θ³).
const dp5 = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0];
const dp4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40];
const dpDense = [
  -12715105075 / 11282082432,
  0,
  87487479700 / 32700410799,
  -10690763975 / 1880347072,
  701980252875 / 199316789632,
  -1453857185 / 822651844,
  69997945 / 29380423,
];
const dopri5 = makeTableau({
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
  b: dp5,
  bError: dp5.map((v, i) => v - dp4[i]),
  order: 5,
  embeddedOrder: 4,
  dense: () => ({
    kind: 'own',
    order: 4,
    next: null,
    stage: dp5.map((bj, j) => {
      const p = [0, 3 * bj + dpDense[j], -2 * bj - 2 * dpDense[j], dpDense[j]];
      if (j === 0) {
        p[0] += 1;
        p[1] -= 2;
        p[2] += 1;
      }
      if (j === 6) {
        p[1] -= 1;
        p[2] += 1;
      }
      return p;
    }),
  }),
});

// Tsitouras 5(4) (2011), coefficients and interpolant as in OrdinaryDiffEq.jl / diffrax.
const ts5 = [
  0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081, 2.324710524099774, 0,
];
const ts5Error = [
  -0.001780011052225777,
  -0.0008164344596567469,
  0.007880878010261995,
  -0.1447110071732629,
  0.5823571654525552,
  -0.45808210592918697,
  1 / 66,
];
const tsit5 = makeTableau({
  name: 'tsit5',
  c: [0, 0.161, 0.327, 0.9, 0.9800255409045097, 1, 1],
  a: [
    [],
    [0.161],
    [-0.008480655492356989, 0.335480655492357],
    [2.897153057105493, -6.359448489975075, 4.3622954328695815],
    [5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525],
    [5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401, -0.028269050394068383],
    ts5.slice(0, 6),
  ],
  b: ts5,
  bError: ts5Error,
  order: 5,
  embeddedOrder: 4,
  dense: () => ({
    kind: 'own',
    order: 4,
    next: null,
    stage: [
      [1, -2.763706197274826, 2.9132554618219126, -1.0530884977290216],
      [0, 0.13169999999999998, -0.2234, 0.1017],
      [0, 3.9302962368947516, -5.941033872131505, 2.490627285651253],
      [0, -12.411077166933676, 30.33818863028232, -16.548102889244902],
      [0, 37.50931341651104, -88.1789048947664, 47.37952196281928],
      [0, -27.896526289197286, 65.09189467479366, -34.87065786149661],
      [0, 1.5, -4, 2.5],
    ],
  }),
});

export const TABLEAUS: Readonly<Record<MethodName, ButcherTableau>> = Object.freeze({
  euler,
  midpoint,
  heun,
  rk4,
  heun_euler: heunEuler,
  bosh3,
  fehlberg45,
  cash_karp: cashKarp,
  dopri5,
  tsit5,
});

export function isAdaptive(tableau: ButcherTableau): boolean {
  return tableau.bError !== null;
}

/** Evaluates p(θ) = Σ_m p[m]·θ^(m+1). */
export function evaluateTheta(p: ThetaPolynomial, theta: number): number {
  let acc = 0;
  for (let m = p.length - 1; m >= 0; m--) acc = (acc + p[m]) * theta;
  return acc;
}
