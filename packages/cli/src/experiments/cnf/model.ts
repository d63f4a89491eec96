// The flow of the experiment, as FFJORD's toy and tabular models: ConcatSquashLinear layers with tanh
// or softplus between them, one block over t ∈ [0, 1] with the log-density change integrated along z.
// Data sit at t0 = 0 and the standard normal base at t1 = 1. This file holds what a row of Table 2
// needs around that block: its training terms and solver, the exact-trace test NLL with its NFE at a
// tolerance, and sampling by solving backwards from the base.
import {
  ArgumentError,
  type Rng,
  type Runtime,
  NeuralOde,
  type SolverConfig,
  type TermConfig,
  type NoiseKind,
  type LayerSpec,
  OdeSolverError,
} from 'taynode';

/** Table 2's rows, plus Pal et al.'s ERNODE and SRNODE (step terms; `taynode beyond` compares them all). */
export type Regulariser = 'none' | 'rnode' | 'r2' | 'r3' | 'ernode' | 'srnode';
export const REGULARISERS: readonly Regulariser[] = ['none', 'rnode', 'r2', 'r3'];
export type FlowActivation = 'tanh' | 'softplus';
export const FLOW_ACTIVATIONS: readonly FlowActivation[] = ['tanh', 'softplus'];

/** A training solver: adaptive dopri5 (Table 2's ∞ steps) or rk4 on a fixed grid of `steps` steps. */
export type TrainSolver = { method: 'dopri5' } | { method: 'rk4'; steps: number };

/** 'dopri5' or 'rk4-<steps>' (e.g. rk4-8). */
export function parseTrainSolver(text: string): TrainSolver {
  if (text === 'dopri5') return { method: 'dopri5' };
  const m = /^rk4-(\d+)$/.exec(text);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 1000) return { method: 'rk4', steps: Number(m[1]) };
  throw new ArgumentError('solver', 'dopri5 or rk4-<steps> (steps in [1, 1000], e.g. rk4-8)', text);
}

export const solverName = (s: TrainSolver): string => (s.method === 'dopri5' ? 'dopri5' : `rk4-${s.steps}`);

/** FFJORD's dynamics: ConcatSquashLinear D → hidden… → D with `activation` between layers. */
export function flowDynamics(dim: number, hidden: readonly number[], activation: FlowActivation): LayerSpec {
  const widths = [dim, ...hidden, dim];
  const layers: LayerSpec[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push({ type: 'concatSquashLinear', inputs: widths[i], outputs: widths[i + 1] });
    if (i + 2 < widths.length) layers.push({ type: 'activation', fn: activation });
  }
  return { type: 'sequential', layers };
}

/**
 * The integrals a row trains with: Hutchinson's log-density (one ε per example per solve) and its
 * regulariser: RNODE's kinetic + Jacobian–Frobenius (λ each, as Finlay et al.), R_2 / R_3 on z, or
 * ERNODE's / SRNODE's step term (dopri5 training only: they need the adaptive solver's steps).
 */
export function trainingTerms(reg: Regulariser, lambda: number, noise: NoiseKind): TermConfig[] {
  const density: TermConfig = { kind: 'logDensity', estimator: 'hutchinson', noise };
  switch (reg) {
    case 'none':
      return [density];
    case 'rnode':
      return [density, { kind: 'kinetic', lambda }, { kind: 'jacobianFrobenius', lambda, noise }];
    case 'r2':
      return [density, { kind: 'taylor', order: 2, lambda }];
    case 'r3':
      return [density, { kind: 'taylor', order: 3, lambda }];
    case 'ernode':
      return [density, { kind: 'errorEstimate', lambda }];
    case 'srnode':
      return [density, { kind: 'stiffness', lambda }];
    default:
      throw new ArgumentError('regulariser', `one of ${[...REGULARISERS, 'ernode', 'srnode'].join(', ')}`, reg);
  }
}

/**
 * The training solver's settings. dopri5 puts z alone in the error norm ('state'), so the integrals
 * never shorten a step and training takes the steps the model takes at test time (the paper's code
 * integrates the regulariser separately for the same reason).
 */
export function trainingSolver(s: TrainSolver, tol: number, maxSteps: number): SolverConfig {
  return s.method === 'dopri5'
    ? { method: 'dopri5', rtol: tol, atol: tol, maxSteps, errorNorm: 'state' }
    : { method: 'rk4', steps: s.steps };
}

export interface CreateFlowOptions {
  dim: number;
  hidden: readonly number[];
  activation: FlowActivation;
}

