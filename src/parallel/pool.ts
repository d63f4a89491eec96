// Data-parallel solving and training across worker threads (Node's worker_threads, browsers' module
// Web Workers), by copying: each worker has its own runtime and its own copy of the model (shipped once
// as saveModel's bytes); every request carries the current parameters and a shard of the batch; the
// workers return per-shard results, which are combined here in shard order (so two runs agree bit for
// bit). Semantics, stated in the README: with `stepSizes: 'shared'` (the default where memory can be
// shared with workers) the shards' adaptive solves advance in lockstep on ONE step-size sequence, the
// single-thread batch solve's (step-barrier.ts); with 'per-shard' each shard takes its own. The loss,
// regularisers and gradient are the shard-size-weighted means of the shards', which equal the batch's
// to rounding whenever every shard takes the batch's steps (shared steps, or a fixed grid).
import { ArgumentError, ShapeError, TaynodeError } from '../errors.js';
import { checkKeys, checkInteger, checkNumber, checkOneOf } from '../config/strict.js';
import { checkRng, type Rng } from '../random.js';
import { checkLambdaScale, NeuralOde } from '../model/neural-ode.js';
import { Model } from '../model/model.js';
import { checkLoss, mseLoss, type DataLoss } from '../model/losses.js';
import { saveModel } from '../model/serialize.js';
import { termsNeedNoise } from '../terms/terms.js';
import { checkSolverConfig, type SolverConfig } from '../model/solver-config.js';
import type { SolverStats } from '../ode/stats.js';
import { KERNEL_BUILDS, type RuntimeOptions } from '../runtime/wasm.js';
import { readDtype, type Dtype } from '../runtime/dtype.js';
import { spawnWorker, type WorkerHandle } from './port.js';
import type { LoadReply, ModelKind, ObjectiveReply, PoolReply, PoolRequestBody, PredictReply } from './protocol.js';
import {
  accumulateGrads,
  checkSameParams,
  combineObjectives,
  concatParameters,
  type PoolObjectiveResult,
} from './combine.js';
export type { PoolObjectiveResult, ShardObjective } from './combine.js';
import { joinTimeMajor, shardRows, shardSeeds, splitRows, type Shard } from './shards.js';
import { abortSharedSteps, canShareSteps, sharedStepsBuffer, type SharedSteps } from './step-barrier.js';
import { checkFiniteGradient } from '../model/losses.js';
import type { SeriesLoss } from '../model/series-losses.js';
import type { BackwardAtReply, ForwardAtReply } from './protocol.js';

/**
 * How a pool's shards step an adaptive solve: 'shared' (one step-size sequence for the whole batch, the
 * single-thread solve's: the shards advance in lockstep, combining their error norms at every attempt)
 * or 'per-shard' (each shard takes its own steps; no synchronisation within a solve).
 */
export type PoolStepSizes = 'shared' | 'per-shard';
export const POOL_STEP_SIZES: readonly PoolStepSizes[] = ['shared', 'per-shard'];

/** More workers than this is a mistake (each holds a runtime and a copy of the model). */
export const MAX_POOL_WORKERS = 256;

/**
 * Models (or saved models' bytes) a pool keeps loaded in its workers; using another unloads the least
 * recently used, so a caller predicting from fresh saveModel bytes each time does not grow the workers' memory.
 */
export const MAX_POOL_MODELS = 8;

export interface WorkerPoolOptions {
  /** worker threads to start, 1 to MAX_POOL_WORKERS (a batch is cut into at most this many shards) */
  workers: number;
  /**
   * The worker script (default: the package's build/pool-worker.js beside the bundle; from the source
   * tree, src/parallel/worker-entry.ts). A script of your own calls servePoolWorker().
   */
  workerUrl?: string | URL;
  /**
   * How each worker creates its runtime (createRuntimeSync's options): maxMemoryBytes, `kernels` (the
   * embedded build: 'auto', 'baseline', 'relaxed'; give the main runtime's choice for results that agree
   * to the bit), or a compiled `module` of the kernels shared instead of each worker compiling its own;
   * `dtype` ('float32' for f32 models: a model must share the workers' dtype). Default: as createRuntimeSync.
   */
  runtime?: RuntimeOptions;
  /**
   * 'shared' (default where the host can share memory with workers: Node, cross-origin isolated pages)
   * or 'per-shard' (the default elsewhere); each call may override it
   */
  stepSizes?: PoolStepSizes;
  /**
   * Milliseconds a worker may take to start (load its script, say it is ready, create its runtime);
   * past it createWorkerPool rejects with WorkerError (or a replacement fails the pool). Default: no limit.
   */
  startTimeoutMs?: number;
  /**
   * Milliseconds a worker may take to answer each request of a call (default: no limit); each call may
   * override it (`timeoutMs`). Past it the call rejects with WorkerError, and the worker (stuck in a
   * loop, say) is terminated and replaced by a fresh one: the pool stays usable, and every model is
   * loaded into the workers again on its next use.
   */
  callTimeoutMs?: number;
}

