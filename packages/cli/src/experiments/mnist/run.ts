// One training run of the MNIST classifier (a λ of the sweep, or λ = 0) and its measurements: SGD with
// momentum on minibatches, the paper's scaled step schedule, a few checkpoints of NFE and training
// error for Fig. 3, then the final NFE (batches of nfeBatch at evalTol), per-example NFE, train and test
// error, and R_K of the trained model. Training time counts the iterations alone (objective, gradient
// and update), not the measurements.
import {
  Rng,
  type TaylorEstimator,
  type Runtime,
  type Model,
  type SolverConfig,
  softmaxCrossEntropyLoss,
  type MethodName,
  Sgd,
  type TermConfig,
  LambdaController,
  type ControlledModel,
  type LambdaControlOptions,
  gatherRows,
  MinibatchSampler,
  type PoolObjectiveResult,
  type WorkerPool,
} from 'taynode';
import { measuredModel } from '../../eval-dtype.js';
import { PIXELS, rows, type MnistSplit } from './data.js';
import {
  evaluateSet,
  measureRk,
  perExampleNfes,
  solverErrors,
  summariseNfe,
  type NfeSummary,
  type SetEvaluation,
  type ToleranceError,
} from './evaluate.js';
import { createMnistModel, paperSchedule } from './model.js';
import { runIterations, type MnistSettings } from './settings.js';
import { runSteps, runStepsOn, type ObjectiveStep } from '../../workers.js';

export interface CurvePoint {
  iteration: number;
  /** NFE at evalTol on the first curveImages training images, solved jointly in batches of nfeBatch */
  nfe: number;
  /** training error on those images */
  error: number;
}

export interface IterationRecord {
  iteration: number;
  /** the minibatch's cross-entropy */
  loss: number;
  /**
   * the minibatch's R_K (regularised runs): from the training solve, or, when that does not integrate it
   * (lazyTerms), measured on the same batch every `rkEvery` iterations
   */
  rK?: number;
  /** the minibatch's terms by name (integral terms only when not lazy; step terms always) */
  regularizers?: Record<string, number>;
  nfeForward: number;
  nfeBackward: number;
  ms: number;
  /** with lambdaControl: the λ this iteration trained with, and the NFE measured before it (when due) */
  lambda?: number;
  nfeMeasured?: number;
}

export interface MnistRun {
  lambda: number;
  order: number;
  method: MethodName;
  iterations: number;
  model: Model;
  curve: CurvePoint[];
  records: IterationRecord[];
  /** wall-clock seconds in training iterations alone */
  trainSeconds: number;
  /** CPU seconds (this process, user + system) in training iterations alone: on a shared machine the
   * fairer measure of the work, since the wall time also counts the time other processes held the cores */
  trainCpuSeconds: number;
  /** NFE at evalTol, batches of nfeBatch training images (mean over the evaluated batches) */
  train: SetEvaluation;
  test: SetEvaluation;
  /** NFE of images solved one at a time (batch 1): the first perExampleTrain training images, perExample test images */
  perExampleTrain: NfeSummary;
  perExampleTest: NfeSummary;
  /** R_K of the trained model at evalTol on rkImages training images */
  rK: number;
  /** Fig. 8a (only where asked) */
  solverErrors?: ToleranceError[];
}

export interface RunOptions {
  lambda: number;
  order: number;
  method: MethodName;
  tol: number;
  /** the solver of every measurement (default dopri5 at evalTol) */
  evalMethod?: MethodName;
  evalTol?: number;
  /** how R_K is estimated (default: the settings') */
  estimator?: TaylorEstimator;
  /** the block's terms instead of R_K at λ (their λ are multiplied by the objective's lambdaScale: the λ controller's) */
  terms?: TermConfig[];
  /** λ tuned online to an NFE budget (the measurement batch: the first `batch` training images) */
  lambdaControl?: LambdaControlOptions;
  onIteration?: (r: IterationRecord, total: number) => void;
  /**
   * lazyTerms leaves R_K out of the training solve: measure it on the iteration's batch (the training
   * solver, no gradient, outside the timed part) every this many iterations and at the last, for the
   * progress line. Unset: not measured (no cost).
   */
  rkEvery?: number;
}

