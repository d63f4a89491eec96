// The neural ODE's dynamics with the integral terms (terms.ts) as extra states of the same solve.
// State layout: [z (batch × D) | Δlog p (batch values, one per example, if that term is on) | R_1 | R_2 | …]:
// the regularisers are one scalar integral each, in the order of `terms`; each integrand is the
// batch-and-feature mean (sum / (batch·D)) of the term's per-element square, times the integration
// direction sign(t1 − t0), so every R is ∫ … |dt| ≥ 0 whichever way the solve runs. The log-density
// integrand −tr(∂f/∂z) is a true ODE quantity and is not sign-flipped.
// The integrands never depend on the integrals, so only z carries a cotangent through the dynamics;
// the integrals' cotangents are constants (a regulariser's λ, the data loss's ∂/∂Δlog p per example).
// Implemented by graph-augmented.ts (src/nn's vector field and src/taylor's jets, kernel calls).
import type { Ptr } from '../autodiff/op.js';
import type { Dynamics as OdeFunction } from '../ode/dynamics.js';
import type { Rng } from '../random.js';
import type { WeightedTerm } from './terms.js';

/** Where one part of the augmented state lives: values [offset, offset + count). */
export interface StatePart {
  offset: number;
  count: number;
}

export interface StateLayout {
  /** batch·D values at 0 */
  z: StatePart;
  /** batch values (count 0 when the log-density term is off) */
  logDensity: StatePart;
  /** one value per regulariser, in the order of `terms` */
  terms: StatePart;
}

export interface AugmentedDynamics {
  readonly batch: number;
  /** state dimension D */
  readonly d: number;
  /** the regularisers (scalar integrals), in state order */
  readonly terms: readonly WeightedTerm[];
  readonly layout: StateLayout;
  /** sign(t1 − t0): the regularisers' integrands are multiplied by it */
  readonly direction: 1 | -1;
  /** batch·D + (batch if Δlog p is integrated) + terms.length */
  readonly stateSize: number;
  /** evaluations of F since the caller last reset it */
  nfe: number;
  /** The current noise, copied, and putting it back: a backward pass must see its own forward's ε. */
  saveNoise(): Float64Array[];
  restoreNoise(saved: readonly Float64Array[]): void;
  /** Draws the noise of the Jacobian term and of the Hutchinson trace (once per solve, fixed within it). */
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
  /**
   * The whole dy = F(t, y) (as odeFunction computes it), keeping what replayVjp needs as replayStage
   * does: the forward solve of gradient 'backprop' stores every accepted step's stages this way.
   */
  recordStage(t: number, y: Ptr, dy: Ptr, slot: number): void;
  /** dy = the z part of slot's kept F, the integrals' parts zeroed (what replayStage writes). */
  storedOutput(slot: number, dy: Ptr): void;
  /** vjp on arena buffers at the point of slot's latest replayStage or recordStage. */
  replayVjp(slot: number, dyBar: Ptr, yBar: Ptr): void;
}
