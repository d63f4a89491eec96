// Regularisers of the solver's own per-step quantities (Pal et al., ICML 2021, "Opening the Blackbox"):
// not integrals carried in the state but sums over the accepted steps of what an embedded RK pair
// computes anyway, evaluated in the checkpointed replay (which replays every stage) and differentiated
// there with the accepted steps (t_j, h_j) held fixed.
//
//   errorEstimate (ERNODE): R_E = Σ_j E_j·|h_j|,  E_j = RMS_c( e_c / (atol + rtol·max(|y0_c|, |y1_c|)) ),
//     e = h·Σ_i (b_i − b̂_i)·k_i over z alone: the error ratio the step-size controller accepted the step
//     with when errorNorm is 'state' (with 'all' the controller's ratio also covers the integral terms'
//     states, this one does not) (as OrdinaryDiffEq's EEst and Pal et al.'s code,
//     _compute_regularization_value :error_estimate).
//   stiffness (SRNODE): R_S = Σ_j ρ_j·|h_j|,  ρ_j = ‖k_s − k_{s−1}‖ / ‖y1 − g_{s−1}‖: Hairer's (dopri5.f)
//     and Shampine's estimate of the dynamics' Lipschitz constant along the step from the last two
//     stages, both at t + h (an FSAL pair with c_{s−1} = 1: dopri5, tsit5). Pal et al.'s code sums ρ_j
//     divided by the stability-region size without |h_j|; with |h_j| the term is ∫ρ dt (for f = a·z it
//     is |a|·|t1 − t0| exactly, whatever the steps), and h·ρ is the quantity Hairer compares with 3.25.
// Only z (the first `components` values of the state) enters either term, as with errorNorm 'state'.
// Their values exist only where the replay runs, i.e. when a gradient is taken: an objective with
// gradient: false reports neither (nor adds them to its loss). R_K's per-step estimators
// (taylor-step.ts) are rules of the same shape; step-hook.ts builds the replay's hook from them all.
import type { Ptr } from '../autodiff/op.js';
import type { Values } from '../runtime/dtype.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Dynamics } from '../nn/vector-field.js';
import { ArgumentError } from '../errors.js';
import type { ButcherTableau } from '../ode/tableaus.js';
import type { StepTermConfig } from './terms.js';

export type StepTermKind = 'errorEstimate' | 'stiffness';
export const STEP_TERM_KINDS: readonly StepTermKind[] = ['errorEstimate', 'stiffness'];

/** A term summed over the accepted steps, as the backward pass hands it to the replay. */
export interface StepTermSpec {
  /** its configuration (R_K's order and estimator too) */
  term: StepTermConfig;
  /** weight in the objective (the cotangent of the term's value) */
  weight: number;
  /** one uniform draw in [0, 1) per accepted step, for a term that draws noise (R_K's stepRandom) */
  draws?: Float64Array;
}

/** One step's buffers in the replay, as arena byte offsets (stages not asked for: undefined). */
export interface StepBuffers {
  /** the step's index in the solve */
  index: number;
  /** its start time and size */
  t: number;
  h: number;
  y0: Ptr;
  k: (Ptr | undefined)[];
  /** cotangents to ADD to: k̄_i (for the stages asked for) and ȳ0 */
  kbar: (Ptr | undefined)[];
  y0bar: Ptr;
}

/** What the replay hands a step term for one step: views (of the runtime's dtype, z's values) of the step's buffers. */
export interface StepView {
  index: number;
  t: number;
  h: number;
  y0: Values;
  /** k[i] for the stages the terms asked for (others undefined) */
  k: (Values | undefined)[];
  /** cotangents to ADD to: k̄_i (for the stages asked for) and ȳ0 */
  kbar: (Values | undefined)[];
  y0bar: Values;
  /** the same buffers as arena offsets, for a rule that calls kernels or the vector field (which may grow memory and so stale the views) */
  at: StepBuffers;
}

