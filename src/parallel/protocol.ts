// The messages between a WorkerPool and its workers (structured-clone data only: typed arrays, plain
// objects). Every request carries an id its reply echoes; a worker handles one message at a time.
import type { LossDescription } from '../model/losses.js';
import type { SolverConfig } from '../model/solver-config.js';
import type { SolverStats } from '../ode/stats.js';
import type { RuntimeOptions } from '../runtime/wasm.js';
import type { SharedSteps } from './step-barrier.js';

export type ModelKind = 'neuralOde' | 'model';

export type PoolRequest =
  /** create the worker's runtime (first request of every worker) */
  | { id: number; type: 'init'; runtime: RuntimeOptions }
  /** rebuild a model from saveModel's bytes under the handle `model` */
  | { id: number; type: 'load'; model: number; kind: ModelKind; bytes: Uint8Array }
  /**
   * set the parameters (all of them, concatenated in model.params order) and the call's lambdaScale (every block's regularisers' λ multiplier)
   * (the λ controller's), and take the objective and its gradient on a shard
   */
  | {
      id: number;
      type: 'objective';
      model: number;
      params: Float64Array;
      lambdaScale: number;
      x: Float64Array;
      target: Float64Array;
      loss: LossDescription;
      seed?: number;
      lazyTerms?: boolean;
      steps?: SharedSteps;
    }
  /** set the parameters (when given) and predict a shard */
  | {
      id: number;
      type: 'predict';
      model: number;
      params?: Float64Array;
      x: Float64Array;
      solver?: SolverConfig;
      times?: number[];
      steps?: SharedSteps;
    }
  /**
   * objectiveAt's first half on a shard (a NeuralOde): the forward pass to every output time, kept
   * under `pass` for the backward request (the series loss runs on the main thread, over the batch)
   */
  | {
      id: number;
      type: 'forwardAt';
      model: number;
      pass: number;
      params: Float64Array;
      lambdaScale: number;
      z0: Float64Array;
      times: number[];
      seed?: number;
      steps?: SharedSteps;
    }
  /**
   * the second half: ∂L/∂zs of the shard's rows, scaled to a shard mean (× batch / rows), gives the
   * shard's gradient; without zsBar the pass is only dropped
   */
  | { id: number; type: 'backwardAt'; pass: number; zsBar?: Float64Array; steps?: SharedSteps }
  /** drop the model under the handle (the pool keeps at most MAX_POOL_MODELS loaded) */
  | { id: number; type: 'unload'; model: number };

/** A request before its id is assigned. */
export type PoolRequestBody = PoolRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface LoadReply {
  /** the rebuilt model's parameters, in order: checked against the caller's */
  params: { name: string; shape: [number, number] }[];
  inputWidth: number;
  outputWidth: number;
}

/** What an objective reports, for one shard (a worker's reply) or combined over the batch (the pool's result). */
export interface ObjectiveFigures {
  loss: number;
  dataLoss: number;
  regularizers: Record<string, number>;
  nfeForward: number;
  nfeBackward: number;
  forwardStats: SolverStats;
}

export interface ObjectiveReply extends ObjectiveFigures {
  /** every parameter's gradient, concatenated in model.params order */
  grads: Float64Array;
  /** the worker's own time for the request, ms (parameters in, objective and gradient, gradients out) */
  ms: number;
}

export interface ForwardAtReply {
  /** z at every output time, [times, rows, D] */
  zs: Float64Array;
  /** λ-weighted integral terms of the shard (its mean) */
  termLoss: number;
  regularizers: Record<string, number>;
  nfeForward: number;
  forwardStats: SolverStats;
}

export interface BackwardAtReply {
  grads: Float64Array;
  /** the step terms' λ-weighted values (known after the replay) */
  termLoss: number;
  regularizers: Record<string, number>;
  nfeBackward: number;
  ms: number;
}

export interface PredictReply {
  /** [batch, outputWidth], or [times, batch, outputWidth] with times */
  output: Float64Array;
  /** z at the last block's end, [batch, D] */
  z1: Float64Array;
  /** one per block */
  stats: SolverStats[];
}

export type PoolReply =
  | { id: number; result: LoadReply | ObjectiveReply | PredictReply | ForwardAtReply | BackwardAtReply | null }
  | { id: number; error: { name: string; message: string } }
  | { type: 'ready' };