export interface PoolObjectiveOptions {
  /** a built-in data loss (mseLoss by default, softmaxCrossEntropyLoss, gaussianNllLoss(σ), flowNllLoss) */
  loss?: DataLoss;
  /** draws one seed per shard for the terms' noise (required when a term draws noise) */
  rng?: Rng;
  /** a Model's lazyTerms (ModelObjectiveOptions) */
  lazyTerms?: boolean;
  /** multiplies every regulariser's λ in this call (ObjectiveOptions.lambdaScale; default 1) */
  lambdaScale?: number;
  /** the pool's stepSizes unless given */
  stepSizes?: PoolStepSizes;
  /** the pool's callTimeoutMs unless given */
  timeoutMs?: number;
}

export interface PoolObjectiveAtOptions {
  /** draws one seed per shard for the terms' noise (required when a term draws noise) */
  rng?: Rng;
  /** multiplies every regulariser's λ in this call (ObjectiveOptions.lambdaScale; default 1) */
  lambdaScale?: number;
  /** the pool's stepSizes unless given */
  stepSizes?: PoolStepSizes;
  /** the pool's callTimeoutMs unless given */
  timeoutMs?: number;
}

/** As PoolObjectiveResult (each shard's `dataLoss` is NaN: the series loss is taken over the whole batch, once). */
export interface PoolObjectiveAtResult extends PoolObjectiveResult {
  /** z at every output time, [times, batch, D] (dataLoss is the series loss's value on it) */
  zs: Float64Array;
}

export interface PoolPredictOptions {
  /** solver settings for every block instead of their own */
  solver?: SolverConfig;
  /** output times of the last block; the output is then [times, batch, outputWidth] */
  times?: ArrayLike<number>;
  /** the pool's stepSizes unless given */
  stepSizes?: PoolStepSizes;
  /** the pool's callTimeoutMs unless given */
  timeoutMs?: number;
}

export interface PoolPredictResult {
  /** [batch, outputWidth], or [times, batch, outputWidth] with times */
  output: Float64Array;
  /** z at the last block's end time, [batch, D] */
  z1: Float64Array;
  /** per shard (in batch order), per block */
  stats: SolverStats[][];
}

/** A worker threw while computing its shard, failed to start, or died; `worker` is its index. */
export class WorkerError extends TaynodeError {
  constructor(
    readonly worker: number,
    message: string,
    /** @internal stopped by another worker's failure (shared steps) */ readonly aborted = false,
  ) {
    super(`worker ${worker}: ${message}`);
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** the request's timeout, cleared when it settles */
  timer?: ReturnType<typeof setTimeout>;
}

interface Shipped {
  handle: number;
  loaded: Promise<LoadReply>;
  /** calls using the model now: a model in use is never unloaded to make room */
  users: number;
}

/**
 * Starts `workers` worker threads, each with its own runtime; resolves once every one is ready. Close
 * the pool with `close()` (the workers otherwise keep a Node process alive). No global state: pools are
 * independent of each other and of the main thread's runtime.
 */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  checkKeys(options, ['workers', 'workerUrl', 'runtime', 'stepSizes', 'startTimeoutMs', 'callTimeoutMs'], '');
  const count = checkInteger(options.workers, 'workers', { min: 1, max: MAX_POOL_WORKERS });
  const stepSizes =
    options.stepSizes === undefined ? (canShareSteps() ? 'shared' : 'per-shard') : checkStepSizes(options.stepSizes);
  const url = workerUrlOf(options.workerUrl);
  const runtime = options.runtime ?? {};
  checkKeys(runtime, ['maxMemoryBytes', 'module', 'kernels', 'dtype'], 'runtime');
  readDtype(runtime.dtype, 'runtime.dtype');
  if (runtime.kernels !== undefined) checkOneOf(runtime.kernels, KERNEL_BUILDS, 'runtime.kernels');
  if (runtime.maxMemoryBytes !== undefined)
    checkNumber(runtime.maxMemoryBytes, 'runtime.maxMemoryBytes', { min: 0, minExclusive: true, max: 2 ** 32 });
  if (runtime.module !== undefined && !(runtime.module instanceof WebAssembly.Module))
    throw new ArgumentError('runtime.module', 'a WebAssembly.Module of the kernels', runtime.module);
  const pool = new WorkerPool(
    stepSizes,
    readTimeout(options.startTimeoutMs, 'startTimeoutMs'),
    readTimeout(options.callTimeoutMs, 'callTimeoutMs'),
  );
  await pool.start(count, url, runtime);
  return pool;
}