/** The measurement solver: prediction alone, rtol = atol. */
export const measureSolver = (method: MethodName, tol: number): SolverConfig => ({
  method,
  rtol: tol,
  atol: tol,
  maxSteps: 100_000,
});

export function trainMnist(rt: Runtime, s: MnistSettings, data: MnistSplit, o: RunOptions): MnistRun {
  return runSteps(mnistSteps(rt, s, data, o));
}

/** trainMnist across a worker pool (each iteration's objective shared by the pool's workers). */
export function trainMnistOn(
  pool: WorkerPool,
  rt: Runtime,
  s: MnistSettings,
  data: MnistSplit,
  o: RunOptions,
): Promise<MnistRun> {
  return runStepsOn(pool, mnistSteps(rt, s, data, o));
}

type Step = ObjectiveStep<
  Pick<PoolObjectiveResult, 'loss' | 'dataLoss' | 'regularizers' | 'nfeForward' | 'nfeBackward'>
>;

function* mnistSteps(
  rt: Runtime,
  s: MnistSettings,
  data: MnistSplit,
  o: RunOptions,
): Generator<Step, MnistRun, Step extends ObjectiveStep<infer R> ? R : never> {
  const trainSize = data.trainLabels.length;
  const iterations = runIterations(s, trainSize);
  // The same initial weights and minibatch order for every λ: only the regulariser differs.
  const model = createMnistModel(
    rt,
    {
      order: o.order,
      lambda: o.lambda,
      method: o.method,
      tol: o.tol,
      terms: o.terms,
      gradient: s.gradient,
      estimator: o.estimator ?? s.estimator,
    },
    new Rng(s.seed),
  );
  const measured = o.lambdaControl ? Math.min(o.lambdaControl.batch ?? 100, trainSize) : 0;
  const controller = o.lambdaControl
    ? new LambdaController({ ...o.lambdaControl, batch: measured }, data.trainImages.subarray(0, measured * PIXELS))
    : undefined;
  // The controller measures the model the results are measured on (an f64 copy of an f32 model's
  // weights: at 1.4e-8 an f32 solve's NFE is set by f32's rounding, not by the dynamics λ acts on),
  // copied only when a measurement is due.
  const controlled: ControlledModel = {
    predict: (inputs, options) => measuredModel(model, s.evalDtype).predict(inputs, options),
  };
  const optimizer = new Sgd(rt.kernels, model.params, {
    lr: paperSchedule(iterations, s.lr, Math.min(s.warmup, iterations)),
    momentum: s.momentum,
  });
  const batch = Math.min(s.batchSize, trainSize);
  const sampler = new MinibatchSampler(trainSize, batch, new Rng(s.seed + 17), {
    dropLast: true,
    shuffle: batch < trainSize,
  });
  const x = new Float64Array(batch * PIXELS);
  const y = new Float64Array(batch);
  const evalSolver = measureSolver(o.evalMethod ?? 'dopri5', o.evalTol ?? s.evalTol);
  const curveCount = Math.min(s.curveImages, trainSize);
  const curveAt = new Set(
    Array.from({ length: s.curvePoints }, (_, i) =>
      s.curvePoints <= 1 ? iterations : Math.round((i * iterations) / (s.curvePoints - 1)),
    ),
  );
  const curve: CurvePoint[] = [];
  const checkpoint = (iteration: number) => {
    if (!curveAt.has(iteration)) return;
    const e = evaluateSet(
      measuredModel(model, s.evalDtype),
      data.trainImages,
      data.trainLabels,
      evalSolver,
      s.nfeBatch,
      curveCount,
    );
    curve.push({ iteration, nfe: e.nfe, error: e.error });
  };
  const records: IterationRecord[] = [];
  // (only a regularised R_K run: the weights and the batches are read, nothing is changed)
  const rkSolver = measureSolver(o.method, o.tol);
  const measuredRk = (it: number): number | undefined => {
    const every = o.rkEvery;
    if (every === undefined || o.lambda === 0 || o.terms !== undefined) return undefined;
    if ((it + 1) % every !== 0 && it !== iterations - 1) return undefined;
    return measureRk(model, x, y, o.order, rkSolver);
  };
  const rng = new Rng(s.seed + 29);
  let trainMs = 0,
    trainCpuUs = 0;
  for (let it = 0; it < iterations; it++) {
    checkpoint(it);
    const cpu = process.cpuUsage();
    const start = performance.now();
    // The controller's measurement counts as training time: it is what tuning λ online costs.
    const nfeMeasured = controller?.beforeIteration(it, controlled);
    const picked = sampler.next();
    gatherRows(data.trainImages, PIXELS, picked, x);
    gatherRows(data.trainLabels, 1, picked, y);
    // The controller's λ scales the terms of this iteration's objective (1 without a controller).
    const options = {
      loss: softmaxCrossEntropyLoss,
      rng,
      lazyTerms: s.lazyTerms,
      lambdaScale: controller?.lambda ?? 1,
    };
    const r = yield {
      single: () => model.objective(x, y, options),
      pooled: (pool) => pool.objective(model, x, y, options),
    };
    if (!Number.isFinite(r.loss))
      throw new Error(`training diverged at iteration ${it} (λ = ${o.lambda}): loss ${r.loss}; lower --lr or λ`);
    optimizer.step();
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpu);
    trainMs += ms;
    trainCpuUs += used.user + used.system;
    const rec: IterationRecord = {
      iteration: it,
      loss: r.dataLoss,
      nfeForward: r.nfeForward,
      nfeBackward: r.nfeBackward,
      ms,
    };
    const rk = r.regularizers[`r${o.order}`] ?? measuredRk(it);
    if (rk !== undefined) rec.rK = rk;
    if (Object.keys(r.regularizers).length > 0) rec.regularizers = r.regularizers;
    if (controller) {
      rec.lambda = controller.lambda;
      if (nfeMeasured !== undefined) rec.nfeMeasured = nfeMeasured;
    }
    records.push(rec);
    o.onIteration?.(rec, iterations);
  }
  checkpoint(iterations);
  const evalTrain = s.evalTrain > 0 ? Math.min(s.evalTrain, trainSize) : trainSize;
  const measured64 = measuredModel(model, s.evalDtype);
  const train = evaluateSet(measured64, data.trainImages, data.trainLabels, evalSolver, s.nfeBatch, evalTrain);
  const test = evaluateSet(measured64, data.testImages, data.testLabels, evalSolver, s.nfeBatch);
  const rkCount = Math.min(s.rkImages, trainSize);
  return {
    lambda: o.lambda,
    order: o.order,
    method: o.method,
    iterations,
    model,
    curve,
    records,
    trainSeconds: trainMs / 1000,
    trainCpuSeconds: trainCpuUs / 1e6,
    train,
    test,
    perExampleTrain: summariseNfe(perExampleNfes(measured64, data.trainImages, evalSolver, s.perExampleTrain)),
    perExampleTest: summariseNfe(perExampleNfes(measured64, data.testImages, evalSolver, s.perExample)),
    rK: measureRk(
      measured64,
      rows(data.trainImages, PIXELS, 0, rkCount),
      data.trainLabels.subarray(0, rkCount),
      o.order,
      evalSolver,
    ),
  };
}

