// R_K estimated once per accepted step in the backward pass, instead of integrated beside z at every RK
// stage ('stages', the exact RK quadrature): the same integrand r(t, z) = (K!)²·Σ z[K]² / (batch·D)
// (integrands.ts' taylorRegulariser, normalised as the augmented state's), summed over the accepted
// steps j of the forward solve, which then carries z alone:
//   stepRandom  |h_j|·r(τ_j, z(τ_j)),  τ_j = t_j + u_j·h_j,  u_j ~ U(0, 1) drawn by the forward pass,
//               z(τ_j) = y0 + h·Σ_i b_i(u_j)·k_i the step's dense output: E[Σ_j …] = ∫ r |dt| along the
//               dense-output trajectory (unbiased); one jet evaluation and its VJP per step.
//   stepStart   |h_j|·r(t_j, y0_j): a left Riemann sum (biased, O(h); deterministic), no stage read.
// Each is differentiated exactly with the steps (t_j, h_j) and the draws held fixed: ∂/∂θ directly (the
// jet's reverse adds it to the parameters' gradients), ∂/∂z(τ) into ȳ0 and, through the dense output,
// h·b_i(u_j)·∂/∂z(τ) into k̄_i, before the replay reverses the step's stages.
import { ArgumentError } from '../errors.js';
import { Tensor } from '../runtime/tensor.js';
import { writeTerms } from '../ode/stepper.js';
import { evaluateTheta } from '../ode/tableaus.js';
import { taylorRegulariser } from './integrands.js';
import type { StepTermRule } from './step-terms.js';
import type { StepTermConfig } from './terms.js';

type TaylorConfig = Extract<StepTermConfig, { kind: 'taylor' }>;

export const TAYLOR_STEP_RULE: StepTermRule<TaylorConfig> = {
  adaptiveOnly: false,
  checkTableau(term, tableau, argument) {
    // Hermite dense output (non-FSAL pairs) reads f(t1, y1) too, which the step's own stages do not hold.
    if (term.estimator === 'stepRandom' && tableau.dense.next !== null) {
      throw new ArgumentError(
        argument,
        "a method whose dense output reads only the step's stages, as dopri5, tsit5 and the first-same-as-last pairs (a taylor term with estimator 'stepRandom')",
        tableau.name,
      );
    }
  },
  markStages(term, tableau, stages) {
    if (term.estimator !== 'stepRandom') return;
    tableau.dense.stage.forEach((p, j) => {
      if (p.some((c) => c !== 0)) stages[j] = true;
    });
  },
  step(view, { term, weight, draws }, { rt, tableau, vectorField, batch, components: n }) {
    const { at } = view;
    const { arena, kernels } = rt;
    if (term.estimator !== 'stepRandom' && term.estimator !== 'stepStart')
      throw new ArgumentError('term.estimator', "'stepRandom' or 'stepStart' (a per-step estimate)", term.estimator);
    let theta = 0;
    if (term.estimator === 'stepRandom') {
      if (!draws || !(at.index < draws.length))
        throw new ArgumentError(
          'draws',
          `a uniform draw for step ${at.index} (the forward pass draws one per accepted step)`,
          draws?.length,
        );
      theta = draws[at.index];
    }
    const absH = Math.abs(at.h);
    return arena.scope(() => {
      // z(τ) by the step's dense output (y0 itself at θ = 0).
      const weights = theta === 0 ? [] : tableau.dense.stage.map((p) => evaluateTheta(p, theta));
      let z = at.y0;
      if (theta !== 0) {
        z = arena.alloc(n);
        const table = writeTerms(
          arena,
          weights,
          weights.map((_, j) => at.k[j] ?? 0),
        );
        kernels.rk_stage_sum(z, at.y0, at.h, table.ptr, table.count, n);
      }
      const shaped = (p: number) => new Tensor(arena, p, batch, n / batch);
      if (weight === 0)
        return (absH * taylorRegulariser(vectorField, at.t + theta * at.h, shaped(z), term.order).value) / n;
      const gz = arena.alloc(n);
      kernels.fill(gz, 0, n);
      const { value } = taylorRegulariser(vectorField, at.t + theta * at.h, shaped(z), term.order, {
        weight: (weight * absH) / n,
        gz: shaped(gz),
      });
      kernels.axpy(at.y0bar, 1, gz, n);
      weights.forEach((w, j) => {
        if (w !== 0) kernels.axpy(at.kbar[j]!, at.h * w, gz, n);
      });
      return (absH * value) / n;
    });
  },
};