/** What a rule reads besides the step: the runtime, the tableau, the solver's tolerances, and the vector field. */
export interface StepTermContext {
  rt: Runtime;
  tableau: ButcherTableau;
  tol: { rtol: number; atol: number };
  /** values of z at the start of the state (batch·D) */
  components: number;
  /** the model's vector field and the batch (R_K's per-step estimators evaluate it) */
  vectorField: Dynamics;
  batch: number;
}

/** The replay's hook: which stages it must replay, and per step the terms' values and cotangents. */
export interface StepTermsHook {
  readonly stages: readonly boolean[];
  /** adds each term's weighted cotangents and returns the terms' values at this step (by term index) */
  step(buffers: StepBuffers): number[];
}

/** One step term's rule: what it needs of the solver, which stages it reads, and its value and cotangents at a step. */
export interface StepTermRule<C extends StepTermConfig = StepTermConfig> {
  /** it reads the adaptive solver's error estimate, so a fixed grid (solver.steps) is refused */
  readonly adaptiveOnly: boolean;
  /** refuses a tableau the term cannot be computed from, naming `argument` (the method) */
  checkTableau(term: C, tableau: ButcherTableau, argument: string): void;
  /** marks the stages whose values the term reads (so the replay replays them) */
  markStages(term: C, tableau: ButcherTableau, stages: boolean[]): void;
  /** its value at one step, adding weight·∂value/∂(k, y0) to the view's cotangents (and ∂/∂θ to the parameters' gradients) */
  step(view: StepView, spec: StepTermSpec & { term: C }, context: StepTermContext): number;
}

type ErrorEstimateConfig = Extract<StepTermConfig, { kind: 'errorEstimate' }>;
type StiffnessConfig = Extract<StepTermConfig, { kind: 'stiffness' }>;

export const STEP_TERM_RULES: {
  errorEstimate: StepTermRule<ErrorEstimateConfig>;
  stiffness: StepTermRule<StiffnessConfig>;
} = {
  errorEstimate: {
    adaptiveOnly: true,
    checkTableau(_term, tableau, argument) {
      if (!tableau.bError)
        throw new ArgumentError(
          argument,
          'an adaptive method with an embedded error estimate (an errorEstimate term)',
          tableau.name,
        );
    },
    markStages(_term, tableau, stages) {
      const { b } = tableau;
      tableau.bError!.forEach((w, i) => {
        if (w !== 0 || b[i] !== 0) stages[i] = true;
      });
    },
    step: (view, { weight }, { tableau, tol, components }) => errorEstimateStep(view, tableau, tol, components, weight),
  },
  stiffness: {
    adaptiveOnly: true,
    checkTableau(_term, tableau, argument) {
      const s = tableau.stages;
      if (!(tableau.fsal && s >= 3 && tableau.c[s - 2] === 1)) {
        throw new ArgumentError(
          argument,
          'a first-same-as-last pair whose last two stages are both at t + h, as dopri5 and tsit5 (a stiffness term)',
          tableau.name,
        );
      }
    },
    markStages(_term, tableau, stages) {
      const s = tableau.stages;
      stages[s - 1] = true;
      stages[s - 2] = true;
      tableau.b.forEach((w, i) => {
        if (w !== 0 || (tableau.a[s - 2][i] ?? 0) !== 0) stages[i] = true;
      });
    },
    step: (view, { weight }, { tableau, components }) => stiffnessStep(view, tableau, components, weight),
  },
};

