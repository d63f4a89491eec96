// How an ODE block's parameters get their gradients through the solver: one GradientStrategy per method
// (checkpoint.ts: replay of checkpointed steps; backprop.ts: the forward's stages kept and reversed;
// adjoint.ts: the continuous adjoint), behind one interface, so the block (src/model/neural-ode.ts)
// solves and differentiates without knowing which. A method is a value made per block: backprop's
// holds the bookkeeping of the stages its passes keep in the arena.
import type { ArenaWatch } from '../runtime/arena.js';
import type { Runtime } from '../runtime/wasm.js';
import type { OdeSolution } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { NormStrategy } from '../ode/norm.js';
import type { MethodName } from '../ode/tableaus.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import type { Dynamics } from '../nn/vector-field.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import type { StepTermSpec } from '../terms/step-terms.js';
import type { StageStore } from './stage-store.js';

export type GradientMethod = 'checkpoint' | 'adjoint' | 'backprop';
export const GRADIENT_METHODS: readonly GradientMethod[] = ['checkpoint', 'adjoint', 'backprop'];

/**
 * A solve's error norm for an augmented state whose last `batchMeans` components are batch means (the
 * terms' integrals); a pool's shared steps pass one (src/parallel/shared-norm.ts). Default: rmsNorm.
 */
export type StateNorm = (state: { batchMeans: number }) => NormStrategy;

/** One solve of the block's augmented dynamics, with the block's solver settings. */
export interface BlockSolveRequest {
  dyn: AugmentedDynamics;
  y0: Float64Array;
  /** t0, the output times, t1 (solveTimes) */
  ts: readonly number[];
  grid?: ArrayLike<number>;
  /** keep each accepted step's start state (AcceptedSteps) */
  record: boolean;
  /** gradient 'backprop': the recorder keeping the stages */
  store?: StageStore;
  norm?: StateNorm;
}

/** What a gradient method asks of the ODE block it serves. */
export interface OdeBlock {
  readonly rt: Runtime;
  readonly params: ParameterLike[];
  readonly t0: number;
  readonly t1: number;
  /** the Runge–Kutta method of its solves */
  readonly method: MethodName;
  /** the vector field f (R_K's per-step estimates evaluate it in the backward pass) */
  readonly vectorField: Dynamics;
  /** the solver's rtol/atol as the step terms read them (the config's, or the defaults) */
  readonly tolerances: { rtol: number; atol: number };
  /** the block's augmented dynamics for a batch size, with or without the terms' states */
  dynamics(batch: number, withTerms: boolean): AugmentedDynamics;
  solve(request: BlockSolveRequest): OdeSolution;
  /** src/ode options of the block's solver settings, for the adjoint's backward solve */
  backwardSolveOptions(grid?: ArrayLike<number>): SolveOptions;
}

/** What `forward` asks: the pass's times, and whether the terms may be left to the backward pass. */
export interface ForwardRequest {
  ts: readonly number[];
  grid?: ArrayLike<number>;
  norm?: StateNorm;
  /** integrate the terms only in the backward pass where the method can (ForwardOptions.lazyTerms) */
  lazyTerms: boolean;
}

/** Stages a 'backprop' pass keeps in the arena bytes [start, end) until its backward. */
export interface StoredPass {
  dyn: AugmentedDynamics;
  store: StageStore;
  start: number;
  end: number;
  watch: ArenaWatch;
}

/** A forward solve recorded for its backward pass. */
export interface RecordedForward {
  /** the solve (ys at ts; steps when the method replays them) */
  solution: OdeSolution;
  nfe: number;
  /** the solve carried z alone: the terms' integrals at t1 are not known (lazy terms) */
  termsSkipped: boolean;
  stored?: StoredPass;
}

/** The cotangents a backward pass starts from, and what it reverses. */
export interface BackwardRequest {
  dyn: AugmentedDynamics;
  recorded: RecordedForward;
  /** the output times of the pass and ∂L/∂z at each ([batch·D] each) */
  times: readonly number[];
  zBars: readonly Float64Array[];
  /** z at every output time, [times, batch·D] (the adjoint restarts from them; only it reads them) */
  zs: Float64Array;
  z1: Float64Array;
  /** ∂L/∂Δlog p per example (length 0 without a logDensity term) */
  logDensityBar: Float64Array;
  /** the cotangent of each integral term's value at t1: its λ (scaled) */
  termCotangents: Float64Array;
  /** step terms (and R_K with a per-step estimator) with their weights (λ, scaled) and draws: summed over the replayed steps */
  stepTerms: readonly StepTermSpec[];
  grid?: ArrayLike<number>;
  norm?: StateNorm;
}

export interface BackwardResult {
  /** ∂L/∂z(t0) */
  zbar0: Float64Array;
  /** the step terms' values (their order in the request) */
  stepTermValues: number[];
}

export interface GradientStrategy {
  readonly name: GradientMethod;
  /** The forward solve of a pass that will be differentiated, keeping what `backward` needs. */
  forward(block: OdeBlock, dyn: AugmentedDynamics, y0: Float64Array, request: ForwardRequest): RecordedForward;
  /** ∂L/∂z(t0); parameter gradients ACCUMULATE. Releases what the forward kept, whatever happens. */
  backward(block: OdeBlock, request: BackwardRequest): BackwardResult;
  /** Frees what a forward kept when its backward will not come (nothing, for most methods). */
  release(block: OdeBlock, recorded: RecordedForward): void;
}
