// The neural ODE's dynamics with the regularisers as extra states of the same solve.
// State layout: [z (batch × D) | R_1 | R_2 | …]: one scalar integral per term, in the order of
// regularizerTerms(). Each integrand is the batch-and-feature mean (sum / (batch·D)) of the term's
// per-element square, so R at t1 is the batch mean of each example's feature-averaged integral.
// The integrands never depend on the integrals, so only z carries a cotangent through the dynamics.
// Implemented by graph-dynamics.ts (src/dynamics' graph programs and src/taylor's jets, kernel calls).
import type { Ptr } from '../autodiff/op.js';
import type { Dynamics as OdeFunction } from '../ode/dynamics.js';
import type { Rng } from '../random.js';
import type { RegularizerTerm } from './regularizers.js';

export interface AugmentedDynamics {
  readonly batch: number;
  /** state dimension D */
  readonly d: number;
  readonly terms: readonly RegularizerTerm[];
  /** batch·D + terms.length */
  readonly stateSize: number;
  /** evaluations of F since the caller last reset it */
  nfe: number;
  /** Draws the Jacobian term's Rademacher ε (once per solve). */
  resampleNoise(rng: Rng): void;
  /** F in the form src/ode's odeint takes. */
  readonly odeFunction: OdeFunction;
  /** dy = F(t, y), remembered as stage `slot` for a later vjp. */
  evaluate(t: number, y: Float64Array, dy: Float64Array, slot: number): void;
  /** Adds (∂F/∂y)ᵀ·dyBar to yBar (its z part) and (∂F/∂θ)ᵀ·dyBar to the parameters' gradients, at slot's point. */
  vjp(slot: number, dyBar: Float64Array, yBar: Float64Array): void;
  /**
   * What the discretise-then-optimise replay needs at a stage, on arena buffers (byte offsets of
   * stateSize values): the z part of dy = F(t, y) (the integrals' parts are zeroed: nothing
   * downstream reads them), remembered as stage `slot` for a later replayVjp: what that needs may be
   * kept in the caller's arena scope, so the replayVjp must come before the scope ends.
   */
  replayStage(t: number, y: Ptr, dy: Ptr, slot: number): void;
  /** vjp on arena buffers at the point of slot's latest replayStage. */
  replayVjp(slot: number, dyBar: Ptr, yBar: Ptr): void;
}
