// The ODE block's configuration, its options and results, and their strict checks: what a NeuralOde
// is made from and what each of its calls takes and returns (neural-ode.ts is the block itself).
import { ArgumentError } from '../errors.js';
import { checkRng, type Rng } from '../random.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import type { AcceptedSteps, SolverStats } from '../ode/stats.js';
import { TABLEAUS } from '../ode/tableaus.js';
import { GRADIENT_METHODS, type GradientMethod, type RecordedForward, type StateNorm } from '../gradients/index.js';
import { checkNetworkSpec, type NetworkSpec } from '../nn/mlp.js';
import type { LayerSpec } from '../nn/layer.js';
import { checkLayerSpec, paramShapes } from '../nn/spec.js';
import { checkParameterBudget } from '../nn/spec-checks.js';
import { checkInitialiser, type Initialiser } from '../nn/init.js';
import { checkRegularizers, type RegularizerConfig } from '../terms/regularizers.js';
import { checkBoolean, checkKeys, checkOneOf } from '../config/strict.js';
import { checkSolverConfig, type SolverConfig } from './solver-config.js';
import { checkTerms, isStepTerm, type TermConfig } from '../terms/terms.js';
import { checkStepTermsSolver } from '../terms/step-hook.js';

import type { DataLoss } from './losses.js';

export type { SolverConfig, ErrorNorm } from './solver-config.js';
export { ERROR_NORMS } from './solver-config.js';

export { GRADIENT_METHODS, type GradientMethod, type StateNorm } from '../gradients/index.js';

export interface NeuralOdeConfig {
  /** the paper's MLP (time concatenated before every layer); parameters layer{l}.weight/bias */
  mlp?: NetworkSpec;
  /** any layer description mapping the state to dz/dt (e.g. a sequential); parameters named as nn.Sequential's */
  dynamics?: LayerSpec;
  /** how `dynamics`' weights were first drawn (default 'pytorch') */
  init?: Initialiser;
  /** the shorthand for `terms` [taylor, kinetic, jacobianFrobenius] (termsFromRegularizers); not with `terms` */
  regularizers?: RegularizerConfig;
  /** the integral terms (terms.ts): regularisers and the CNF log-density; not with `regularizers` */
  terms?: TermConfig[];
  solver?: SolverConfig;
  /**
   * 'checkpoint' (default) keeps each accepted step's start state and replays its stages backward;
   * 'backprop' keeps every accepted step's stages from the forward solve (no replay; memory ∝ steps ×
   * stages × the dynamics' intermediates, in the arena); 'adjoint' solves the adjoint ODE backward
   * (O(1) memory). src/gradients holds one GradientStrategy each.
   */
  gradient?: GradientMethod;
  t0?: number;
  t1?: number;
}

export interface ObjectiveResult {
  /** data loss + Σ λ·regulariser */
  loss: number;
  /** the data loss's value on z(t1) */
  dataLoss: number;
  /** batch means of each integrated term at t1, by name */
  regularizers: Record<string, number>;
  /** Δlog p = log p(z(t1)) − log p(z(t0)) per example (with a logDensity term) */
  logDensity?: Float64Array;
  z1: Float64Array;
  nfeForward: number;
  nfeBackward: number;
  forwardStats: SolverStats;
  /** accepted steps of the forward solve with their start states (when the gradient replays them) */
  steps?: AcceptedSteps;
  /** bytes of checkpointed states kept for the backward pass */
  checkpointBytes: number;
  /** arena bytes held from the forward to the backward pass by gradient 'backprop' (its stored stages); 0 otherwise */
  storedBytes: number;
  /** gradient of the loss with respect to z(t0) (when computed) */
  zbar0?: Float64Array;
}

export interface ObjectiveOptions {
  gradient?: boolean;
  /** Rng for the noise of the Jacobian term, the Hutchinson trace and R_K's stepRandom times (required when one is on) */
  rng?: Rng;
  /** step boundaries to use instead of choosing steps (e.g. an adaptive solve's accepted steps, to hold accept/reject decisions fixed) */
  grid?: ArrayLike<number>;
  /** the data loss on z(t1) (default mseLoss; softmaxCrossEntropyLoss, gaussianNllLoss(σ), tapeLoss(…)) */
  loss?: DataLoss;
  /**
   * multiplies every regulariser's λ (integral and step terms; not the log-density) in this call: 1 by
   * default; train's λ controller (src/training/lambda-control.ts) passes the λ it chose
   */
  lambdaScale?: number;
  /** the solves' error norm (default: the weighted RMS); a pool's shared steps pass the batch's (src/parallel) */
  norm?: StateNorm;
}

