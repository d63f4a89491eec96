export { createWorkerPool, WorkerPool, WorkerError, MAX_POOL_WORKERS, MAX_POOL_MODELS } from './pool.js';
export type {
  WorkerPoolOptions,
  PoolObjectiveOptions,
  PoolObjectiveResult,
  ShardObjective,
  PoolPredictOptions,
  PoolPredictResult,
} from './pool.js';
export { servePoolWorker } from './serve.js';
export { splitRows, type Shard } from './shards.js';