function workerUrlOf(given: string | URL | undefined): URL {
  if (given === undefined) {
    // The bundles (build/index.js, build/index.cjs) sit beside build/pool-worker.js; the source tree runs under tsx.
    const here = import.meta.url;
    return here.endsWith('.ts') ? new URL('./worker-entry.ts', here) : new URL('./pool-worker.js', here);
  }
  if (given instanceof URL) return given;
  if (typeof given === 'string') {
    try {
      return new URL(given, typeof location === 'undefined' ? undefined : location.href);
    } catch {
      throw new ArgumentError('workerUrl', 'an absolute URL (file:, http:, …) of a worker script', given);
    }
  }
  throw new ArgumentError('workerUrl', 'a URL or a string URL of a worker script', given);
}

export class WorkerPool {
  private workers: WorkerHandle[] = [];
  private readonly pending: Map<number, Pending>[] = [];
  private nextId = 1;
  private nextModel = 1;
  /** the loaded models, least recently used first (holding at most MAX_POOL_MODELS of them alive) */
  private readonly shipped = new Map<object, Shipped>();
  private failure: WorkerError | undefined;
  private closed = false;
  /** the workers' runtimes' dtype */
  private dtype: Dtype = 'float64';
  /** the shared memory of calls in progress with shared steps (aborted if a worker dies) */
  private readonly sharing = new Set<SharedArrayBuffer>();
  private nextPass = 1;
  /** where workers come from and how they make their runtimes (kept to replace a stuck one) */
  private url: URL | undefined;
  private runtime: RuntimeOptions = {};
  /** a worker being replaced: its requests wait for the fresh one */
  private readonly restarting = new Map<number, Promise<void>>();

  /** @internal use createWorkerPool */
  constructor(
    /** how adaptive solves are stepped across the shards unless a call says otherwise */ readonly stepSizes: PoolStepSizes = 'per-shard',
    /** ms a worker may take to start (undefined: no limit) */ readonly startTimeoutMs?: number,
    /** ms a worker may take to answer a request unless a call says otherwise (undefined: no limit) */ readonly callTimeoutMs?: number,
  ) {}

  /** The number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /** How many models (or saved models' bytes) are loaded in the workers: at most MAX_POOL_MODELS, unless more are in use by calls at once. */
  get loadedModels(): number {
    return this.shipped.size;
  }

