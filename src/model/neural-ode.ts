// A neural ODE z(t1) = z(t0) + ∫ f(z, t; θ) dt with an MLP f, batched (one step size for the whole
// batch, as the paper's code and torchdiffeq do), trained on a data loss of z(t1) (losses.ts; mean
// squared error by default) plus λ-weighted regularisers integrated in the same solve. Gradients: discretise-then-optimise with step-level
// checkpoints (default) or the continuous adjoint.
import { ArgumentError, ShapeError } from '../errors.js';

export type { SolverConfig } from './solver-config.js';
import { checkRng, type Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { zeroGrads, type ParameterLike } from '../training/parameters.js';
import { adjointGradient } from './adjoint.js';
import type { AugmentedDynamics } from './augmented.js';
import { GraphAugmentedDynamics } from './graph-dynamics.js';
import { odeint, type OdeSolution } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { AcceptedSteps, SolverStats } from '../ode/stats.js';
import { TABLEAUS } from '../ode/tableaus.js';
import { checkBoolean, checkKeys, checkOneOf } from '../config/strict.js';
import { checkRuntime } from '../runtime/check.js';
import { checkSolverConfig, type SolverConfig } from './solver-config.js';
import { backpropagateSteps } from './replay.js';
import { checkNetworkSpec, createNetwork, type Network, type NetworkSpec } from './mlp.js';
import { checkRegularizers, type RegularizerConfig } from './regularizers.js';
import { checkLoss, mseLoss, type DataLoss } from './losses.js';

export type GradientMethod = 'checkpoint' | 'adjoint';

export interface NeuralOdeConfig {
  mlp: NetworkSpec;
  regularizers?: RegularizerConfig;
  solver?: SolverConfig;
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
  z1: Float64Array;
  nfeForward: number;
  nfeBackward: number;
  forwardStats: SolverStats;
  /** accepted steps of the forward solve with their start states (when the gradient replays them) */
  steps?: AcceptedSteps;
  /** bytes of checkpointed states kept for the backward pass */
  checkpointBytes: number;
  /** gradient of the loss with respect to z(t0) (when computed) */
  zbar0?: Float64Array;
}

export interface ObjectiveOptions {
  gradient?: boolean;
  /** Rng for the Jacobian term's ε (required when that term is on) */
  rng?: Rng;
  /** step boundaries to use instead of choosing steps (e.g. an adaptive solve's accepted steps, to hold accept/reject decisions fixed) */
  grid?: ArrayLike<number>;
  /** the data loss on z(t1) (default mseLoss; softmaxCrossEntropyLoss, gaussianNllLoss(σ), tapeLoss(…)) */
  loss?: DataLoss;
}

export interface PredictOptions {
  solver?: SolverConfig;
  /** called at every evaluation of f with (t, z) (a copy is not made: read it immediately) */
  onEvaluation?: (t: number, z: Float64Array) => void;
}

export type ResolvedConfig = NeuralOdeConfig & { t0: number; t1: number; gradient: GradientMethod };

export const CONFIG_KEYS = ['mlp', 'regularizers', 'solver', 'gradient', 't0', 't1'] as const;
const OBJECTIVE_OPTION_KEYS = ['gradient', 'rng', 'grid', 'loss'] as const;
const PREDICT_OPTION_KEYS = ['solver', 'onEvaluation'] as const;

/**
 * How many batch sizes keep their augmented dynamics (jet programs, ε, replay slots) cached: training
 * uses one or two, evaluation a few more; a caller cycling through many sizes must not grow memory.
 */
export const DYNAMICS_CACHE_SIZE = 8;

/** Checks every key and value (sizes bounded by src/config/limits) without allocating anything. */
export function checkConfig(config: NeuralOdeConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw new ArgumentError('config', 'an object { mlp, regularizers?, solver?, … }', config);
  // The option chose between two implementations until the plain-TypeScript one was removed; say so
  // rather than call it unknown (loadModel drops the field that older model files carry).
  if ('backend' in config) throw new ArgumentError('backend', 'no such option (removed: there is one implementation of the dynamics)', (config as { backend?: unknown }).backend);
  checkKeys(config, CONFIG_KEYS, '');
  checkNetworkSpec(config.mlp);
  checkRegularizers(config.regularizers ?? {});
  checkSolverConfig(config.solver ?? {});
  const gradient = checkOneOf(config.gradient ?? 'checkpoint', ['checkpoint', 'adjoint'] as const, 'gradient');
  const t0 = config.t0 ?? 0, t1 = config.t1 ?? 1;
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw new ArgumentError('t0', 'a finite start time', t0);
  if (typeof t1 !== 'number' || !Number.isFinite(t1) || t0 === t1) throw new ArgumentError('t1', `a finite end time different from t0 = ${t0}`, t1);
  return { ...config, gradient, t0, t1 };
}

export class NeuralOde {
  readonly config: ResolvedConfig;
  /** by batch size and regulariser flag, least recently used first */
  private readonly dynamicsCache = new Map<string, AugmentedDynamics>();

  constructor(readonly rt: Runtime, readonly network: Network, config: NeuralOdeConfig) {
    checkRuntime(rt, 'rt');
    if (typeof network !== 'object' || network === null || !network.mlp || !network.graph) throw new ArgumentError('network', 'a Network from createNetwork', network);
    this.config = checkConfig(config);
  }

  /** A model with freshly initialised weights (drawn from `rng`). */
  static create(rt: Runtime, config: NeuralOdeConfig, rng: Rng): NeuralOde {
    checkRuntime(rt, 'rt');
    checkConfig(config);
    checkRng(rng, 'rng');
    return new NeuralOde(rt, createNetwork(rt, config.mlp, rng), config);
  }

  get params(): ParameterLike[] {
    return this.network.mlp.params;
  }

  get stateSize(): number {
    return this.network.mlp.spec.widths[0];
  }

  /**
   * The augmented dynamics for a batch size, with or without the regulariser states; the
   * DYNAMICS_CACHE_SIZE most recently used are kept (their programs are built once per size).
   */
  dynamics(batch: number, withRegularizers: boolean): AugmentedDynamics {
    const key = `${batch}:${withRegularizers}`;
    let dyn = this.dynamicsCache.get(key);
    if (dyn) {
      this.dynamicsCache.delete(key); // re-inserted below as the most recently used
    } else {
      dyn = new GraphAugmentedDynamics(this.rt, this.network.graph, batch, this.config.regularizers ?? {}, withRegularizers);
      if (this.dynamicsCache.size >= DYNAMICS_CACHE_SIZE) this.dynamicsCache.delete(this.dynamicsCache.keys().next().value!);
    }
    this.dynamicsCache.set(key, dyn);
    return dyn;
  }

  /** How many batch sizes' dynamics are cached (at most DYNAMICS_CACHE_SIZE). */
  get cachedDynamicsCount(): number {
    return this.dynamicsCache.size;
  }

  /** src/ode options for this model's solver settings (a uniform grid for a step count). */
  solveOptions(solver: SolverConfig, grid?: ArrayLike<number>): SolveOptions {
    checkSolverConfig(solver); // before a grid of solver.steps times is laid out
    const { t0, t1 } = this.config;
    const options: SolveOptions = { method: solver.method ?? 'dopri5', rtol: solver.rtol, atol: solver.atol, maxSteps: solver.maxSteps };
    if (grid) options.grid = grid;
    else if (solver.steps !== undefined) options.grid = Array.from({ length: solver.steps + 1 }, (_, i) => (i === solver.steps ? t1 : t0 + ((t1 - t0) * i) / solver.steps!));
    for (const key of ['rtol', 'atol', 'maxSteps'] as const) if (options[key] === undefined) delete options[key];
    return options;
  }

  private solve(dyn: AugmentedDynamics, y0: Float64Array, solver: SolverConfig, record: boolean, grid?: ArrayLike<number>, onEval?: (t: number, y: Float64Array) => void): OdeSolution {
    let f = dyn.odeFunction;
    if (onEval) {
      const inner = f;
      f = { evaluate: (t: number, y: Tensor, dy: Tensor) => { onEval(t, y.data); typeof inner === 'function' ? inner(t, y.data, dy.data) : inner.evaluate(t, y, dy); } };
    }
    return odeint(f, y0, [this.config.t0, this.config.t1], { ...this.solveOptions(solver, grid), recordSteps: record, runtime: this.rt });
  }

  /** z(t1) for a batch of initial states [batch, D] (no regulariser states). */
  predict(z0: Float64Array, options: PredictOptions = {}): { z1: Float64Array; stats: SolverStats } {
    checkKeys(options, PREDICT_OPTION_KEYS, '');
    if (options.solver !== undefined) checkSolverConfig(options.solver);
    if (options.onEvaluation !== undefined && typeof options.onEvaluation !== 'function') throw new ArgumentError('onEvaluation', 'a function (t, z)', options.onEvaluation);
    const batch = this.batchOf(z0, 'z0');
    const dyn = this.dynamics(batch, false);
    const bd = batch * this.stateSize;
    const onEval = options.onEvaluation ? (t: number, y: Float64Array) => options.onEvaluation!(t, y.subarray(0, bd)) : undefined;
    const r = this.solve(dyn, z0.slice(), options.solver ?? this.config.solver ?? {}, false, undefined, onEval);
    return { z1: r.ys[1].slice(0, bd), stats: r.stats };
  }

  /**
   * The training objective on one batch: the data loss of z(t1) against `target` (options.loss, mean
   * squared error by default; the loss defines the target's shape) plus λ-weighted regulariser means;
   * with `gradient`, parameter gradients are written to each Parameter.grad.
   */
  objective(z0: Float64Array, target: Float64Array, options: ObjectiveOptions = {}): ObjectiveResult {
    checkKeys(options, OBJECTIVE_OPTION_KEYS, '');
    if (options.gradient !== undefined) checkBoolean(options.gradient, 'gradient');
    if (options.rng !== undefined) checkRng(options.rng, 'rng');
    const batch = this.batchOf(z0, 'z0');
    const dataLossFn = options.loss ?? mseLoss;
    checkLoss(dataLossFn);
    dataLossFn.checkTarget(target, batch, this.stateSize);
    const dyn = this.dynamics(batch, true);
    if (dyn.terms.some((t) => t.name === 'jacobian')) {
      if (!options.rng) throw new ArgumentError('rng', 'an Rng for the Jacobian regulariser\'s ε', undefined);
      dyn.resampleNoise(options.rng);
    }
    const bd = batch * this.stateSize;
    const y0 = new Float64Array(dyn.stateSize);
    y0.set(z0);
    const solver = this.config.solver ?? {};
    const wantGrad = options.gradient ?? true;
    const replay = wantGrad && this.config.gradient === 'checkpoint';
    dyn.nfe = 0;
    const fwd = this.solve(dyn, y0, solver, replay, options.grid);
    const nfeForward = dyn.nfe;
    const yEnd = fwd.ys[1];
    const z1 = yEnd.slice(0, bd);
    const { value: dataLoss, gradient: zbar1 } = dataLossFn.evaluate(this.rt, z1, target, batch);
    if (!(zbar1 instanceof Float64Array) || zbar1.length !== bd) {
      throw new ShapeError(`loss ${dataLossFn.name}: its gradient holds ${zbar1?.length} values, z(t1) holds ${bd} (expected a Float64Array)`);
    }
    const regularizers: Record<string, number> = {};
    let loss = dataLoss;
    dyn.terms.forEach((term, j) => {
      regularizers[term.name] = yEnd[bd + j];
      loss += term.lambda * regularizers[term.name];
    });
    const result: ObjectiveResult = {
      loss, dataLoss, regularizers, z1, nfeForward, nfeBackward: 0, forwardStats: fwd.stats, steps: fwd.steps,
      checkpointBytes: replay && fwd.steps ? fwd.steps.t.length * dyn.stateSize * 8 : 0,
    };
    if (!wantGrad) return result;

    zeroGrads(this.params);
    const ybar1 = new Float64Array(dyn.stateSize);
    ybar1.set(zbar1);
    const termCotangents = Float64Array.from(dyn.terms, (term) => term.lambda);
    ybar1.set(termCotangents, bd);
    dyn.nfe = 0;
    if (this.config.gradient === 'checkpoint') {
      const replayDynamics = { stage: dyn.replayStage.bind(dyn), vjp: dyn.replayVjp.bind(dyn) };
      const { ybar } = backpropagateSteps(this.rt, replayDynamics, fwd.steps!, TABLEAUS[solver.method ?? 'dopri5'], ybar1);
      result.zbar0 = ybar.slice(0, bd);
    } else {
      const adj = adjointGradient(this.rt, dyn, this.params, z1, ybar1.subarray(0, bd), termCotangents, this.config.t0, this.config.t1, this.solveOptions(solver, options.grid));
      result.zbar0 = adj.zbar0;
    }
    result.nfeBackward = dyn.nfe;
    return result;
  }

  private batchOf(z0: Float64Array, name: string): number {
    const d = this.stateSize;
    if (!(z0 instanceof Float64Array) || z0.length === 0 || z0.length % d !== 0) throw new ShapeError(`${name}: expected a Float64Array of batch × ${d} values, got ${z0?.length}`);
    for (let i = 0; i < z0.length; i++) if (!Number.isFinite(z0[i])) throw new ArgumentError(`${name}[${i}]`, 'a finite initial state', z0[i]);
    return z0.length / d;
  }
}