/** E·|h| of one step, adding weight·∂(E·|h|)/∂(k, y0) to the cotangents. */
export function errorEstimateStep(
  v: StepView,
  tableau: ButcherTableau,
  { rtol, atol }: { rtol: number; atol: number },
  m: number,
  weight: number,
): number {
  const { h, y0, k } = v;
  const bErr = tableau.bError!,
    b = tableau.b;
  const used = b.map((_, i) => bErr[i] !== 0 || b[i] !== 0);
  const e = new Float64Array(m),
    y1 = new Float64Array(m),
    scale = new Float64Array(m);
  let sum = 0;
  for (let c = 0; c < m; c++) {
    let ec = 0,
      dc = 0;
    for (let i = 0; i < b.length; i++) {
      if (!used[i]) continue;
      const kc = k[i]![c];
      ec += bErr[i] * kc;
      dc += b[i] * kc;
    }
    e[c] = h * ec;
    y1[c] = y0[c] + h * dc;
    scale[c] = atol + rtol * Math.max(Math.abs(y0[c]), Math.abs(y1[c]));
    const r = e[c] / scale[c];
    sum += r * r;
  }
  const E = Math.sqrt(sum / m);
  const value = E * Math.abs(h);
  if (weight === 0 || E === 0) return value;
  // ∂E/∂e_c = r_c/(m·E·s_c); ∂E/∂s_c = −r_c²/(m·E·s_c); s_c moves with the larger of |y0_c|, |y1_c|.
  const g = weight * Math.abs(h);
  const ebar = new Float64Array(m),
    y1bar = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const r = e[c] / scale[c];
    ebar[c] = (g * r) / (m * E * scale[c]);
    const sbar = -ebar[c] * r;
    if (Math.abs(y0[c]) >= Math.abs(y1[c])) v.y0bar[c] += sbar * rtol * Math.sign(y0[c]);
    else y1bar[c] = sbar * rtol * Math.sign(y1[c]);
  }
  // e = h·Σ bErr_i k_i, y1 = y0 + h·Σ b_i k_i.
  for (let c = 0; c < m; c++) v.y0bar[c] += y1bar[c];
  for (let i = 0; i < b.length; i++) {
    if (!used[i]) continue;
    const kb = v.kbar[i]!,
      we = h * bErr[i],
      wb = h * b[i];
    for (let c = 0; c < m; c++) kb[c] += we * ebar[c] + wb * y1bar[c];
  }
  return value;
}

/** ρ·|h| of one step, adding weight·∂(ρ·|h|)/∂k to the cotangents (ρ does not depend on y0: it cancels). */
export function stiffnessStep(v: StepView, tableau: ButcherTableau, m: number, weight: number): number {
  const { h, k } = v;
  const s = tableau.stages,
    b = tableau.b,
    a6 = tableau.a[s - 2];
  // y1 − g_{s−1} = h·Σ_i (b_i − a_{s−1,i})·k_i
  const w = b.map((bi, i) => bi - (a6[i] ?? 0));
  const kLast = k[s - 1]!,
    kPrev = k[s - 2]!;
  const dk = new Float64Array(m),
    dg = new Float64Array(m);
  let nk = 0,
    ng = 0;
  for (let c = 0; c < m; c++) {
    dk[c] = kLast[c] - kPrev[c];
    let sum = 0;
    for (let i = 0; i < s; i++) if (w[i] !== 0) sum += w[i] * k[i]![c];
    dg[c] = h * sum;
    nk += dk[c] * dk[c];
    ng += dg[c] * dg[c];
  }
  // Two coinciding stage states (f constant along the step, or h = 0) carry no stiffness information.
  if (ng === 0) return 0;
  const N = Math.sqrt(nk),
    D = Math.sqrt(ng);
  const rho = N / D;
  const value = rho * Math.abs(h);
  if (weight === 0 || N === 0) return value;
  const g = weight * Math.abs(h);
  const kLastBar = v.kbar[s - 1]!,
    kPrevBar = v.kbar[s - 2]!;
  for (let c = 0; c < m; c++) {
    const dkb = (g * dk[c]) / (N * D);
    kLastBar[c] += dkb;
    kPrevBar[c] -= dkb;
  }
  const coef = (-g * rho) / (D * D);
  for (let i = 0; i < s; i++) {
    if (w[i] === 0) continue;
    const kb = v.kbar[i]!,
      wi = h * w[i] * coef;
    for (let c = 0; c < m; c++) kb[c] += wi * dg[c];
  }
  return value;
}