/** A fresh flow (weights drawn from `rng`) training with `terms` under `solver`. */
export function createFlow(
  rt: Runtime,
  o: CreateFlowOptions,
  terms: TermConfig[],
  solver: SolverConfig,
  rng: Rng,
): NeuralOde {
  return NeuralOde.create(
    rt,
    { dynamics: flowDynamics(o.dim, o.hidden, o.activation), terms, solver, t0: 0, t1: 1 },
    rng,
  );
}

/** The same weights (shared Parameters) with other terms, solver or times. */
export function withSettings(
  flow: NeuralOde,
  change: { terms?: TermConfig[]; solver?: SolverConfig; t0?: number; t1?: number },
): NeuralOde {
  const { regularizers: _, ...config } = flow.config;
  return new NeuralOde(flow.rt, flow.network, { ...config, terms: change.terms ?? config.terms ?? [], ...change });
}

const LOG_2PI = Math.log(2 * Math.PI);

/** −log p(x) per example from z(t1) and Δlog p: −log N(z1; 0, I) + Δlog p (flowNllLoss's terms, per row). */
export function perExampleNll(z1: Float64Array, logDensity: Float64Array, dim: number): Float64Array {
  return logDensity.map((dl, b) => {
    let sq = 0;
    for (let d = 0; d < dim; d++) sq += z1[b * dim + d] ** 2;
    return 0.5 * sq + 0.5 * dim * LOG_2PI + dl;
  });
}

export interface DensityEvaluation {
  /** mean −log p(x) in nats (NaN when the solve failed) */
  nll: number;
  /** per example, in nats */
  perExample: Float64Array;
  /** dopri5's NFE for the batch (z and the exact Δlog p in the error norm, as FFJORD evaluates) */
  nfe: number;
  /** why the solve failed, if it did */
  failure?: string;
}

/**
 * Exact-trace −log p(x) of a batch with dopri5 at rtol = atol = `tol`: the test NLL of a row and its
 * evaluation NFE. `estimator: 'hutchinson'` (with `rng`) gives the estimate training sees instead.
 */
export function evaluateDensity(
  flow: NeuralOde,
  x: Float64Array,
  tol: number,
  {
    maxSteps = 100_000,
    estimator = 'exact',
    rng,
  }: { maxSteps?: number; estimator?: 'exact' | 'hutchinson'; rng?: Rng } = {},
): DensityEvaluation {
  const dim = flow.stateSize;
  const probe = withSettings(flow, {
    terms: [{ kind: 'logDensity', estimator }],
    solver: { method: 'dopri5', rtol: tol, atol: tol, maxSteps, errorNorm: 'all' },
  });
  try {
    const r = probe.objective(x, new Float64Array(x.length / dim), { gradient: false, rng, loss: ZERO_LOSS });
    const perExample = perExampleNll(r.z1, r.logDensity!, dim);
    const nll = perExample.reduce((a, v) => a + v, 0) / perExample.length;
    return { nll: Number.isFinite(nll) ? nll : NaN, perExample, nfe: r.nfeForward };
  } catch (e) {
    if (e instanceof OdeSolverError)
      return { nll: NaN, perExample: new Float64Array(x.length / dim).fill(NaN), nfe: NaN, failure: e.message };
    throw e;
  }
}

/** A loss that reads nothing: evaluation needs only z(t1) and Δlog p from the solve. */
const ZERO_LOSS = {
  name: 'none',
  checkTarget() {},
  evaluate(_rt: Runtime, z1: Float64Array) {
    return { value: 0, gradient: new Float64Array(z1.length) };
  },
};

/**
 * `n` samples: base draws z ~ N(0, I) from `rng`, solved backwards from t1 = 1 to t0 = 0 (dopri5 at
 * `tol`); `times` (descending from 1 to 0) also returns the trajectories [times, n, D].
 */
export function sampleFlow(
  flow: NeuralOde,
  n: number,
  rng: Rng,
  tol: number,
  times?: number[],
): { samples: Float64Array; zs: Float64Array; base: Float64Array; nfe: number } {
  const dim = flow.stateSize;
  const base = rng.fill(new Float64Array(n * dim), (r) => r.normal());
  const back = withSettings(flow, {
    terms: [],
    t0: 1,
    t1: 0,
    solver: { method: 'dopri5', rtol: tol, atol: tol, maxSteps: 100_000 },
  });
  const p = back.predict(base, times ? { times } : {});
  return { samples: p.z1, zs: p.zs, base, nfe: p.stats.nfe };
}
