// What the main thread does with the workers' replies: the parameters it sends (concatenated in
// model.params order), the check that a worker rebuilt the same parameters, and the combination of
// per-shard objectives (shard-size-weighted means, gradients added in shard order; NFE the largest
// shard's).
import type { NeuralOde } from '../model/neural-ode.js';
import type { Model } from '../model/model.js';
import { ShapeError } from '../errors.js';
import { parameterCount, zeroGrads, type ParameterLike } from '../autodiff/parameters.js';
import type { LoadReply, ObjectiveFigures, ObjectiveReply } from './protocol.js';
import { weightedMean, type Shard } from './shards.js';

export interface ShardObjective extends ObjectiveFigures {
  rows: number;
  /** the worker's own time for this shard, ms (the rest of the call's time is messaging and waiting) */
  workerMs: number;
}

/**
 * The batch's figures: loss, dataLoss and regularizers are Σ_s (rows_s / batch)·value_s, the shard-size-
 * weighted means; nfeForward, nfeBackward and forwardStats are the largest shard's (the shards run side
 * by side, so the slowest sets the time; forwardStats field by field, initialStep the first shard's).
 */
export interface PoolObjectiveResult extends ObjectiveFigures {
  /** each shard's own figures, in batch order */
  shards: ShardObjective[];
}

/** Every parameter's values (a request's) or gradients (a reply's), concatenated in params order. */
export function concatParameters(params: readonly ParameterLike[], part: 'value' | 'grad'): Float64Array {
  const out = new Float64Array(parameterCount(params));
  let offset = 0;
  for (const p of params) {
    out.set(p[part].data, offset);
    offset += p.value.size;
  }
  return out;
}

/** The worker rebuilt the same parameters, in the same order and shapes (names may lose a block's prefix). */
export function checkSameParams(model: NeuralOde | Model, loaded: LoadReply): void {
  const params = model.params;
  const same =
    params.length === loaded.params.length &&
    params.every((p, i) => {
      const q = loaded.params[i];
      return q.shape[0] === p.value.rows && q.shape[1] === p.value.cols && p.name.endsWith(q.name);
    });
  if (!same)
    throw new ShapeError(
      "worker pool: the model rebuilt in the workers does not have this model's parameters in the same order and shapes",
    );
}

/** grad = Σ_s (rows_s / batch)·grad_s, added in shard order. */
export function accumulateGrads(
  model: NeuralOde | Model,
  replies: readonly ObjectiveReply[],
  shards: readonly Shard[],
  batch: number,
): void {
  const params = model.params;
  zeroGrads(params);
  replies.forEach((reply, s) => {
    const w = shards[s].count / batch;
    let offset = 0;
    for (const p of params) {
      const g = p.grad.data;
      for (let i = 0; i < g.length; i++) g[i] += w * reply.grads[offset + i];
      offset += g.length;
    }
  });
}

export function combineObjectives(
  replies: readonly ObjectiveReply[],
  shards: readonly Shard[],
  batch: number,
): PoolObjectiveResult {
  const regularizers: Record<string, number> = {};
  for (const name of Object.keys(replies[0].regularizers))
    regularizers[name] = weightedMean(
      replies.map((r) => r.regularizers[name]),
      shards,
      batch,
    );
  const max = (f: (r: ObjectiveReply) => number) => Math.max(...replies.map(f));
  return {
    loss: weightedMean(
      replies.map((r) => r.loss),
      shards,
      batch,
    ),
    dataLoss: weightedMean(
      replies.map((r) => r.dataLoss),
      shards,
      batch,
    ),
    regularizers,
    nfeForward: max((r) => r.nfeForward),
    nfeBackward: max((r) => r.nfeBackward),
    forwardStats: {
      nfe: max((r) => r.forwardStats.nfe),
      acceptedSteps: max((r) => r.forwardStats.acceptedSteps),
      rejectedSteps: max((r) => r.forwardStats.rejectedSteps),
      nonFiniteRejections: max((r) => r.forwardStats.nonFiniteRejections),
      initialStep: replies[0].forwardStats.initialStep,
    },
    shards: replies.map((r, s) => ({
      rows: shards[s].count,
      loss: r.loss,
      dataLoss: r.dataLoss,
      regularizers: r.regularizers,
      nfeForward: r.nfeForward,
      nfeBackward: r.nfeBackward,
      forwardStats: r.forwardStats,
      workerMs: r.ms,
    })),
  };
}
