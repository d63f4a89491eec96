// The training loop: seeded minibatches → objective and gradient through the solver → optimiser step,
// with one metrics record per iteration. Everything random (batch order, Jacobian probes) comes from
// the Rng given, so the same seed gives the same loss sequence.
import { ArgumentError, ShapeError } from '../errors.js';
import type { NeuralOde } from '../model/neural-ode.js';
import type { Model } from '../model/model.js';
import { checkLoss, mseLoss, type DataLoss } from '../model/losses.js';
import { checkRng, type Rng } from '../random.js';
import { checkKeys } from '../config/strict.js';
import { MetricsLog, type IterationMetrics } from './metrics.js';
import { gatherRows, MinibatchSampler } from './minibatches.js';
import type { Optimizer } from './optimizer.js';
import { WorkerPool } from '../parallel/pool.js';
import { checkLambdaControl, LambdaController, type LambdaControlOptions } from './lambda-control.js';

export interface Dataset {
  /** initial states, [size, D] row-major */
  inputs: Float64Array;
  /** targets for z(t1), row-major with one row per example, shaped as the loss expects: [size, D] for MSE, [size] class indices for cross-entropy */
  targets: Float64Array;
}

export interface TrainOptions {
  /** a lone NeuralOde or a composed Model (encoder → blocks → head) */
  model: NeuralOde | Model;
  optimizer: Optimizer;
  data: Dataset;
  iterations: number;
  /** rows per minibatch (default: the whole dataset) */
  batchSize?: number;
  rng: Rng;
  /** the data loss on z(t1) (default mseLoss) */
  loss?: DataLoss;
  /**
   * λ tuned online to an NFE budget (lambda-control.ts): passes its λ as the objective's lambdaScale in every
   * iteration; the measurement batch is the first `batch` rows of data.inputs. Records carry
   * `lambda` and, where measured, `nfeMeasured`.
   */
  lambdaControl?: LambdaControlOptions;
  /** called after every iteration (progress bars, logging); return false to stop early */
  // biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing must type-check, and false stops
  onIteration?: (record: IterationMetrics) => void | boolean;
}

/** train's options with a pool: it returns a Promise of the log. */
export interface PooledTrainOptions extends TrainOptions {
  /**
   * Take each step's objective across a WorkerPool's workers. Each shard of a minibatch is solved with
   * its own adaptive steps; the loss and gradient are the shard-size-weighted means; NFE and step
   * counts in the records are the largest shard's.
   */
  pool: WorkerPool;
}

export const TRAIN_OPTION_KEYS = [
  'model',
  'optimizer',
  'data',
  'iterations',
  'batchSize',
  'rng',
  'loss',
  'lambdaControl',
  'onIteration',
  'pool',
] as const;

/** Checks the options' keys and the presence of every required one (before any of them is used). */
function checkTrainOptions(options: TrainOptions & { pool?: WorkerPool }): void {
  checkKeys(options, TRAIN_OPTION_KEYS, '');
  const { model, optimizer, data, rng } = options;
  if (typeof model !== 'object' || model === null || typeof model.objective !== 'function')
    throw new ArgumentError('model', 'a NeuralOde or a Model', model);
  if (
    typeof optimizer !== 'object' ||
    optimizer === null ||
    typeof optimizer.step !== 'function' ||
    typeof optimizer.currentRate !== 'function'
  ) {
    throw new ArgumentError('optimizer', 'an Optimizer (new Adam(…) or new Sgd(…))', optimizer);
  }
  checkOptimizerOfModel(optimizer, model);
  checkKeys(data, ['inputs', 'targets'], 'data');
  checkRng(rng, 'rng');
  if (options.lambdaControl !== undefined) {
    checkLambdaControl(options.lambdaControl);
    // the controller scales the regularisers' λ: with none (or all λ = 0) it would measure and change nothing
    const blocks: readonly NeuralOde[] = (model as Model).blocks ?? [model as NeuralOde];
    const regularised = blocks.some((b) =>
      [...b.terms, ...b.stepTerms].some((t) => t.kind !== 'logDensity' && ((t as { lambda?: number }).lambda ?? 0) > 0),
    );
    if (!regularised)
      throw new ArgumentError(
        'lambdaControl',
        'a model with a regulariser of λ > 0 for it to scale (terms or regularizers)',
        'none',
      );
  }
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function')
    throw new ArgumentError('onIteration', 'a function of the iteration record', options.onIteration);
  if (options.pool !== undefined && !(options.pool instanceof WorkerPool))
    throw new ArgumentError('pool', 'a WorkerPool (await createWorkerPool({ workers }))', options.pool);
}

/**
 * Every parameter the optimiser updates is one of the model's (the same tensor): one built on another
 * model would step parameters no gradient reaches and leave this model unchanged. A subset is fine
 * (the rest stay frozen).
 */
