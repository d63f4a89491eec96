// The hidden process of the PhysioNet-like set: a 3-D autonomous nonlinear ODE with a closed form. It is a
// stable linear system seen through a polynomial change of coordinates, so its solution is exact and
// cheap while the ODE itself is nonlinear:
//   linear coordinates y: a damped rotation (y1, y2) at angular speed ω decaying at rate ρ, and y3
//   decaying at rate κ:  y1' = −ρ·y1 − ω·y2,  y2' = ω·y1 − ρ·y2,  y3' = −κ·y3;
//   the hidden state z = φ(y):  z1 = y1,  z2 = y2 + β·y1²,  z3 = y3 + γ·y1·y2 (triangular, so φ is a
//   diffeomorphism of R³ with the polynomial inverse y1 = z1, y2 = z2 − β·z1², y3 = z3 − γ·y1·y2).
// In z the ODE is z' = Dφ(y)·A·y with y = φ⁻¹(z): quadratic and cubic in z, autonomous, and every
// solution spirals into 0. Time runs over [0, 1] (the 48 h window); ω ∈ [π, 3π] is ½ to 1½ turns in
// 48 h, far slower than the hourly observations, and nothing forces it.
import { odeint, type SolverStats } from 'taynode';

export interface HiddenParameters {
  /** angular speed of the rotation (per unit time = 48 h) */
  omega: number;
  /** decay rate of the rotation */
  rho: number;
  /** decay rate of y3 */
  kappa: number;
  /** strengths of the change of coordinates */
  beta: number;
  gamma: number;
}

/** z = φ(y). */
export function toHidden(y: ArrayLike<number>, p: HiddenParameters): [number, number, number] {
  return [y[0], y[1] + p.beta * y[0] * y[0], y[2] + p.gamma * y[0] * y[1]];
}

/** y = φ⁻¹(z). */
export function toLinear(z: ArrayLike<number>, p: HiddenParameters): [number, number, number] {
  const y1 = z[0],
    y2 = z[1] - p.beta * z[0] * z[0];
  return [y1, y2, z[2] - p.gamma * y1 * y2];
}

/** The closed form: z(t) = φ(e^{At}·y0). */
export function hiddenState(y0: ArrayLike<number>, p: HiddenParameters, t: number): [number, number, number] {
  const decay = Math.exp(-p.rho * t),
    c = Math.cos(p.omega * t),
    s = Math.sin(p.omega * t);
  return toHidden(
    [decay * (y0[0] * c - y0[1] * s), decay * (y0[0] * s + y0[1] * c), y0[2] * Math.exp(-p.kappa * t)],
    p,
  );
}

/** The generating ODE's right-hand side in z (what a latent ODE would have to learn). */
export function hiddenDynamics(p: HiddenParameters): (t: number, z: Float64Array, dz: Float64Array) => void {
  return (_t, z, dz) => {
    const y1 = z[0],
      y2 = z[1] - p.beta * z[0] * z[0],
      y3 = z[2] - p.gamma * y1 * y2;
    const d1 = -p.rho * y1 - p.omega * y2,
      d2 = p.omega * y1 - p.rho * y2,
      d3 = -p.kappa * y3;
    dz[0] = d1;
    dz[1] = d2 + 2 * p.beta * y1 * d1;
    dz[2] = d3 + p.gamma * (d1 * y2 + y1 * d2);
  };
}

/** The generating ODE solved by dopri5 at rtol = atol = tol from z(0) = φ(y0) over [0, 1] (or at `times`). */
export function hiddenSolve(
  y0: ArrayLike<number>,
  p: HiddenParameters,
  tol: number,
  times: number[] = [0, 1],
): { zs: number[][]; stats: SolverStats } {
  const r = odeint(hiddenDynamics(p), toHidden(y0, p), times, { method: 'dopri5', rtol: tol, atol: tol });
  return { zs: r.ys.map((z) => Array.from(z)), stats: r.stats };
}
