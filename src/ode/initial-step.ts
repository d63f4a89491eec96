// Hairer's initial step-size heuristic (Hairer, Nørsett & Wanner, Solving ODEs I, II.4): a step whose
// explicit-Euler increment is small next to y0, refined by an estimate of the second derivative.
// Costs one evaluation of f (the probe) beyond f(t0, y0), which the first step reuses.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Evaluator } from './dynamics.js';
import { writeTerms } from './stepper.js';

export interface InitialStepInput {
  t0: number;
  /** arena offsets: the state, f(t0, y0), and two scratch buffers of n values */
  y0: number;
  f0: number;
  scratchY: number;
  scratchF: number;
  n: number;
  /** the leading components the norms run over (≤ n) */
  normComponents: number;
  /** order of the propagated solution */
  order: number;
  direction: number;
  atol: number;
  atolVector: number;
  rtol: number;
  maxStep: number;
  /** the norm of a vector of n values (the solve's norm strategy, scaled by y0 alone) */
  norm: (v: number) => number;
}

/** Returns a positive step magnitude. */
export function initialStepSize(kernels: Kernels, arena: Arena, f: Evaluator, p: InitialStepInput): number {
  const { norm } = p;
  const d0 = norm(p.y0);
  const d1 = norm(p.f0);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
  h0 = Math.min(h0, p.maxStep);
  return arena.scope(() => {
    const euler = writeTerms(arena, [1], [p.f0]);
    kernels.rk_stage_sum(p.scratchY, p.y0, p.direction * h0, euler.ptr, euler.count, p.n);
    f.call(p.t0 + p.direction * h0, p.scratchY, p.scratchF);
    const difference = writeTerms(arena, [-1], [p.f0]);
    kernels.rk_stage_sum(p.scratchY, p.scratchF, 1, difference.ptr, difference.count, p.n);
    const d2 = norm(p.scratchY) / h0;
    const d12 = Math.max(d1, d2);
    // A non-finite probe leaves the decision to the step loop, which rejects and shrinks.
    if (!Number.isFinite(d2)) return h0;
    const h1 = d12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / d12) ** (1 / (p.order + 1));
    return Math.min(100 * h0, h1, p.maxStep);
  });
}
