// One row of Table 2: a flow trained by maximum likelihood (Hutchinson's trace, Adam) with one
// regulariser under one training solver, then evaluated with the exact trace and dopri5. Every row
// starts from the same weights and sees the same minibatches and ε, so only the regulariser and the
// solver differ. A row whose training blows up (a non-finite loss, or a solver failure) stops there and
// is reported as diverged with NaN figures: the paper's NaN rows. A converging row (settings.converge)
// trains until stop.ts's rule ends it and keeps the weights of its best validation check.
import {
  ArgumentError,
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
  float64View,
  parseTrainSolver,
  solverName,
  trainingSolver,
  trainingTerms,
  type Regulariser,
} from './model.js';
import { convergeGap, type CnfSettings } from './settings.js';
import { evaluateBatches, type BatchEvaluation } from './evaluate.js';
import { StopRule, type StopReason } from './stop.js';
import { runSteps, runStepsOn, type ObjectiveStep } from '../../workers.js';

export interface RowProgress {
  iteration: number;
  loss: number;
  nfeForward: number;
  nfeBackward: number;
}

/** A row as its JSON records it: everything but the trained flow (what `cnf --merge` reads back). */
export interface RowRecord {
  regulariser: Regulariser;
  solver: string;
  lambda: number;
  /** true when training stopped on a non-finite loss or a solver failure */
  diverged: boolean;
  failure?: string;
  iterationsDone: number;
  /** what ended training (stop.ts) */
  stopReason: StopReason;
  /** converging rows: the validation NLL (the flow's coordinates, exact trace) at each check, and the check whose weights were kept */
  validation: { iteration: number; nll: number }[];
  keptIteration?: number;
  /** wall time of the training loop (on a shared machine it depends on the load) */
  trainSeconds: number;
  /** CPU time of the training loop: node runs it on one core, so this is about the wall time on an idle machine */
  trainCpuSeconds: number;
  /** mean training loss (Hutchinson NLL + λ·terms) over the last tenth of the iterations (of a fixed-length run; the last 100 of a converging one) */
  trainLoss: number;
  /** mean training NFE per iteration, forward and backward */
  trainNfeForward: number;
  trainNfeBackward: number;
  /** per evaluation tolerance: exact-trace test NLL (nats, mean ± se over the points) and dopri5 NFE (mean ± sd over the batches) */
  evals: BatchEvaluation[];
}

export interface RowResult extends RowRecord {
  /** the trained flow (a float64 copy of a float32 run's weights: what was evaluated) */
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
  const terms = trainingTerms(reg, lambda, s.noise, s.taylorEstimator);
  const flow = createFlow(
    rt,
    { dim: data.dim, hidden: s.hidden, activation: s.activation, gradient: s.gradient },
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
  const cap = s.converge ? s.maxIterations : s.iterations;
  const tail = s.converge ? 100 : Math.max(1, Math.ceil(s.iterations / 10));
  const rule = s.converge
    ? new StopRule({ every: s.evalEvery, patience: s.patience, gap: convergeGap(s), trueNll: data.trueValidationNll })
    : undefined;
  if (rule && !data.validation.length)
    throw new ArgumentError('validationSize', 'validation points for a converging run', 0);
  const validation: { iteration: number; nll: number }[] = [];
  const judged = float64View(flow);
  let best: Float64Array[] | undefined, stopReason: StopReason | undefined;
  let diverged = false,
    failure: string | undefined,
    done = 0,
    nfeF = 0,
    nfeB = 0;
  const recent: number[] = [];
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let it = 0; it < cap; it++) {
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
    recent.push(r.loss);
    if (recent.length > tail) recent.shift();
    onIteration?.({ iteration: it, loss: r.loss, nfeForward: r.nfeForward, nfeBackward: r.nfeBackward });
    if (rule?.due(it)) {
      const v = evaluateDensity(judged(), data.validation, s.trainTol, { maxSteps: 100_000 }).nll;
      validation.push({ iteration: it, nll: v });
      const c = rule.check(it, v);
      if (c.improved) best = flow.params.map((p) => Float64Array.from(p.value.data));
      if (c.stop) {
        stopReason = c.stop;
        break;
      }
    }
  }
  stopReason = diverged ? 'diverged' : (stopReason ?? (s.converge ? 'max-iterations' : 'iterations'));
  // keep the best validated weights (FFJORD keeps its best model on validation too)
  const keep = !diverged && best && rule && rule.bestIteration !== validation[validation.length - 1]?.iteration;
  if (keep) flow.params.forEach((p, i) => p.value.copyFrom(best![i]));
  const trainSeconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const evals = s.evalTols.map((tol): BatchEvaluation => {
    const all = data.test.length / data.dim;
    const examples = s.evalTols.length > 1 && tol === Math.min(...s.evalTols) ? Math.min(s.tightEvalSize, all) : all;
    if (diverged)
      return {
        tol,
        nll: NaN,
        nllSe: NaN,
        nfe: NaN,
        nfeSd: NaN,
        nfeBatches: [],
        examples,
        batches: 0,
        nfePerExample: [],
        failure: 'training diverged',
      };
    return evaluateBatches(judged(), data.test.subarray(0, examples * data.dim), {
      tol,
      batchSize: s.testBatchSize,
      perExample: s.perExampleNfe,
      reportedNll: data.reportedNll,
      maxSteps: 100_000,
    });
  });
  return {
    regulariser: reg,
    solver: solverName(solver),
    lambda: reg === 'none' ? 0 : lambda,
    diverged,
    ...(failure ? { failure } : {}),
    iterationsDone: done,
    stopReason,
    validation,
    ...(rule && rule.bestIteration >= 0 ? { keptIteration: rule.bestIteration } : {}),
    trainSeconds,
    trainCpuSeconds,
    trainLoss: recent.length ? recent.reduce((a, v) => a + v, 0) / recent.length : NaN,
    trainNfeForward: done ? nfeF / done : NaN,
    trainNfeBackward: done ? nfeB / done : NaN,
    evals,
    model: judged(),
  };
}
