// A neural ODE z(t1) = z(t0) + ∫ f(z, t; θ) dt with an MLP f, batched (one step size for the whole
// batch, as the paper's code and torchdiffeq do), trained on a data loss of z(t1) (losses.ts; mean
// squared error by default) or of z at many output times (objectiveAt, series-losses.ts) plus
// λ-weighted regularisers integrated in the same solve. Gradients: discretise-then-optimise with
// step-level checkpoints (default) or the continuous adjoint.
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
import { checkLoss, mseLoss, type DataLoss } from './losses.js';
import { checkOutputTimes, solveTimes } from './outputs.js';
import type { SeriesLoss, SeriesLossValue } from './series-losses.js';

export interface SolverConfig {
  /** Runge–Kutta method of src/ode (default dopri5) */
  method?: MethodName;
  rtol?: number;
  atol?: number;
  /** equal steps on [t0, t1]: required for fixed-step methods, optional (a fixed grid) for adaptive ones */
  steps?: number;
  maxSteps?: number;
}

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

export type ObjectiveAtOptions = Omit<ObjectiveOptions, 'loss'>;

export interface ObjectiveAtResult extends ObjectiveResult {
  /** z at every output time, [times, batch, D] (dataLoss is the series loss's value on it) */
  zs: Float64Array;
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
  const solver = config.solver ?? {};
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

  /** The augmented dynamics for a batch size (cached), with or without the regulariser states. */
  dynamics(batch: number, withRegularizers: boolean): AugmentedDynamics {
    const key = `${batch}:${withRegularizers}`;
    let dyn = this.dynamicsCache.get(key);
    if (!dyn) {
      dyn = new GraphAugmentedDynamics(this.rt, this.network.graph, batch, this.config.regularizers ?? {}, withRegularizers);
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

  private solve(
    dyn: AugmentedDynamics, y0: Float64Array, solver: SolverConfig, record: boolean, grid?: ArrayLike<number>,
    onEval?: (t: number, y: Float64Array) => void, ts: readonly number[] = [this.config.t0, this.config.t1],
  ): OdeSolution {
    let f = dyn.odeFunction;
    if (onEval) {
      const inner = f;
      f = { evaluate: (t: number, y: Tensor, dy: Tensor) => { onEval(t, y.data); typeof inner === 'function' ? inner(t, y.data, dy.data) : inner.evaluate(t, y, dy); } };
    }
    return odeint(f, y0, ts, { ...this.solveOptions(solver, grid), recordSteps: record, runtime: this.rt });
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
    const bd = batch * this.stateSize;
    const { zs: _, ...result } = this.objectiveOver(z0, batch, [this.config.t1], options, (z1) => {
      const value = dataLossFn.evaluate(this.rt, z1, target, batch);
      if (!(value.gradient instanceof Float64Array) || value.gradient.length !== bd) {
        throw new ShapeError(`loss ${dataLossFn.name}: its gradient holds ${value.gradient?.length} values, z(t1) holds ${bd} (expected a Float64Array)`);
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
  objectiveAt(z0: Float64Array, times: ArrayLike<number>, loss: SeriesLoss, options: ObjectiveAtOptions = {}): ObjectiveAtResult {
    const batch = this.batchOf(z0, 'z0');
    const { t0, t1 } = this.config;
    checkOutputTimes(times, t0, t1, 'times');
    if (times.length === 0) throw new ArgumentError('times', 'at least one output time', 0);
    if (typeof loss !== 'function') throw new ArgumentError('loss', 'a function (zs, shape) => { value, gradient }', loss);
    const shape = { times: times.length, batch, d: this.stateSize };
    return this.objectiveOver(z0, batch, Array.from(times), options, (zs) => {
      const value = loss(zs, shape);
      if (!(value?.gradient instanceof Float64Array) || value.gradient.length !== zs.length) {
        throw new ShapeError(`loss: its gradient holds ${value?.gradient?.length} values, zs holds ${zs.length} ([times, batch, D]; expected a Float64Array)`);
      }
      return value;
    });
  }

  /** Solve, data loss of z at checked output times (flattened [times, batch, D]), regularisers, gradient. */
  private objectiveOver(
    z0: Float64Array,
    batch: number,
    times: readonly number[],
    options: ObjectiveAtOptions,
    dataLossOf: (zs: Float64Array) => SeriesLossValue,
  ): ObjectiveAtResult {
    const dyn = this.dynamics(batch, true);
    if (dyn.terms.some((t) => t.name === 'jacobian')) {
      if (!options.rng) throw new ArgumentError('rng', 'an Rng for the Jacobian regulariser\'s ε', undefined);
      dyn.resampleNoise(options.rng);
    }
    const { t0, t1 } = this.config;
    const bd = batch * this.stateSize;
    const y0 = new Float64Array(dyn.stateSize);
    y0.set(z0);
    const solver = this.config.solver ?? {};
    const wantGrad = options.gradient ?? true;
    const replay = wantGrad && this.config.gradient === 'checkpoint';
    const { ts, index } = solveTimes(times, t0, t1);
    dyn.nfe = 0;
    const fwd = this.solve(dyn, y0, solver, replay, options.grid, undefined, ts);
    const nfeForward = dyn.nfe;
    const yEnd = fwd.ys[fwd.ys.length - 1];
    const zs = new Float64Array(times.length * bd);
    index.forEach((row, m) => zs.set(fwd.ys[row].subarray(0, bd), m * bd));
    const { value: dataLoss, gradient } = dataLossOf(zs);
    const regularizers: Record<string, number> = {};
    let loss = dataLoss;
    dyn.terms.forEach((term, j) => {
      regularizers[term.name] = yEnd[bd + j];
      loss += term.lambda * regularizers[term.name];
    });
    const result: ObjectiveAtResult = {
      loss, dataLoss, regularizers, z1: yEnd.slice(0, bd), zs, nfeForward, nfeBackward: 0, forwardStats: fwd.stats, steps: fwd.steps,
      checkpointBytes: replay && fwd.steps ? fwd.steps.t.length * dyn.stateSize * 8 : 0,
    };
    if (!wantGrad) return result;

    zeroGrads(this.params);
    const termCotangents = Float64Array.from(dyn.terms, (term) => term.lambda);
    const zbarAt = (m: number) => gradient.subarray(m * bd, (m + 1) * bd);
    dyn.nfe = 0;
    if (this.config.gradient === 'checkpoint') {
      // The regularisers' cotangents at t1; the data loss's enter at their times (as outputs).
      const ybar1 = new Float64Array(dyn.stateSize);
      ybar1.set(termCotangents, bd);
      const cotangents = times.map((_, m) => {
        const ybar = new Float64Array(dyn.stateSize);
        ybar.set(zbarAt(m));
        return ybar;
      });
      const replayDynamics = { stage: dyn.replayStage.bind(dyn), vjp: dyn.replayVjp.bind(dyn) };
      const { ybar } = backpropagateSteps(this.rt, replayDynamics, fwd.steps!, TABLEAUS[solver.method ?? 'dopri5'], ybar1, { times, cotangents });
      result.zbar0 = ybar.slice(0, bd);
    } else {
      const outputs = { times, cotangents: times.map((_, m) => zbarAt(m)), states: times.map((_, m) => zs.subarray(m * bd, (m + 1) * bd)) };
      const adj = adjointGradient(this.rt, dyn, this.params, result.z1, new Float64Array(bd), termCotangents, t0, t1, this.solveOptions(solver, options.grid), outputs);
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
