// One row of Table 2: a flow trained by maximum likelihood (Hutchinson's trace, Adam) with one
// regulariser under one training solver, then evaluated with the exact trace and dopri5. Every row
// starts from the same weights and sees the same minibatches and ε, so only the regulariser and the
// solver differ. A row whose training blows up (a non-finite loss, or a solver failure) stops there and
// is reported as diverged with NaN figures: the paper's NaN rows.
import {
  Rng,
  type Runtime,
  type NeuralOde,
  flowNllLoss,
  OdeSolverError,
  Adam,
  gatherRows,
  MinibatchSampler,
  WorkerError,
  type PoolObjectiveResult,
  type WorkerPool,
} from 'taynode';
import type { DensityData } from './data.js';
import {
  createFlow,
  evaluateDensity,
  parseTrainSolver,
  solverName,
  trainingSolver,
  trainingTerms,
  type Regulariser,
} from './model.js';
import type { CnfSettings } from './settings.js';
import { runSteps, runStepsOn, type ObjectiveStep } from '../../workers.js';

export interface RowProgress {
  iteration: number;
  loss: number;
  nfeForward: number;
  nfeBackward: number;
}

export interface RowResult {
  regulariser: Regulariser;
  solver: string;
  lambda: number;
  /** true when training stopped on a non-finite loss or a solver failure */
  diverged: boolean;
  failure?: string;
  iterationsDone: number;
  /** wall time of the training loop (on a shared machine it depends on the load) */
  trainSeconds: number;
  /** CPU time of the training loop: node runs it on one core, so this is about the wall time on an idle machine */
  trainCpuSeconds: number;
  /** mean training loss (Hutchinson NLL + λ·terms) over the last tenth of the iterations */
  trainLoss: number;
  /** mean training NFE per iteration, forward and backward */
  trainNfeForward: number;
  trainNfeBackward: number;
  /** per evaluation tolerance: exact-trace test NLL (nats) and dopri5 NFE */
  evals: { tol: number; nll: number; nfe: number; examples: number; failure?: string }[];
  model: NeuralOde;
}

export function trainRow(
  rt: Runtime,
  data: DensityData,
  s: CnfSettings,
  reg: Regulariser,
  solverText: string,
  lambda: number,
  onIteration?: (p: RowProgress) => void,
): RowResult {
  return runSteps(rowSteps(rt, data, s, reg, solverText, lambda, onIteration));
}

/** trainRow across a worker pool (each iteration's objective shared by the pool's workers). */
export function trainRowOn(
  pool: WorkerPool,
  rt: Runtime,
  data: DensityData,
  s: CnfSettings,
  reg: Regulariser,
  solverText: string,
  lambda: number,
  onIteration?: (p: RowProgress) => void,
): Promise<RowResult> {
  return runStepsOn(pool, rowSteps(rt, data, s, reg, solverText, lambda, onIteration));
}

type Figures = Pick<PoolObjectiveResult, 'loss' | 'nfeForward' | 'nfeBackward'>;

/** A solver failure on this thread, or in a pool's worker (reported there by the error's name). */
const solverFailure = (e: unknown): boolean =>
  e instanceof OdeSolverError ||
  (e instanceof WorkerError &&
    /^worker \d+: (OdeSolverError|MaxStepsError|StepSizeError|NonFiniteError):/.test(e.message));

function* rowSteps(
  rt: Runtime,
  data: DensityData,
  s: CnfSettings,
  reg: Regulariser,
  solverText: string,
  lambda: number,
  onIteration?: (p: RowProgress) => void,
): Generator<ObjectiveStep<Figures>, RowResult, Figures> {
  const solver = parseTrainSolver(solverText);
  const terms = trainingTerms(reg, lambda, s.noise);
  const flow = createFlow(
    rt,
    { dim: data.dim, hidden: s.hidden, activation: s.activation },
    terms,
    trainingSolver(solver, s.trainTol, s.maxSteps),
    new Rng(s.seed),
  );
  const optimizer = new Adam(rt.kernels, flow.params, { lr: s.lr });
  const n = data.train.length / data.dim;
  const sampler = new MinibatchSampler(n, Math.min(s.batchSize, n), new Rng(s.seed + 17));
  const noiseRng = new Rng(s.seed + 29);
  const zeros = new Float64Array(Math.min(s.batchSize, n));
  const batch = new Float64Array(zeros.length * data.dim);
  const tail = Math.max(1, Math.ceil(s.iterations / 10));
  let diverged = false,
    failure: string | undefined,
    done = 0,
    tailLoss = 0,
    tailCount = 0,
    nfeF = 0,
    nfeB = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let it = 0; it < s.iterations; it++) {
    gatherRows(data.train, data.dim, sampler.next(), batch);
    let r: Figures;
    try {
      r = yield {
        single: () => flow.objective(batch, zeros, { rng: noiseRng, loss: flowNllLoss }),
        pooled: (pool) => pool.objective(flow, batch, zeros, { rng: noiseRng, loss: flowNllLoss }),
      };
    } catch (e) {
      if (!solverFailure(e)) throw e;
      diverged = true;
      failure = `iteration ${it}: ${(e as Error).message}`;
      break;
    }
    if (!Number.isFinite(r.loss)) {
      diverged = true;
      failure = `iteration ${it}: loss ${r.loss}`;
      break;
    }
    optimizer.step();
    done++;
    nfeF += r.nfeForward;
    nfeB += r.nfeBackward;
    if (it >= s.iterations - tail) {
      tailLoss += r.loss;
      tailCount++;
    }
    onIteration?.({ iteration: it, loss: r.loss, nfeForward: r.nfeForward, nfeBackward: r.nfeBackward });
  }
  const trainSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const evals = s.evalTols.map((tol) => {
    const all = data.test.length / data.dim;
    const examples = s.evalTols.length > 1 && tol === Math.min(...s.evalTols) ? Math.min(s.tightEvalSize, all) : all;
    if (diverged) return { tol, nll: NaN, nfe: NaN, examples, failure: 'training diverged' };
    const e = evaluateDensity(flow, data.test.subarray(0, examples * data.dim), tol, { maxSteps: 100_000 });
    return { tol, nll: e.nll, nfe: e.nfe, examples, ...(e.failure ? { failure: e.failure } : {}) };
  });
  return {
    regulariser: reg,
    solver: solverName(solver),
    lambda: reg === 'none' ? 0 : lambda,
    diverged,
    ...(failure ? { failure } : {}),
    iterationsDone: done,
    trainSeconds,
    trainCpuSeconds,
    trainLoss: tailCount ? tailLoss / tailCount : NaN,
    trainNfeForward: done ? nfeF / done : NaN,
    trainNfeBackward: done ? nfeB / done : NaN,
    evals,
    model: flow,
  };
}