export type ObjectiveAtOptions = Omit<ObjectiveOptions, 'loss'>;

export interface ObjectiveAtResult extends ObjectiveResult {
  /** z at every output time, [times, batch, D] (dataLoss is the series loss's value on it) */
  zs: Float64Array;
}

/** What `forward` hands to `backward`. */
export interface ForwardPass {
  result: ObjectiveAtResult;
  dyn: AugmentedDynamics;
  /** the output times (t1 alone unless asked) */
  times: readonly number[];
  grid?: ArrayLike<number>;
  /** the noise this solve used (the dynamics are shared by every pass of a batch size) */
  noise: Float64Array[];
  /** what the gradient method recorded for the backward pass (with record: true) */
  recorded?: RecordedForward;
  /** the λ multiplier and norm the forward ran with (the backward uses the same) */
  lambdaScale: number;
  norm?: StateNorm;
  /** one uniform draw per accepted step (R_K's stepRandom estimator: the step's random time) */
  stepDraws?: Float64Array;
}

export interface ForwardOptions {
  rng?: Rng;
  /** as ObjectiveOptions.lambdaScale */
  lambdaScale?: number;
  /** as ObjectiveOptions.norm */
  norm?: StateNorm;
  grid?: ArrayLike<number>;
  /** keep what the backward pass needs (the accepted steps, for 'checkpoint') */
  record?: boolean;
  /** output times, monotone from t0 to t1 within [t0, t1] (default: t1 alone) */
  times?: ArrayLike<number>;
  /**
   * Integrate the terms only where their gradient is needed, as the paper's code does: the forward
   * solve carries z alone and the checkpointed replay evaluates the terms' integrands with their VJPs.
   * Only with `record`, gradient 'checkpoint', solver.errorNorm 'state' (so the steps are those of the
   * augmented solve) and no logDensity term; the result's regularizers are then not computed ({}).
   * Otherwise ignored ('backprop' keeps the forward's stages, so it evaluates the terms there).
   */
  lazyTerms?: boolean;
}

export interface PredictOptions {
  solver?: SolverConfig;
  /** output times, monotone from t0 to t1 within [t0, t1] (default: t1 alone) */
  times?: ArrayLike<number>;
  /** called at every evaluation of f with (t, z) (a copy is not made: read it immediately) */
  onEvaluation?: (t: number, z: Float64Array) => void;
  /** as ObjectiveOptions.norm */
  norm?: StateNorm;
  /** take the fused layer-table path where it applies (default true; src/inference); false forces the graph path */
  fastPath?: boolean;
}

export const CONFIG_KEYS = [
  'mlp',
  'dynamics',
  'init',
  'regularizers',
  'terms',
  'solver',
  'gradient',
  't0',
  't1',
] as const;
export const OBJECTIVE_OPTION_KEYS = ['gradient', 'rng', 'grid', 'loss', 'lambdaScale', 'norm'] as const;
export const FORWARD_OPTION_KEYS = ['rng', 'grid', 'record', 'times', 'lazyTerms', 'lambdaScale', 'norm'] as const;
export const PREDICT_OPTION_KEYS = ['solver', 'times', 'onEvaluation', 'norm', 'fastPath'] as const;

/**
 * How many batch sizes keep their augmented dynamics (jet programs, ε, replay slots) cached: training
 * uses one or two, evaluation a few more; a caller cycling through many sizes must not grow memory.
 */
export const DYNAMICS_CACHE_SIZE = 8;

export type ResolvedConfig = NeuralOdeConfig & { t0: number; t1: number; gradient: GradientMethod };

/**
 * Validates a configuration. `custom`: the dynamics are given as code (NeuralOde.fromDynamics), so the
 * configuration names neither `mlp` nor `dynamics`.
 */