function checkOptimizerOfModel(optimizer: Optimizer, model: NeuralOde | Model): void {
  if (optimizer.parameters === undefined) return;
  const own = new Set(model.params.map((p) => p.value));
  const foreign = optimizer.parameters.find((p) => !own.has(p.value));
  if (foreign) {
    throw new ArgumentError(
      'optimizer',
      `an optimiser over the model's parameters (or some of them): its parameter "${foreign.name}" is not one of them (built on another model's params?)`,
    );
  }
}

interface Objective {
  loss: number;
  dataLoss: number;
  regularizers: Record<string, number>;
  nfeForward: number;
  nfeBackward: number;
  forwardStats: { acceptedSteps: number; rejectedSteps: number };
}

/** Trains on the calling thread; with `pool`, across the pool's workers and asynchronously. */
export function train(options: PooledTrainOptions): Promise<MetricsLog>;
export function train(options: TrainOptions): MetricsLog;
export function train(options: TrainOptions & { pool?: WorkerPool }): MetricsLog | Promise<MetricsLog> {
  checkTrainOptions(options);
  const pool = options.pool;
  if (pool === undefined) {
    const loop = trainingLoop(options);
    for (let step = loop.next(); ; step = loop.next(step.value.objective())) if (step.done) return step.value;
  }
  return (async () => {
    const loop = trainingLoop(options);
    for (let step = loop.next(); ; step = loop.next(await step.value.pooled(pool))) if (step.done) return step.value;
  })();
}

interface StepRequest {
  objective: () => Objective;
  pooled: (pool: WorkerPool) => Promise<Objective>;
}

/**
 * The loop itself, shared by both ways of training: it yields each minibatch's objective request and
 * is resumed with its result (computed on this thread, or across a pool), so the two cannot drift apart.
 */
function* trainingLoop(options: TrainOptions): Generator<StepRequest, MetricsLog, Objective> {
  const { model, optimizer, data, rng } = options;
  const d = model.inputWidth;
  if (!(data.inputs instanceof Float64Array) || data.inputs.length === 0 || data.inputs.length % d !== 0) {
    throw new ShapeError(`data.inputs: expected [size, ${d}] values, got ${data.inputs?.length}`);
  }
  if (!Number.isInteger(options.iterations) || options.iterations < 0)
    throw new ArgumentError('iterations', 'a non-negative integer', options.iterations);
  const size = data.inputs.length / d;
  const loss = options.loss ?? mseLoss;
  checkLoss(loss);
  // The whole set is checked once; minibatches gather whole target rows of the width the loss chose.
  loss.checkTarget(data.targets, size, model.outputWidth, 'data.targets');
  const targetWidth = data.targets.length / size;
  if (!Number.isInteger(targetWidth) || targetWidth < 1)
    throw new ShapeError(
      `data.targets holds ${data.targets.length} values, not one or more per example (${size} inputs)`,
    );
  const batchSize = options.batchSize ?? size;
  const sampler = new MinibatchSampler(size, batchSize, rng, { dropLast: true, shuffle: batchSize < size });
  const z0 = new Float64Array(batchSize * d);
  const target = new Float64Array(batchSize * targetWidth);
  const log = new MetricsLog();
  let controller: LambdaController | undefined;
  if (options.lambdaControl !== undefined) {
    const rowsMeasured = Math.min(options.lambdaControl.batch ?? 100, size);
    controller = new LambdaController(
      { ...options.lambdaControl, batch: rowsMeasured },
      data.inputs.subarray(0, rowsMeasured * d),
    );
  }
  for (let it = 0; it < options.iterations; it++) {
    const start = performance.now();
    const nfeMeasured = controller?.beforeIteration(it, model);
    // λ is this iteration's value, passed in: nothing of it stays on the model after train returns.
    const lambdaScale = controller?.lambda ?? 1;
    const rows = sampler.next();
    gatherRows(data.inputs, d, rows, z0);
    gatherRows(data.targets, targetWidth, rows, target);
    const lr = optimizer.currentRate();
    const r: Objective = yield {
      objective: () => model.objective(z0, target, { rng, loss, lambdaScale }),
      pooled: (pool) => pool.objective(model, z0, target, { rng, loss, lambdaScale }),
    };
    if (!Number.isFinite(r.loss))
      throw new ArgumentError(
        'training',
        `a finite loss (iteration ${it} gave ${r.loss}; lower the learning rate or λ)`,
        r.loss,
      );
    optimizer.step();
    const record: IterationMetrics = {
      iteration: it,
      loss: r.loss,
      dataLoss: r.dataLoss,
      regularizers: r.regularizers,
      nfeForward: r.nfeForward,
      nfeBackward: r.nfeBackward,
      acceptedSteps: r.forwardStats.acceptedSteps,
      rejectedSteps: r.forwardStats.rejectedSteps,
      learningRate: lr,
      wallMs: performance.now() - start,
    };
    if (controller) {
      record.lambda = controller.lambda;
      if (nfeMeasured !== undefined) record.nfeMeasured = nfeMeasured;
    }
    log.push(record);
    if (options.onIteration?.(record) === false) break;
  }
  return log;
}
