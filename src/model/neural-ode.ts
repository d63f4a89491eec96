// A neural ODE z(t1) = z(t0) + ∫ f(z, t; θ) dt with an MLP f, batched (one step size for the whole
// batch, as the paper's code and torchdiffeq do), trained on a data loss of z(t1) (losses.ts; mean
// squared error by default; it may read the CNF log-density too) or of z at many output times
// (objectiveAt, series-losses.ts) plus λ-weighted regularisers, all integrated in the same solve
// (terms.ts). Gradients: discretise-then-optimise with step-level checkpoints (default) or with every
// accepted step's stages stored by the forward solve ('backprop'), or the continuous adjoint.
import { ArgumentError, ShapeError } from '../errors.js';
import { checkRng, type Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { zeroGrads, type ParameterLike } from '../autodiff/parameters.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import { GraphAugmentedDynamics } from '../terms/graph-augmented.js';
import { odeint, type OdeSolution } from '../ode/solve.js';
import { callOnTensors } from '../ode/dynamics.js';
import type { SolveOptions } from '../ode/options.js';
import type { AcceptedSteps, SolverStats } from '../ode/stats.js';
import { TABLEAUS, type MethodName } from '../ode/tableaus.js';
import {
  createGradientMethod,
  GRADIENT_METHODS,
  type BlockSolveRequest,
  type GradientStrategy,
  type GradientMethod,
  type OdeBlock,
  type RecordedForward,
  type StateNorm,
} from '../gradients/index.js';
import { checkOutputTimes, solveTimes } from '../gradients/outputs.js';
import type { SeriesLoss } from './series-losses.js';
import { checkNetworkSpec, createNetwork, type Network, type NetworkSpec } from '../nn/mlp.js';
import type { Dynamics } from '../nn/vector-field.js';
import type { LayerSpec } from '../nn/layer.js';
import { checkLayerSpec, createLayer, paramShapes } from '../nn/spec.js';
import { checkParameterBudget } from '../nn/spec-checks.js';
import { layerDynamics } from '../nn/define-dynamics.js';
import { checkInitialiser, type Initialiser } from '../nn/init.js';
import { checkRegularizers, type RegularizerConfig } from '../terms/regularizers.js';
import { checkBoolean, checkKeys, checkOneOf } from '../config/strict.js';
import { checkRuntime } from '../runtime/check.js';
import { LruCache } from '../lru-cache.js';
import { checkSolverConfig, type SolverConfig } from './solver-config.js';
import {
  checkTerms,
  isStepTerm,
  termName,
  termsFromRegularizers,
  termsNeedNoise,
  type IntegralTermConfig,
  type StepTermConfig,
  type TermConfig,
} from '../terms/terms.js';
import { checkStepTermsSolver } from '../terms/step-hook.js';
import { fusedPredict, type InferencePath } from '../inference/index.js';

// src/ode's defaults (options.ts), which the solve used when the solver config leaves them out.
const DEFAULT_RTOL = 1e-6,
  DEFAULT_ATOL = 1e-8;
import { checkFiniteGradient, checkLoss, mseLoss, type DataLoss } from './losses.js';
import { checkBatchFits } from '../runtime/batch-fits.js';

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
const OBJECTIVE_OPTION_KEYS = ['gradient', 'rng', 'grid', 'loss', 'lambdaScale', 'norm'] as const;
const FORWARD_OPTION_KEYS = ['rng', 'grid', 'record', 'times', 'lazyTerms', 'lambdaScale', 'norm'] as const;
const PREDICT_OPTION_KEYS = ['solver', 'times', 'onEvaluation', 'norm', 'fastPath'] as const;

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

export class NeuralOde implements OdeBlock {
  readonly config: ResolvedConfig;
  private readonly dynamicsCache = new LruCache<string, AugmentedDynamics>(DYNAMICS_CACHE_SIZE);
  /** how gradients reach the parameters through the solver (src/gradients) */
  private readonly gradientMethod: GradientStrategy;

  /** the prefix of its parameters' names ("blocks.0" inside a Model; "" alone): a file of this block alone drops it */
  readonly name: string;

  constructor(
    readonly rt: Runtime,
    readonly network: Network,
    config: NeuralOdeConfig,
    { name = '' }: { name?: string } = {},
  ) {
    this.name = name;
    checkRuntime(rt, 'rt');
    if (typeof network !== 'object' || network === null || !network.graph)
      throw new ArgumentError('network', "a Network ({ graph } from createNetwork, or a layer's dynamics)", network);
    if (network.graph.rt !== rt)
      throw new ArgumentError('dynamics', 'dynamics built on this runtime', 'dynamics of another runtime');
    this.config = checkConfig(config, { custom: network.layer === undefined && network.mlp === undefined });
    this.gradientMethod = createGradientMethod(this.config.gradient);
  }

  /**
   * A model with freshly initialised weights (drawn from `rng`). `name` prefixes a layer description's
   * parameter names (a Model names its blocks "blocks.0", …).
   */
  static create(rt: Runtime, config: NeuralOdeConfig, rng: Rng, { name = '' } = {}): NeuralOde {
    checkRuntime(rt, 'rt');
    checkConfig(config);
    checkRng(rng, 'rng');
    if (config.mlp) return new NeuralOde(rt, createNetwork(rt, config.mlp, rng, { name }), config, { name });
    const layer = createLayer(rt, config.dynamics!, { rng, init: config.init ?? 'pytorch', name });
    const state = layer.inputs ?? layer.outputs;
    if (state === null)
      throw new ArgumentError(
        'dynamics',
        'a description with at least one layer of stated width (the state size)',
        'activations only',
      );
    return new NeuralOde(rt, { graph: layerDynamics(rt, layer, state), layer }, config, { name });
  }

  /**
   * A model over dynamics written as code (src/nn's defineDynamics, or any src/nn vector field (Dynamics));
   * `config` holds everything but the dynamics. Save it with saveModel and reload its weights into the
   * same code-built model with loadWeights.
   */
  static fromDynamics(
    rt: Runtime,
    dynamics: Dynamics,
    config: Omit<NeuralOdeConfig, 'mlp' | 'dynamics' | 'init'> = {},
  ): NeuralOde {
    return new NeuralOde(rt, { graph: dynamics }, config);
  }

  get params(): ParameterLike[] {
    return this.network.graph.params.slice();
  }

  get stateSize(): number {
    return this.network.graph.stateSize;
  }

  /** Values per example taken (z0) and returned (z(t1)): the state size, as for a Model without encoder or head. */
  get inputWidth(): number {
    return this.stateSize;
  }

  get outputWidth(): number {
    return this.stateSize;
  }

  /** How many batch sizes' dynamics are cached (at most DYNAMICS_CACHE_SIZE). */
  get cachedDynamicsCount(): number {
    return this.dynamicsCache.size;
  }

  get t0(): number {
    return this.config.t0;
  }

  get t1(): number {
    return this.config.t1;
  }

  get method(): MethodName {
    return this.config.solver?.method ?? 'dopri5';
  }

  /** the vector field f (OdeBlock: R_K's per-step estimates evaluate it in the backward pass) */
  get vectorField(): Dynamics {
    return this.network.graph;
  }

  /** the solver's rtol/atol (src/ode's defaults where the config leaves them out) */
  get tolerances(): { rtol: number; atol: number } {
    const solver = this.config.solver ?? {};
    return { rtol: solver.rtol ?? DEFAULT_RTOL, atol: solver.atol ?? DEFAULT_ATOL };
  }

  /** The integral terms: `terms` (but the step terms and R_K estimated per step), or those the `regularizers` shorthand stands for. */
  get terms(): IntegralTermConfig[] {
    return (
      this.config.terms?.filter((t): t is IntegralTermConfig => !isStepTerm(t)) ??
      (termsFromRegularizers(this.config.regularizers ?? {}) as IntegralTermConfig[])
    );
  }

  /** The terms summed over the accepted steps in the replay (errorEstimate, stiffness, R_K with a per-step estimator). */
  get stepTerms(): StepTermConfig[] {
    return this.config.terms?.filter(isStepTerm) ?? [];
  }

  /** The augmented dynamics for a batch size (cached), with or without the terms' states. */
  dynamics(batch: number, withRegularizers: boolean): AugmentedDynamics {
    const key = `${batch}:${withRegularizers}`;
    return this.dynamicsCache.get(key, () => {
      const direction = this.config.t1 > this.config.t0 ? 1 : -1;
      return new GraphAugmentedDynamics(this.rt, this.network.graph, batch, this.terms, withRegularizers, direction);
    });
  }

  /** src/ode options for this model's solver settings (a uniform grid for a step count). */
  solveOptions(solver: SolverConfig, grid?: ArrayLike<number>): SolveOptions {
    checkSolverConfig(solver); // before a grid of solver.steps times is laid out
    const { t0, t1 } = this.config;
    const options: SolveOptions = {
      method: solver.method ?? 'dopri5',
      rtol: solver.rtol,
      atol: solver.atol,
      maxSteps: solver.maxSteps,
    };
    if (grid) options.grid = grid;
    else if (solver.steps !== undefined)
      options.grid = Array.from({ length: solver.steps + 1 }, (_, i) =>
        i === solver.steps ? t1 : t0 + ((t1 - t0) * i) / solver.steps!,
      );
    for (const key of ['rtol', 'atol', 'maxSteps'] as const) if (options[key] === undefined) delete options[key];
    return options;
  }

  /** src/ode options of the configured solver for the adjoint's backward solve (OdeBlock). */
  backwardSolveOptions(grid?: ArrayLike<number>): SolveOptions {
    return this.solveOptions(this.config.solver ?? {}, grid);
  }

  /** One solve of augmented dynamics with the configured solver (OdeBlock; the gradient methods call it). */
  solve(request: BlockSolveRequest): OdeSolution {
    return this.solveWith(this.config.solver ?? {}, request);
  }

  private solveWith(
    solver: SolverConfig,
    { dyn, y0, ts, grid, record, store, norm }: BlockSolveRequest,
    onEval?: (t: number, y: Float64Array) => void,
  ): OdeSolution {
    let f = store ? store.odeFunction : dyn.odeFunction;
    if (onEval) {
      const inner = f;
      f = {
        evaluate: (t: number, y: Tensor, dy: Tensor) => {
          onEval(t, y.asFloat64());
          typeof inner === 'function' ? callOnTensors(inner, t, y, dy) : inner.evaluate(t, y, dy);
        },
      };
    }
    const options: SolveOptions = { ...this.solveOptions(solver, grid), recordSteps: record, runtime: this.rt };
    if (store) options.recorder = store;
    if ((solver.errorNorm ?? 'all') === 'state') options.errorComponents = dyn.layout.z.count;
    // (the terms' integrals sit at the state's end as batch means: a pool's shared steps combine them so)
    if (norm) options.norm = norm({ batchMeans: dyn.layout.terms.count });
    return odeint(f, y0, ts, options);
  }

  /**
   * z(t1) for a batch of initial states [batch, D] (no regulariser states), and z at every time of
   * options.times ([times, batch, D]; z(t1) alone by default) by dense output.
   */
  predict(
    z0: Float64Array,
    options: PredictOptions = {},
  ): { z1: Float64Array; zs: Float64Array; stats: SolverStats; path: InferencePath } {
    checkKeys(options, PREDICT_OPTION_KEYS, '');
    if (options.solver !== undefined) checkSolverConfig(options.solver);
    checkNorm(options.norm);
    if (options.onEvaluation !== undefined && typeof options.onEvaluation !== 'function')
      throw new ArgumentError('onEvaluation', 'a function (t, z)', options.onEvaluation);
    if (options.fastPath !== undefined) checkBoolean(options.fastPath, 'fastPath');
    const batch = this.batchOf(z0, 'z0');
    const { t0, t1 } = this.config;
    const times = this.outputTimes(options.times);
    const fused =
      options.fastPath === false
        ? 'fastPath: false'
        : fusedPredict(this, {
            z0,
            batch,
            times,
            solve: this.solveOptions(options.solver ?? this.config.solver ?? {}),
            onEvaluation: options.onEvaluation,
            norm: options.norm,
          });
    if (typeof fused !== 'string')
      return {
        z1: fused.z1,
        zs: gatherOutputs(
          [fused.z1],
          times.map(() => 0),
          z0.length,
        ),
        stats: fused.stats,
        path: { fused: true },
      };
    const dyn = this.dynamics(batch, false);
    const bd = batch * this.stateSize;
    const onEval = options.onEvaluation
      ? (t: number, y: Float64Array) => options.onEvaluation!(t, y.subarray(0, bd))
      : undefined;
    const { ts, index } = solveTimes(times, t0, t1);
    // odeint copies z0 into its arena buffer and hands back fresh arrays: no copy of our own either way.
    const r = this.solveWith(
      options.solver ?? this.config.solver ?? {},
      { dyn, y0: z0, ts, record: false, norm: options.norm },
      onEval,
    );
    const last = r.ys[r.ys.length - 1];
    return {
      z1: last.length === bd ? last : last.slice(0, bd),
      zs: gatherOutputs(r.ys, index, bd),
      stats: r.stats,
      path: { fused: false, reason: fused },
    };
  }

  /**
   * The training objective on one batch: the data loss of z(t1) against `target` (options.loss, mean
   * squared error by default; the loss defines the target's shape) plus λ-weighted regulariser means;
   * with `gradient`, parameter gradients are written to each Parameter.grad.
   */
  objective(z0: Float64Array, target: Float64Array, options: ObjectiveOptions = {}): ObjectiveResult {
    checkObjectiveOptions(options, OBJECTIVE_OPTION_KEYS);
    const batch = this.batchOf(z0, 'z0');
    const dataLossFn = options.loss ?? mseLoss;
    checkLoss(dataLossFn);
    dataLossFn.checkTarget(target, batch, this.stateSize);
    const bd = batch * this.stateSize;
    const { zs: _, ...result } = this.lossOver(z0, undefined, options, (z1, logDensity) => {
      const value = dataLossFn.evaluate(this.rt, z1, target, batch, logDensity);
      if (!(value.gradient instanceof Float64Array) || value.gradient.length !== bd) {
        throw new ShapeError(
          `loss ${dataLossFn.name}: its gradient holds ${value.gradient?.length} values, z(t1) holds ${bd} (expected a Float64Array)`,
        );
      }
      const ld = value.logDensityGradient,
        expected = logDensity?.length ?? 0;
      if (ld !== undefined && (!(ld instanceof Float64Array) || ld.length !== expected)) {
        throw new ShapeError(
          `loss ${dataLossFn.name}: its log-density gradient holds ${ld?.length} values, expected ${expected} (one per example with a logDensity term, else none)`,
        );
      }
      return value;
    });
    return result;
  }

  /**
   * The objective of a time series: `loss` (e.g. maskedMseLoss(target, mask)) of z at every time of
   * `times` (monotone from t0 to t1, within [t0, t1]; times inside steps by dense output), as
   * zs = [times, batch, D], plus λ-weighted regulariser means over [t0, t1]. Its cotangents enter the
   * replay or the adjoint at their times.
   */
  objectiveAt(
    z0: Float64Array,
    times: ArrayLike<number>,
    loss: SeriesLoss,
    options: ObjectiveAtOptions = {},
  ): ObjectiveAtResult {
    checkObjectiveOptions(
      options,
      OBJECTIVE_OPTION_KEYS.filter((k) => k !== 'loss'),
    );
    const batch = this.batchOf(z0, 'z0');
    if (times === undefined) throw new ArgumentError('times', 'the output times', times);
    this.outputTimes(times);
    if (typeof loss !== 'function')
      throw new ArgumentError('loss', 'a function (zs, shape) => { value, gradient }', loss);
    const shape = { times: times.length, batch, d: this.stateSize };
    return this.lossOver(z0, times, options, (zs) => {
      const value = loss(zs, shape);
      if (!(value?.gradient instanceof Float64Array) || value.gradient.length !== zs.length) {
        throw new ShapeError(
          `loss: its gradient holds ${value?.gradient?.length} values, zs holds ${zs.length} ([times, batch, D]; expected a Float64Array)`,
        );
      }
      return value;
    });
  }

  /** forward, the data loss of zs, and (if asked) backward. */
  private lossOver(
    z0: Float64Array,
    times: ArrayLike<number> | undefined,
    options: ObjectiveAtOptions,
    dataLossOf: (
      zs: Float64Array,
      logDensity?: Float64Array,
    ) => { value: number; gradient: Float64Array; logDensityGradient?: Float64Array },
  ): ObjectiveAtResult {
    const wantGrad = options.gradient ?? true;
    const pass = this.forward(z0, {
      rng: options.rng,
      grid: options.grid,
      record: wantGrad,
      times,
      ...(options.lambdaScale === undefined ? {} : { lambdaScale: options.lambdaScale }),
      ...(options.norm === undefined ? {} : { norm: options.norm }),
    });
    let loss: ReturnType<typeof dataLossOf>;
    try {
      loss = dataLossOf(pass.result.zs, pass.result.logDensity);
      if (wantGrad) {
        checkFiniteGradient(loss.gradient, 'loss');
        if (loss.logDensityGradient) checkFiniteGradient(loss.logDensityGradient, 'loss', 'log-density gradient');
      }
    } catch (error) {
      this.release(pass); // a backward that will not come must not leave the stored stages allocated
      throw error;
    }
    const { value, gradient, logDensityGradient } = loss;
    pass.result.dataLoss = value;
    pass.result.loss += value;
    if (!wantGrad) return pass.result;
    zeroGrads(this.params);
    this.backward(pass, gradient, logDensityGradient);
    return pass.result;
  }

  /**
   * The forward half of `objective`: solves from z0 with the regulariser states (recording the accepted
   * steps when `record` and the gradient method replays them; 'backprop' keeps their stages in the arena
   * until `backward`, which must come before an arena scope around the call ends), writing z at every output time into
   * result.zs ([times, batch, D]; z(t1) alone by default). `result.loss` holds Σ λ·R so far (no data
   * loss: the caller adds it, e.g. a Model's head). Pass the returned value to `backward`.
   */
  forward(z0: Float64Array, options: ForwardOptions = {}): ForwardPass {
    checkKeys(options, FORWARD_OPTION_KEYS, '');
    if (options.rng !== undefined) checkRng(options.rng, 'rng');
    const lambdaScale = checkLambdaScale(options.lambdaScale);
    checkNorm(options.norm);
    const batch = this.batchOf(z0, 'z0');
    const { t0, t1 } = this.config;
    const times = this.outputTimes(options.times);
    const dyn = this.dynamics(batch, true);
    if (termsNeedNoise([...this.terms, ...this.stepTerms])) {
      if (!options.rng)
        throw new ArgumentError(
          'rng',
          "an Rng for the noise of the Jacobian term, the Hutchinson trace and R_K's stepRandom times",
          undefined,
        );
      dyn.resampleNoise(options.rng);
    }
    const { layout } = dyn;
    const bd = batch * this.stateSize;
    const y0 = new Float64Array(dyn.stateSize);
    y0.set(z0);
    const { ts, index } = solveTimes(times, t0, t1);
    const { norm, grid } = options;
    let recorded: RecordedForward | undefined;
    let fwd: OdeSolution;
    let nfeForward: number;
    if (options.record) {
      // The terms may wait for the backward pass only where the steps stay those of the augmented solve.
      const lazyTerms =
        options.lazyTerms === true &&
        (this.config.solver?.errorNorm ?? 'all') === 'state' &&
        layout.logDensity.count === 0 &&
        dyn.terms.length > 0;
      recorded = this.gradientMethod.forward(this, dyn, y0, { ts, grid, norm, lazyTerms });
      ({ solution: fwd, nfe: nfeForward } = recorded);
    } else {
      dyn.nfe = 0;
      fwd = this.solve({ dyn, y0, ts, grid, record: false, norm });
      nfeForward = dyn.nfe;
    }
    // R_K's stepRandom: one uniform time per accepted step, drawn after the integral terms' noise.
    const stepDraws =
      recorded && fwd.steps && this.stepTerms.some((t) => termsNeedNoise([t]))
        ? options.rng!.fill(new Float64Array(fwd.steps.t.length))
        : undefined;
    const yEnd = fwd.ys[fwd.ys.length - 1];
    const zs = gatherOutputs(fwd.ys, index, bd);
    const logDensity =
      layout.logDensity.count > 0 ? yEnd.slice(layout.logDensity.offset, layout.logDensity.offset + batch) : undefined;
    const regularizers: Record<string, number> = {};
    let loss = 0;
    if (!recorded?.termsSkipped) {
      dyn.terms.forEach((term, j) => {
        regularizers[term.name] = yEnd[layout.terms.offset + j];
        loss += lambdaScale * term.lambda * regularizers[term.name];
      });
    }
    const result: ObjectiveAtResult = {
      loss,
      dataLoss: 0,
      regularizers,
      ...(logDensity ? { logDensity } : {}),
      z1: yEnd.slice(0, bd),
      zs,
      nfeForward,
      nfeBackward: 0,
      forwardStats: fwd.stats,
      steps: fwd.steps,
      checkpointBytes: fwd.steps ? fwd.steps.t.length * dyn.stateSize * 8 : 0,
      storedBytes: recorded?.stored ? recorded.stored.end - recorded.stored.start : 0,
    };
    return {
      result,
      dyn,
      times,
      grid,
      noise: dyn.saveNoise(),
      lambdaScale,
      ...(recorded ? { recorded } : {}),
      ...(norm ? { norm } : {}),
      ...(stepDraws ? { stepDraws } : {}),
    };
  }

  /**
   * For a pass whose `backward` will not come (backward calls it too): frees what its gradient method
   * kept ('backprop': the stored stages, once nothing live lies above them; else its caller's scope
   * will). Nothing to free for the other gradient methods.
   */
  release(pass: ForwardPass): void {
    if (typeof pass !== 'object' || pass === null || !('result' in pass))
      throw new ArgumentError('pass', 'a forward pass (what forward returned)', pass);
    if (pass.recorded) this.gradientMethod.release(this, pass.recorded);
  }

  /**
   * The backward half: given ∂L/∂zs (the cotangent of z at every output time of the pass, [times,
   * batch, D]; ∂L/∂z(t1) by default) and of Δlog p per example (with a logDensity term; default 0),
   * ACCUMULATES parameter gradients (call zeroGrads first) and sets result.zbar0 and
   * result.nfeBackward on the pass's result; returns ∂L/∂z(t0).
   */
  backward(pass: ForwardPass, zsBar: Float64Array, logDensityBar?: Float64Array): Float64Array {
    const { dyn, result, times, recorded, lambdaScale } = pass;
    if (!recorded)
      throw new ArgumentError(
        'pass',
        'a forward pass with record: true (what the gradient method keeps for backward)',
        'none recorded',
      );
    const { layout } = dyn;
    // A loss that does not read Δlog p leaves its cotangent zero (the term is then only monitored).
    logDensityBar ??= new Float64Array(layout.logDensity.count);
    if (!(logDensityBar instanceof Float64Array) || logDensityBar.length !== layout.logDensity.count) {
      throw new ShapeError(
        `log-density gradient: holds ${logDensityBar?.length} values, expected ${layout.logDensity.count} (one per example with a logDensity term, else none)`,
      );
    }
    const bd = dyn.batch * this.stateSize;
    if (!(zsBar instanceof Float64Array) || zsBar.length !== times.length * bd) {
      throw new ShapeError(
        `zsBar: expected a Float64Array of ${times.length * bd} values (like zs: ${times.length} times × ${bd}), got ${zsBar?.length}`,
      );
    }
    // Another forward of the same batch size may have drawn new noise since this pass's.
    dyn.restoreNoise(pass.noise);
    const at = (values: Float64Array, m: number) => values.subarray(m * bd, (m + 1) * bd);
    const stepTerms = this.stepTerms;
    dyn.nfe = 0;
    // (the method frees what its forward kept, whatever happens)
    const back = this.gradientMethod.backward(this, {
      dyn,
      recorded,
      times,
      logDensityBar,
      grid: pass.grid,
      norm: pass.norm,
      z1: result.z1,
      zBars: times.map((_, m) => at(zsBar, m)),
      zs: result.zs,
      termCotangents: Float64Array.from(dyn.terms, (term) => lambdaScale * term.lambda),
      // The step terms' weights are the cotangents of their values; their tolerances are the solver's.
      stepTerms: stepTerms.map((term) => ({
        term,
        weight: lambdaScale * (term.lambda ?? 0),
        ...(pass.stepDraws ? { draws: pass.stepDraws } : {}),
      })),
    });
    stepTerms.forEach((t, j) => {
      const value = back.stepTermValues[j] ?? 0;
      result.regularizers[termName(t)] = value;
      result.loss += lambdaScale * (t.lambda ?? 0) * value;
    });
    result.zbar0 = back.zbar0;
    result.nfeBackward = dyn.nfe;
    return result.zbar0;
  }

  /** Checked output times (monotone from t0 to t1, within [t0, t1], at least one); t1 alone when not given. */
  private outputTimes(times: ArrayLike<number> | undefined): number[] {
    if (times === undefined) return [this.config.t1];
    checkOutputTimes(times, this.config.t0, this.config.t1, 'times');
    if (times.length === 0) throw new ArgumentError('times', 'at least one output time', 0);
    return Array.from(times);
  }

  private batchOf(z0: Float64Array, name: string): number {
    const d = this.stateSize;
    if (!(z0 instanceof Float64Array) || z0.length === 0 || z0.length % d !== 0)
      throw new ShapeError(`${name}: expected a Float64Array of batch × ${d} values, got ${z0?.length}`);
    checkBatchFits(this.rt.arena, z0.length / d, d, name);
    for (let i = 0; i < z0.length; i++)
      if (!Number.isFinite(z0[i])) throw new ArgumentError(`${name}[${i}]`, 'a finite initial state', z0[i]);
    return z0.length / d;
  }
}

/** z (the first bd values of each state) at every output time, [times, batch, D], from odeint's rows `index`. */
function gatherOutputs(ys: readonly Float64Array[], index: readonly number[], bd: number): Float64Array {
  const zs = new Float64Array(index.length * bd);
  index.forEach((row, m) => zs.set(ys[row].subarray(0, bd), m * bd));
  return zs;
}

function checkObjectiveOptions(options: ObjectiveOptions, keys: readonly string[]): void {
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

function checkNorm(norm: StateNorm | undefined): void {
  if (norm !== undefined && typeof norm !== 'function')
    throw new ArgumentError('norm', 'a function ({ batchMeans }) => a norm strategy (src/ode/norm.ts)', norm);
}