  /** @internal */
  async start(count: number, url: URL, runtime: RuntimeOptions): Promise<void> {
    this.dtype = readDtype(runtime.dtype);
    if (this.workers.length > 0 || this.closed) throw new TaynodeError('worker pool: already started');
    this.url = url;
    this.runtime = runtime;
    for (let i = 0; i < count; i++) this.pending.push(new Map());
    try {
      await inShardOrder(Array.from({ length: count }, (_, i) => this.spawn(i)));
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Starts worker `i` (or its replacement): resolves once it is ready and has made its runtime. */
  private async spawn(i: number): Promise<void> {
    const url = this.url!;
    let handle: WorkerHandle;
    try {
      handle = await spawnWorker(url);
    } catch (e) {
      throw new WorkerError(i, `could not start ${url.href}: ${(e as Error).message}`);
    }
    this.workers[i] = handle;
    if (this.closed) {
      await handle.terminate();
      throw new TaynodeError('worker pool: closed');
    }
    const ready = new Promise<void>((resolve, reject) => {
      handle.listen(
        (message) => {
          if (this.workers[i] !== handle) return; // a replaced worker's late reply
          const reply = message as PoolReply;
          if ('type' in reply) {
            if (reply.type === 'ready') resolve();
            return;
          }
          this.settle(i, reply);
        },
        (reason) => {
          if (this.workers[i] !== handle) return; // a replaced worker's exit
          const error = new WorkerError(i, `died: ${reason}`);
          reject(error);
          this.fail(i, error);
        },
      );
    });
    const late = () => new WorkerError(i, `did not start within ${this.startTimeoutMs} ms (startTimeoutMs)`);
    await withTimeout(ready, this.startTimeoutMs, late);
    await withTimeout(this.send(i, { type: 'init', runtime: this.runtime }, [], undefined), this.startTimeoutMs, late);
  }

  /**
   * The objective and its gradient on a batch, shard by shard across the workers: `model`'s gradients
   * (Parameter.grad) are set to the shard-size-weighted mean of the shards' gradients, ready for an
   * optimiser step. Each shard is solved with its own adaptive steps (see the README, "Both cores").
   */
  async objective(
    model: NeuralOde | Model,
    x: Float64Array,
    target: Float64Array,
    options: PoolObjectiveOptions = {},
  ): Promise<PoolObjectiveResult> {
    checkKeys(options, ['loss', 'rng', 'lazyTerms', 'lambdaScale', 'stepSizes', 'timeoutMs'], '');
    this.checkStarted();
    const timeout = this.timeoutOf(options.timeoutMs);
    const shared = this.sharedSteps(options.stepSizes);
    checkModel(model);
    const batch = batchOf(x, model.inputWidth, 'x');
    const loss = options.loss ?? mseLoss;
    checkLoss(loss);
    if (loss.description === undefined) {
      throw new ArgumentError(
        'loss',
        `a built-in loss (mseLoss, softmaxCrossEntropyLoss, gaussianNllLoss(σ), flowNllLoss): "${loss.name}" is code, which cannot be sent to a worker`,
      );
    }
    loss.checkTarget(target, batch, model.outputWidth, 'target');
    const targetWidth = target.length / batch;
    if (options.lazyTerms !== undefined) {
      if (typeof options.lazyTerms !== 'boolean')
        throw new ArgumentError('lazyTerms', 'true or false', options.lazyTerms);
      if (!(model instanceof Model))
        throw new ArgumentError(
          'lazyTerms',
          "a Model (a lone NeuralOde's objective has no lazyTerms)",
          options.lazyTerms,
        );
    }
    const shards = splitRows(batch, this.size);
    const seeds = noiseSeeds(model, options.rng, shards.length);
    // Copied now, before any wait: a caller that changes x or the parameters after calling does not
    // change what is sent. Each request gets its own copies (the last shard takes the gathered
    // parameters themselves), which are transferred, not cloned: cloning 2 MB of parameters and pixels
    // cost 4–8 ms a request on the MNIST model.
    const params = concatParameters(model.params, 'value');
    const own = shards.map((shard, s) => ({
      params: s === shards.length - 1 ? params : params.slice(),
      x: shardRows(x, model.inputWidth, shard),
      target: shardRows(target, targetWidth, shard),
    }));
    const lambdaScale = checkLambdaScale(options.lambdaScale);
    const replies = await this.using(model, ({ handle }) =>
      this.lockstep(shared, shards, batch, (steps) =>
        own.map(
          (copies, s) =>
            this.request(
              s,
              {
                type: 'objective',
                model: handle,
                ...copies,
                lambdaScale,
                loss: loss.description!,
                ...(seeds ? { seed: seeds[s] } : {}),
                ...(options.lazyTerms ? { lazyTerms: true } : {}),
                ...(steps ? { steps: steps[s] } : {}),
              },
              [copies.params.buffer, copies.x.buffer, copies.target.buffer] as Transferable[],
              timeout,
            ) as Promise<ObjectiveReply>,
        ),
      ),
    );
    accumulateGrads(model, replies, shards, batch);
    return combineObjectives(replies, shards, batch);
  }

  /**
   * NeuralOde.objectiveAt across the workers: each solves its shard's forward pass to every output
   * time (`times`), the series `loss` (any SeriesLoss, code included: it runs here) sees the whole
   * batch's zs [times, batch, D], and each worker replays its shard for the gradient. Sets every
   * Parameter.grad as the single-thread objectiveAt does; with shared steps the loss, NFE and gradient
   * are the single-thread ones to rounding.
   */
  async objectiveAt(
    model: NeuralOde,
    z0: Float64Array,
    times: ArrayLike<number>,
    loss: SeriesLoss,
    options: PoolObjectiveAtOptions = {},
  ): Promise<PoolObjectiveAtResult> {
    checkKeys(options, ['rng', 'lambdaScale', 'stepSizes', 'timeoutMs'], '');
    this.checkStarted();
    const timeout = this.timeoutOf(options.timeoutMs);
    const shared = this.sharedSteps(options.stepSizes);
    if (!(model instanceof NeuralOde))
      throw new ArgumentError('model', "a NeuralOde (a Model's objectiveAt is not pooled)", model);
    checkModel(model);
    const d = model.stateSize;
    const batch = batchOf(z0, d, 'z0');
    if (times === undefined || times === null || typeof (times as ArrayLike<number>).length !== 'number')
      throw new ArgumentError('times', 'the output times', times);
    const outputTimes = Array.from(times);
    if (typeof loss !== 'function')
      throw new ArgumentError('loss', 'a function (zs, shape) => { value, gradient }', loss);
    const shards = splitRows(batch, this.size);
    const seeds = noiseSeeds(model, options.rng, shards.length);
    const params = concatParameters(model.params, 'value');
    const own = shards.map((shard, s) => ({
      params: s === shards.length - 1 ? params : params.slice(),
      z0: shardRows(z0, d, shard),
    }));
    const lambdaScale = checkLambdaScale(options.lambdaScale);
    const pass = this.nextPass++;
    return this.using(model, async ({ handle }) => {
      // One shared memory for both halves (the adjoint's backward solve is adaptive too).
      const steps = shared ? this.sharedStepsFor(shards, batch) : undefined;
      try {
        // The workers keep their passes until the backward request, or a release (a request without zsBar).
        const release = () =>
          shards.forEach((_, s) => {
            this.request(s, { type: 'backwardAt', pass }).catch(() => {});
          });
        let value: ReturnType<SeriesLoss>;
        let forwards: ForwardAtReply[], zs: Float64Array;
        try {
          forwards = await this.settleAll(
            shards.map(
              (_, s) =>
                this.request(
                  s,
                  {
                    type: 'forwardAt',
                    model: handle,
                    pass,
                    ...own[s],
                    lambdaScale,
                    times: outputTimes,
                    ...(seeds ? { seed: seeds[s] } : {}),
                    ...(steps ? { steps: steps[s] } : {}),
                  },
                  [own[s].params.buffer, own[s].z0.buffer] as Transferable[],
                  timeout,
                ) as Promise<ForwardAtReply>,
            ),
            steps,
          );
          zs = joinTimeMajor(
            forwards.map((r) => r.zs),
            shards,
            outputTimes.length,
            d,
            batch,
          );
          value = loss(zs, { times: outputTimes.length, batch, d });
          if (!(value?.gradient instanceof Float64Array) || value.gradient.length !== zs.length) {
            throw new ShapeError(
              `loss: its gradient holds ${value?.gradient?.length} values, zs holds ${zs.length} ([times, batch, D]; expected a Float64Array)`,
            );
          }
          checkFiniteGradient(value.gradient, 'loss');
        } catch (e) {
          release();
          throw e;
        }
        // Each shard's cotangent as the gradient of a shard mean (× batch / rows), so the gradients
        // combine as every objective's do: shard-size-weighted means (the integral terms' are means already).
        const backwards = await this.settleAll(
          shards.map((shard, s) => {
            const zsBar = sliceTimeMajor(value.gradient, shard, outputTimes.length, d, batch).map(
              (g) => g * (batch / shard.count),
            );
            return this.request(
              s,
              { type: 'backwardAt', pass, zsBar, ...(steps ? { steps: steps[s] } : {}) },
              [zsBar.buffer] as Transferable[],
              timeout,
            ) as Promise<BackwardAtReply>;
          }),
          steps,
        );
        const replies: ObjectiveReply[] = forwards.map((f, s) => {
          const b = backwards[s];
          const termLoss = f.termLoss + b.termLoss;
          return {
            loss: termLoss,
            dataLoss: 0,
            regularizers: { ...f.regularizers, ...b.regularizers },
            nfeForward: f.nfeForward,
            nfeBackward: b.nfeBackward,
            forwardStats: f.forwardStats,
            grads: b.grads,
            ms: b.ms,
          };
        });
        accumulateGrads(model, replies, shards, batch);
        const combined = combineObjectives(replies, shards, batch);
        combined.dataLoss = value.value;
        combined.loss += value.value;
        combined.shards.forEach((shard) => {
          shard.dataLoss = NaN;
        });
        return { ...combined, zs };
      } finally {
        if (steps) this.sharing.delete(steps[0].buffer);
      }
    });
  }

  /**
   * The model's prediction on a batch, shard by shard across the workers (with shared steps the
   * single-thread solve's steps). `model` is a NeuralOde, a Model, or saveModel's bytes (a saved model, loaded
   * once per worker).
   */
  async predict(
    model: NeuralOde | Model | Uint8Array,
    x: Float64Array,
    options: PoolPredictOptions = {},
  ): Promise<PoolPredictResult> {
    checkKeys(options, ['solver', 'times', 'stepSizes', 'timeoutMs'], '');
    this.checkStarted();
    const timeout = this.timeoutOf(options.timeoutMs);
    const shared = this.sharedSteps(options.stepSizes);
    if (options.solver !== undefined) checkSolverConfig(options.solver);
    if (!(model instanceof Uint8Array)) checkModel(model);
    // (copied before any wait, as in objective)
    const xCopy = x instanceof Float64Array ? x.slice() : x;
    const times = options.times === undefined ? undefined : Array.from(options.times);
    const params = model instanceof Uint8Array ? undefined : concatParameters(model.params, 'value');
    const { replies, outputWidth, batch, shards } = await this.using(model, async ({ handle, loaded }) => {
      const { inputWidth, outputWidth } = await loaded;
      const batch = batchOf(xCopy, inputWidth, 'x');
      const shards = splitRows(batch, this.size);
      const replies = await this.lockstep(shared, shards, batch, (steps) =>
        shards.map((shard, s) => {
          const own = {
            x: shardRows(xCopy as Float64Array, inputWidth, shard),
            ...(params ? { params: s === shards.length - 1 ? params : params.slice() } : {}),
          };
          return this.request(
            s,
            {
              type: 'predict',
              model: handle,
              ...own,
              ...(options.solver ? { solver: options.solver } : {}),
              ...(times ? { times } : {}),
              ...(steps ? { steps: steps[s] } : {}),
            },
            (own.params ? [own.x.buffer, own.params.buffer] : [own.x.buffer]) as Transferable[],
            timeout,
          ) as Promise<PredictReply>;
        }),
      );
      return { replies, outputWidth, batch, shards };
    });
    const d = replies[0].z1.length / shards[0].count;
    return {
      output: joinTimeMajor(
        replies.map((r) => r.output),
        shards,
        times?.length ?? 1,
        outputWidth,
        batch,
      ),
      z1: joinTimeMajor(
        replies.map((r) => r.z1),
        shards,
        1,
        d,
        batch,
      ),
      stats: replies.map((r) => r.stats),
    };
  }

  /** Terminates every worker; pending and later requests reject. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new TaynodeError('worker pool: closed');
    this.pending.forEach((_, i) => this.rejectPending(i, error));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** A call's timeout: its own timeoutMs, or the pool's callTimeoutMs. */
  private timeoutOf(given: number | undefined): number | undefined {
    return given === undefined ? this.callTimeoutMs : readTimeout(given, 'timeoutMs');
  }

  /** Whether a call steps its shards together: the call's stepSizes or the pool's. */
  private sharedSteps(given: PoolStepSizes | undefined): boolean {
    const mode = given === undefined ? this.stepSizes : checkStepSizes(given);
    return mode === 'shared';
  }

  /** Fresh shared memory for one call's shards (each request names its shard and every shard's weight). */
  private sharedStepsFor(shards: readonly Shard[], batch: number): SharedSteps[] {
    const buffer = sharedStepsBuffer(shards.length);
    this.sharing.add(buffer);
    const weights = shards.map((shard) => shard.count / batch);
    return shards.map((_, index) => ({ buffer, index, weights }));
  }

  /** Sends one call's requests (with shared memory for shared steps) and waits for every reply. */
  private async lockstep<T>(
    shared: boolean,
    shards: readonly Shard[],
    batch: number,
    send: (steps: SharedSteps[] | undefined) => Promise<T>[],
  ): Promise<T[]> {
    const steps = shared ? this.sharedStepsFor(shards, batch) : undefined;
    try {
      return await this.settleAll(send(steps), steps);
    } finally {
      if (steps) this.sharing.delete(steps[0].buffer);
    }
  }

  /**
   * Every shard's reply; on failure the first in shard order that failed on its own (workers a failure
   * stopped, with shared steps, report the failing worker's error instead of their own).
   */
  private async settleAll<T>(requests: Promise<T>[], steps: SharedSteps[] | undefined): Promise<T[]> {
    const settled = await Promise.allSettled(requests);
    const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    if (failures.length === 0) return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
    if (steps) abortSharedSteps(steps[0].buffer);
    throw failures.find((e) => !(e instanceof WorkerError && e.aborted)) ?? failures[0];
  }

  private checkStarted(): void {
    if (this.closed) throw new TaynodeError('worker pool: closed');
    if (this.workers.length === 0)
      throw new TaynodeError('worker pool: not started (create pools with createWorkerPool)');
  }

  /**
   * Runs `work` with the model loaded in every worker (its bytes sent once; `work` awaits the load
   * itself where it needs the reply). While `work` runs the model is in use and is never unloaded to
   * make room for others, so its requests cannot find it gone.
   */
  private async using<T>(model: NeuralOde | Model | Uint8Array, work: (shipped: Shipped) => Promise<T>): Promise<T> {
    const shipped = this.shipOnce(model);
    shipped.users++;
    try {
      await shipped.loaded;
      return await work(shipped);
    } finally {
      shipped.users--;
    }
  }

  private shipOnce(model: NeuralOde | Model | Uint8Array): Shipped {
    // Workers of another dtype would compute in a precision the model does not have.
    if (!(model instanceof Uint8Array) && model.rt.dtype !== this.dtype) {
      throw new ArgumentError(
        'model',
        `a model in a ${this.dtype} runtime, like the pool's workers (createWorkerPool's runtime.dtype)`,
        `a ${model.rt.dtype} model`,
      );
    }
    const known = this.shipped.get(model);
    if (known) {
      this.shipped.delete(model);
      this.shipped.set(model, known);
      return known;
    }
    // The least recently used models not in use make room; while every one is in use the pool holds
    // more than MAX_POOL_MODELS for a moment, and the next new model brings it back to the bound.
    while (this.shipped.size >= MAX_POOL_MODELS) {
      const idle = [...this.shipped].find(([, s]) => s.users === 0);
      if (!idle) break;
      const [oldest, { handle: old }] = idle;
      this.shipped.delete(oldest);
      // Requests already sent for it come first on every port; its next use loads it again. A failed
      // unload leaves only a stale copy in that worker; a dead worker is reported by the pool's failure.
      this.workers.forEach((_, i) => {
        this.request(i, { type: 'unload', model: old }).catch(() => {});
      });
    }
    const handle = this.nextModel++;
    const kind: ModelKind = model instanceof NeuralOde ? 'neuralOde' : 'model';
    const bytes = model instanceof Uint8Array ? model : saveModel(model);
    const loaded = inShardOrder(
      this.workers.map((_, i) => this.request(i, { type: 'load', model: handle, kind, bytes }) as Promise<LoadReply>),
    ).then((replies) => {
      if (!(model instanceof Uint8Array)) checkSameParams(model, replies[0]);
      return replies[0];
    });
    const shipped: Shipped = { handle, loaded, users: 0 };
    this.shipped.set(model, shipped);
    // A model that failed to load is not remembered: the next call tries again (and fails as clearly).
    loaded.catch(() => {
      if (this.shipped.get(model) === shipped) this.shipped.delete(model);
    });
    return shipped;
  }

  /**
   * `transfer`: buffers of `message` that are this request's own copies (moved to the worker, not
   * cloned). A worker being replaced gets the request once its successor is ready. `timeoutMs`: how
   * long the reply may take before the worker is replaced (the pool's callTimeoutMs by default).
   */
  private request(
    worker: number,
    message: PoolRequestBody,
    transfer: Transferable[] = [],
    timeoutMs = this.callTimeoutMs,
  ): Promise<unknown> {
    if (worker >= this.workers.length)
      return Promise.reject(new TaynodeError('worker pool: not started (create pools with createWorkerPool)'));
    const restarting = this.restarting.get(worker);
    if (restarting) return restarting.then(() => this.send(worker, message, transfer, timeoutMs));
    return this.send(worker, message, transfer, timeoutMs);
  }

  /** Posts a request to the worker as it is now and waits for its reply (or the timeout). */
  private send(
    worker: number,
    message: PoolRequestBody,
    transfer: Transferable[],
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    if (this.closed) return Promise.reject(new TaynodeError('worker pool: closed'));
    if (this.failure)
      return Promise.reject(
        new WorkerError(
          this.failure.worker,
          `failed earlier (${this.failure.message}); close this pool and create another`,
        ),
      );
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject };
      if (timeoutMs !== undefined) pending.timer = setTimeout(() => this.timedOut(worker, id, timeoutMs), timeoutMs);
      this.pending[worker].set(id, pending);
      this.workers[worker].post({ ...message, id }, transfer);
    });
  }

  /**
   * A request went unanswered for `ms`: the worker is stuck (a loop never ends, so nothing in it can
   * stop itself). Its requests reject, it is terminated, and a fresh worker takes its place. The
   * models it held are gone: every model is forgotten, so its next use loads it into every worker
   * again (idle ones are unloaded from the others first).
   */
  private timedOut(worker: number, id: number, ms: number): void {
    if (!this.pending[worker].has(id) || this.closed) return;
    const stuck = this.workers[worker];
    this.rejectPending(
      worker,
      new WorkerError(
        worker,
        `no reply within ${ms} ms (timeoutMs): the worker was terminated and replaced by a fresh one`,
      ),
    );
    // The other workers of a call with shared steps would wait for the stuck one at its next norm.
    this.sharing.forEach((buffer) => abortSharedSteps(buffer));
    for (const [model, shipped] of [...this.shipped]) {
      this.shipped.delete(model);
      if (shipped.users > 0) continue; // a call still using it elsewhere finishes with it
      this.workers.forEach((_, i) => {
        if (i !== worker) this.request(i, { type: 'unload', model: shipped.handle }).catch(() => {});
      });
    }
    const replaced = (async () => {
      await stuck.terminate();
      await this.spawn(worker);
    })().then(
      () => {
        this.restarting.delete(worker);
      },
      (e: Error) => {
        this.restarting.delete(worker);
        if (!this.closed)
          this.fail(
            worker,
            e instanceof WorkerError ? e : new WorkerError(worker, `could not be replaced: ${e.message}`),
          );
      },
    );
    this.restarting.set(worker, replaced);
  }

  private rejectPending(worker: number, error: Error): void {
    this.pending[worker].forEach((p) => {
      clearTimeout(p.timer);
      p.reject(error);
    });
    this.pending[worker].clear();
  }

  private settle(worker: number, reply: Exclude<PoolReply, { type: 'ready' }>): void {
    const pending = this.pending[worker].get(reply.id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending[worker].delete(reply.id);
    if ('error' in reply)
      pending.reject(
        new WorkerError(
          worker,
          `${reply.error.name}: ${reply.error.message}`,
          reply.error.name === 'SharedStepsAborted',
        ),
      );
    else pending.resolve(reply.result);
  }

  private fail(worker: number, error: WorkerError): void {
    this.failure ??= error;
    // The other workers of a call with shared steps would wait for the dead one at its next norm.
    this.sharing.forEach((buffer) => abortSharedSteps(buffer));
    this.rejectPending(worker, error);
  }
}