export function checkConfig(config: NeuralOdeConfig, { custom = false } = {}): ResolvedConfig {
  if (typeof config !== 'object' || config === null)
    throw new ArgumentError('config', 'an object { mlp | dynamics, regularizers?, solver?, … }', config);
  // The option chose between two implementations until the plain-TypeScript one was removed; say so
  // rather than call it unknown (loadModel drops the field that older model files carry).
  if ('backend' in config)
    throw new ArgumentError(
      'backend',
      'no such option (removed: there is one implementation of the dynamics)',
      (config as { backend?: unknown }).backend,
    );
  checkKeys(config, CONFIG_KEYS, '');
  if (custom) {
    if (config.mlp !== undefined || config.dynamics !== undefined)
      throw new ArgumentError('config', 'no mlp or dynamics description when the dynamics are given as code');
  } else if ((config.mlp === undefined) === (config.dynamics === undefined)) {
    throw new ArgumentError(
      'config',
      "exactly one of mlp (the paper's MLP) or dynamics (a layer description)",
      config.mlp === undefined ? 'neither' : 'both',
    );
  }
  if (config.mlp !== undefined) checkNetworkSpec(config.mlp);
  if (config.dynamics !== undefined) {
    checkLayerSpec(config.dynamics, 'dynamics');
    checkParameterBudget(paramShapes(config.dynamics).values(), 'dynamics');
  }
  if (config.init !== undefined) {
    checkInitialiser(config.init);
    // The MLP keeps PyTorch's initialisation (its files predate the option); recording another would misstate it.
    if (config.mlp !== undefined)
      throw new ArgumentError(
        'init',
        "no init with mlp (the paper's MLP is initialised as PyTorch's Linear); use a dynamics description",
        config.init,
      );
  }
  checkRegularizers(config.regularizers ?? {});
  if (config.terms !== undefined) {
    if (config.regularizers !== undefined)
      throw new ArgumentError('terms', 'either terms or regularizers, not both', config.terms);
    checkTerms(config.terms, 'terms');
  }
  checkSolverConfig(config.solver ?? {});
  const gradient = checkOneOf(config.gradient ?? 'checkpoint', GRADIENT_METHODS, 'gradient');
  const stepTerms = (config.terms ?? []).filter(isStepTerm);
  if (stepTerms.length > 0) {
    // They are sums over the accepted steps, evaluated and differentiated in the replay of those steps.
    const first = stepTerms[0];
    const what = first.kind === 'taylor' ? `taylor term with estimator '${first.estimator}'` : `${first.kind} term`;
    if (gradient === 'adjoint')
      throw new ArgumentError(
        'gradient',
        `'checkpoint' or 'backprop' (a ${what} is summed over the accepted steps and differentiated through their stages)`,
        gradient,
      );
    checkStepTermsSolver(stepTerms, TABLEAUS[config.solver?.method ?? 'dopri5'], config.solver?.steps);
  }
  const t0 = config.t0 ?? 0,
    t1 = config.t1 ?? 1;
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw new ArgumentError('t0', 'a finite start time', t0);
  if (typeof t1 !== 'number' || !Number.isFinite(t1) || t0 === t1)
    throw new ArgumentError('t1', `a finite end time different from t0 = ${t0}`, t1);
  return { ...config, gradient, t0, t1 };
}

export function checkObjectiveOptions(options: ObjectiveOptions, keys: readonly string[]): void {
  checkKeys(options, keys, '');
  if (options.gradient !== undefined) checkBoolean(options.gradient, 'gradient');
  if (options.rng !== undefined) checkRng(options.rng, 'rng');
}

/** The objective's multiplier of every regulariser's λ, checked (1 when not given). */
export function checkLambdaScale(scale: number | undefined): number {
  if (scale === undefined) return 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0)
    throw new ArgumentError('lambdaScale', "a finite number ≥ 0 (the multiplier of every regulariser's λ)", scale);
  return scale;
}

export function checkNorm(norm: StateNorm | undefined): void {
  if (norm !== undefined && typeof norm !== 'function')
    throw new ArgumentError('norm', 'a function ({ batchMeans }) => a norm strategy (src/ode/norm.ts)', norm);
}
