// `--workers N` of the training commands: N ≥ 2 trains across a worker pool (src/parallel, shared
// steps), 1 on this thread as before. The pool is created for the command and closed when it ends,
// also when it fails. A training loop written as a generator of objective steps (ObjectiveStep) runs
// either way: `runSteps` computes each step here, `runStepsOn` across the pool.
import { InvalidArgumentError, Option } from 'commander';
import { type RuntimeDtype as Dtype, createWorkerPool, MAX_POOL_WORKERS, type WorkerPool } from 'taynode';

/** An integer in [1, MAX_POOL_WORKERS]. */
export const workerCount = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 1 || n > MAX_POOL_WORKERS)
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_POOL_WORKERS}.`);
  return n;
};

export const workersOption = (): Option =>
  new Option(
    '--workers <n>',
    'worker threads to train across (2 or more: a worker pool, one step-size sequence for the batch; 1: this thread)',
  )
    .argParser(workerCount)
    .default(1);

/**
 * Runs `work` with a pool of `workers` threads (none for 1), closing it afterwards whatever happens; the
 * workers' runtimes take the command's `dtype` (a pool refuses models of another dtype).
 */
export async function withWorkers<T>(
  workers: number,
  dtype: Dtype,
  work: (pool: WorkerPool | undefined) => Promise<T>,
): Promise<T> {
  if (workers < 2) return work(undefined);
  const pool = await createWorkerPool({ workers, runtime: { dtype } });
  try {
    return await work(pool);
  } finally {
    await pool.close();
  }
}

/** What the JSON results record of the pool: the number of workers and how they stepped. */
export const workersJson = (pool: WorkerPool | undefined): { workers: number; step_sizes?: string } =>
  pool ? { workers: pool.size, step_sizes: pool.stepSizes } : { workers: 1 };

/** One objective of a training loop, computed on this thread or across a pool. */
export interface ObjectiveStep<R> {
  single(): R;
  pooled(pool: WorkerPool): Promise<R>;
}

/** Drives a loop of objective steps on this thread (an error is thrown into the loop, as a call there would). */
export function runSteps<T, R>(steps: Generator<ObjectiveStep<R>, T, R>): T {
  let next = steps.next();
  while (!next.done) {
    let value: R;
    try {
      value = next.value.single();
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(value);
  }
  return next.value;
}

/** Drives the same loop across a pool. */
export async function runStepsOn<T, R>(pool: WorkerPool, steps: Generator<ObjectiveStep<R>, T, R>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let value: R;
    try {
      value = await next.value.pooled(pool);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(value);
  }
  return next.value;
}
