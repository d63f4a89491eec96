// A neural ODE z(t1) = z(t0) + ∫ f(z, t; θ) dt with an MLP f, batched (one step size for the whole
// batch, as the paper's code and torchdiffeq do), trained on a data loss of z(t1) (losses.ts; mean
// squared error by default; it may read the CNF log-density too) plus λ-weighted regularisers, all
// integrated in the same solve (terms.ts). Gradients: discretise-then-optimise with step-level
// checkpoints (default) or the continuous adjoint.
import { ArgumentError, ShapeError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { zeroGrads, type ParameterLike } from '../training/parameters.js';
import { adjointGradient } from './adjoint.js';
import type { AugmentedDynamics } from './augmented.js';
import { GraphAugmentedDynamics } from './graph-dynamics.js';
import { odeint, type OdeSolution } from '../ode/solve.js';
import type { SolveOptions } from '../ode/options.js';
import type { AcceptedSteps, SolverStats } from '../ode/stats.js';
import { isAdaptive, METHOD_NAMES, TABLEAUS, type MethodName } from '../ode/tableaus.js';
import { backpropagateSteps } from './replay.js';
import { checkNetworkSpec, createNetwork, type Network, type NetworkSpec } from './mlp.js';
import { checkRegularizers, type RegularizerConfig } from './regularizers.js';
import { checkTerms, termsFromRegularizers, termsNeedNoise, type TermConfig } from './terms.js';
import { checkLoss, mseLoss, type DataLoss } from './losses.js';

export interface SolverConfig {
  /** Runge–Kutta method of src/ode (default dopri5) */
  method?: MethodName;
  rtol?: number;
  atol?: number;
  /** equal steps on [t0, t1]: required for fixed-step methods, optional (a fixed grid) for adaptive ones */
  steps?: number;
  maxSteps?: number;
  /**
   * which components enter the step-size error norm: 'all' (default) the whole augmented state, or
   * 'state' z alone, so the integrals never shorten a step and training takes the steps `predict` will
   */
  errorNorm?: ErrorNorm;
}

export type ErrorNorm = 'all' | 'state';
export const ERROR_NORMS: readonly ErrorNorm[] = ['all', 'state'];

export type GradientMethod = 'checkpoint' | 'adjoint';

export interface NeuralOdeConfig {
  mlp: NetworkSpec;
  /** the shorthand for `terms` [taylor, kinetic, jacobianFrobenius] (termsFromRegularizers); not with `terms` */
  regularizers?: RegularizerConfig;
  /** the integral terms (terms.ts): regularisers and the CNF log-density; not with `regularizers` */
  terms?: TermConfig[];
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
  /** gradient of the loss with respect to z(t0) (when computed) */
  zbar0?: Float64Array;
}

export interface ObjectiveOptions {
  gradient?: boolean;
  /** Rng for the noise of the Jacobian term and the Hutchinson trace (required when either is on) */
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

export function checkConfig(config: NeuralOdeConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw new ArgumentError('config', 'an object { mlp, regularizers?, solver?, … }', config);
  checkNetworkSpec(config.mlp);
  checkRegularizers(config.regularizers ?? {});
  if (config.terms !== undefined) {
    if (config.regularizers !== undefined) throw new ArgumentError('terms', 'either terms or regularizers, not both', config.terms);
    checkTerms(config.terms, 'terms');
  }
  const solver = config.solver ?? {};
  if (solver.errorNorm !== undefined && !ERROR_NORMS.includes(solver.errorNorm)) throw new ArgumentError('solver.errorNorm', `one of ${ERROR_NORMS.join(', ')}`, solver.errorNorm);
  const method = solver.method ?? 'dopri5';
  if (!METHOD_NAMES.includes(method)) throw new ArgumentError('solver.method', `one of ${METHOD_NAMES.join(', ')}`, method);
  const tableau = TABLEAUS[method];
  if (!isAdaptive(tableau) && solver.steps === undefined) throw new ArgumentError('solver.steps', `a step count for the fixed-step method ${tableau.name}`, undefined);
  if (solver.steps !== undefined && (!Number.isInteger(solver.steps) || solver.steps <= 0)) throw new ArgumentError('solver.steps', 'a positive integer', solver.steps);
  const gradient = config.gradient ?? 'checkpoint';
  if (gradient !== 'checkpoint' && gradient !== 'adjoint') throw new ArgumentError('gradient', '"checkpoint" or "adjoint"', gradient);
  const t0 = config.t0 ?? 0, t1 = config.t1 ?? 1;
  if (!Number.isFinite(t0)) throw new ArgumentError('t0', 'a finite start time', t0);
  if (!Number.isFinite(t1) || t0 === t1) throw new ArgumentError('t1', `a finite end time different from t0 = ${t0}`, t1);
  // The option chose between two implementations until the plain-TypeScript one was removed; say so
  // rather than ignore it (loadModel drops the field that older model files carry).
  if ('backend' in config) throw new ArgumentError('backend', 'no such option (removed: there is one implementation of the dynamics)', (config as { backend?: unknown }).backend);
  return { ...config, gradient, t0, t1 };
}

export class NeuralOde {
  readonly config: ResolvedConfig;
  private readonly dynamicsCache = new Map<string, AugmentedDynamics>();

  constructor(readonly rt: Runtime, readonly network: Network, config: NeuralOdeConfig) {
    this.config = checkConfig(config);
  }

  /** A model with freshly initialised weights (drawn from `rng`). */
  static create(rt: Runtime, config: NeuralOdeConfig, rng: Rng): NeuralOde {
    checkConfig(config);
    return new NeuralOde(rt, createNetwork(rt, config.mlp, rng), config);
  }

  get params(): ParameterLike[] {
    return this.network.mlp.params;
  }

  get stateSize(): number {
    return this.network.mlp.spec.widths[0];
  }

  /** The integral terms: `terms`, or those the `regularizers` shorthand stands for. */
  get terms(): TermConfig[] {
    return this.config.terms ?? termsFromRegularizers(this.config.regularizers ?? {});
  }

  /** The augmented dynamics for a batch size (cached), with or without the terms' states. */
  dynamics(batch: number, withRegularizers: boolean): AugmentedDynamics {
    const key = `${batch}:${withRegularizers}`;
    let dyn = this.dynamicsCache.get(key);
    if (!dyn) {
      const direction = this.config.t1 > this.config.t0 ? 1 : -1;
      dyn = new GraphAugmentedDynamics(this.rt, this.network.graph, batch, this.terms, withRegularizers, direction);
      this.dynamicsCache.set(key, dyn);
    }
    return dyn;
  }

  /** src/ode options for this model's solver settings (a uniform grid for a step count). */
  solveOptions(solver: SolverConfig, grid?: ArrayLike<number>): SolveOptions {
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
    const options: SolveOptions = { ...this.solveOptions(solver, grid), recordSteps: record, runtime: this.rt };
    if ((solver.errorNorm ?? 'all') === 'state') options.errorComponents = dyn.layout.z.count;
    return odeint(f, y0, [this.config.t0, this.config.t1], options);
  }

  /** z(t1) for a batch of initial states [batch, D] (no regulariser states). */
  predict(z0: Float64Array, options: PredictOptions = {}): { z1: Float64Array; stats: SolverStats } {
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
    const batch = this.batchOf(z0, 'z0');
    const dataLossFn = options.loss ?? mseLoss;
    checkLoss(dataLossFn);
    dataLossFn.checkTarget(target, batch, this.stateSize);
    const dyn = this.dynamics(batch, true);
    if (termsNeedNoise(this.terms)) {
      if (!options.rng) throw new ArgumentError('rng', 'an Rng for the noise of the Jacobian term and the Hutchinson trace', undefined);
      dyn.resampleNoise(options.rng);
    }
    const { layout } = dyn;
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
    const logDensity = layout.logDensity.count > 0 ? yEnd.slice(layout.logDensity.offset, layout.logDensity.offset + batch) : undefined;
    const lossValue = dataLossFn.evaluate(this.rt, z1, target, batch, logDensity);
    const { value: dataLoss, gradient: zbar1 } = lossValue;
    if (!(zbar1 instanceof Float64Array) || zbar1.length !== bd) {
      throw new ShapeError(`loss ${dataLossFn.name}: its gradient holds ${zbar1?.length} values, z(t1) holds ${bd} (expected a Float64Array)`);
    }
    // A loss that does not read Δlog p leaves its cotangent zero (the term is then only monitored).
    const logDensityBar = lossValue.logDensityGradient ?? new Float64Array(layout.logDensity.count);
    if (!(logDensityBar instanceof Float64Array) || logDensityBar.length !== layout.logDensity.count) {
      throw new ShapeError(`loss ${dataLossFn.name}: its log-density gradient holds ${logDensityBar?.length} values, expected ${layout.logDensity.count} (one per example with a logDensity term, else none)`);
    }
    const regularizers: Record<string, number> = {};
    let loss = dataLoss;
    dyn.terms.forEach((term, j) => {
      regularizers[term.name] = yEnd[layout.terms.offset + j];
      loss += term.lambda * regularizers[term.name];
    });
    const result: ObjectiveResult = {
      loss, dataLoss, regularizers, ...(logDensity ? { logDensity } : {}), z1, nfeForward, nfeBackward: 0, forwardStats: fwd.stats, steps: fwd.steps,
      checkpointBytes: replay && fwd.steps ? fwd.steps.t.length * dyn.stateSize * 8 : 0,
    };
    if (!wantGrad) return result;

    zeroGrads(this.params);
    const ybar1 = new Float64Array(dyn.stateSize);
    ybar1.set(zbar1);
    ybar1.set(logDensityBar, layout.logDensity.offset);
    const termCotangents = Float64Array.from(dyn.terms, (term) => term.lambda);
    ybar1.set(termCotangents, layout.terms.offset);
    dyn.nfe = 0;
    if (this.config.gradient === 'checkpoint') {
      const replayDynamics = { stage: dyn.replayStage.bind(dyn), vjp: dyn.replayVjp.bind(dyn) };
      const { ybar } = backpropagateSteps(this.rt, replayDynamics, fwd.steps!, TABLEAUS[solver.method ?? 'dopri5'], ybar1);
      result.zbar0 = ybar.slice(0, bd);
    } else {
      const adj = adjointGradient(this.rt, dyn, this.params, z1, ybar1.subarray(0, bd), termCotangents, this.config.t0, this.config.t1, this.solveOptions(solver, options.grid), logDensityBar);
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