/** Fig. 8a for a trained run, on the first errorImages training images (dopri5). */
export function addSolverErrors(run: MnistRun, s: MnistSettings, data: MnistSplit): void {
  const n = Math.min(s.errorImages, data.trainLabels.length);
  run.solverErrors = solverErrors(
    measuredModel(run.model, s.evalDtype),
    rows(data.trainImages, PIXELS, 0, n),
    'dopri5',
    s.errorTols,
    s.refTol,
  );
}

/**
 * The regularised run to report: the fewest NFE among runs whose test error is within
 * `maxErrorIncrease` percentage points of λ = 0's; if none is, the lowest test error.
 */
export function chooseRun(
  unreg: MnistRun,
  regs: MnistRun[],
  maxErrorIncrease: number,
): { run: MnistRun; withinBudget: boolean } {
  const ok = regs.filter((r) => 100 * (r.test.error - unreg.test.error) <= maxErrorIncrease + 1e-9);
  if (ok.length)
    return {
      run: ok.reduce((a, b) =>
        b.train.nfe < a.train.nfe || (b.train.nfe === a.train.nfe && b.test.error < a.test.error) ? b : a,
      ),
      withinBudget: true,
    };
  return { run: regs.reduce((a, b) => (b.test.error < a.test.error ? b : a)), withinBudget: false };
}