/** Every shard's reply; if any failed, the first failure in shard order (not in time order: the same run fails the same way). */
async function inShardOrder<T>(requests: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(requests);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

function readTimeout(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  // setTimeout's largest delay: a longer one would fire at once
  return checkNumber(value, name, { min: 0, minExclusive: true, max: 2 ** 31 - 1 });
}

/** `promise`, or `late()` as a rejection once `ms` have passed (no limit when ms is undefined). */
async function withTimeout<T>(promise: Promise<T>, ms: number | undefined, late: () => Error): Promise<T> {
  if (ms === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function checkStepSizes(value: unknown): PoolStepSizes {
  checkOneOf(value, POOL_STEP_SIZES, 'stepSizes');
  if (value === 'shared' && !canShareSteps()) {
    throw new ArgumentError(
      'stepSizes',
      "'per-shard' on this host: shared steps need SharedArrayBuffer (in browsers, a cross-origin isolated page)",
      value,
    );
  }
  return value as PoolStepSizes;
}

/** A shard's rows of a [times, batch, width] array, as [times, rows, width]. */
function sliceTimeMajor(data: Float64Array, shard: Shard, times: number, width: number, batch: number): Float64Array {
  const rows = shard.count * width;
  const out = new Float64Array(times * rows);
  for (let m = 0; m < times; m++)
    out.set(data.subarray((m * batch + shard.start) * width, (m * batch + shard.start) * width + rows), m * rows);
  return out;
}

function checkModel(model: unknown): asserts model is NeuralOde | Model {
  if (model instanceof NeuralOde) {
    if (!model.config.mlp && !model.config.dynamics)
      throw new ArgumentError(
        'model',
        'a model built from a description (mlp or dynamics): dynamics written as code cannot be sent to a worker',
      );
  } else if (model instanceof Model) {
    if (model.spec === null)
      throw new ArgumentError(
        'model',
        'a Model built from a description (Model.create or loadComposedModel): one whose parts are code cannot be sent to a worker',
      );
  } else throw new ArgumentError('model', 'a NeuralOde or a Model', model);
}

function needsNoise(model: NeuralOde | Model): boolean {
  // (R_K's stepRandom is a step term: it draws one time per accepted step)
  const drawsNoise = (b: NeuralOde) => termsNeedNoise([...b.terms, ...b.stepTerms]);
  return model instanceof NeuralOde ? drawsNoise(model) : model.blocks.some(drawsNoise);
}

function batchOf(x: unknown, width: number, name: string): number {
  if (!(x instanceof Float64Array) || x.length === 0 || x.length % width !== 0)
    throw new ShapeError(
      `${name}: expected a Float64Array of batch × ${width} values, got ${(x as { length?: number })?.length}`,
    );
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i])) throw new ArgumentError(`${name}[${i}]`, 'a finite input', x[i]);
  return x.length / width;
}

/** One seed per shard, drawn from `rng` in shard order, when a term of the model draws noise (else none). */
function noiseSeeds(model: NeuralOde | Model, rng: unknown, shards: number): number[] | undefined {
  if (!needsNoise(model)) {
    if (rng !== undefined) checkRng(rng, 'rng');
    return undefined;
  }
  if (rng === undefined)
    throw new ArgumentError(
      'rng',
      "an Rng for the noise of the Jacobian term, the Hutchinson trace and R_K's stepRandom times (one seed is drawn per shard)",
      undefined,
    );
  checkRng(rng, 'rng');
  return shardSeeds(rng as Rng, shards);
}
