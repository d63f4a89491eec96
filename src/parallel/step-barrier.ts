// Shared steps across a pool's workers: every worker's adaptive solves call `combine` at each error
// norm (src/parallel/shared-norm.ts), in lockstep; each writes its shard's part into shared memory, waits at a
// barrier until all have, then every worker combines all the parts in shard order itself (the same
// arithmetic on the same values: the same ratio and decision everywhere, with no message through the
// main thread per step). Two banks of slots alternate, so a worker already at the next norm never
// overwrites a part another is still reading. A worker that fails (or the pool, for a worker that
// died) sets `abort`: the others stop waiting and fail with SharedStepsAborted, never hang. A meeting
// every worker reached still completes for all of them (`completed`), so a failure every shard meets
// after it (maxSteps, a step-size underflow) is each worker's own, whichever throws first: the pool
// then reports the first in shard order, the same every run.
import { TaynodeError } from '../errors.js';
import { combineNormParts, type NormPart, type StepSync } from './shared-norm.js';

/** Batch-mean components (regularisers' integrals) one norm may combine. */
export const MAX_SHARED_MEANS = 64;

const GENERATION = 0,
  ARRIVED = 1,
  ABORT = 2,
  COMPLETED = 3;
const CONTROL_BYTES = 16;
/** f64 values of one slot: sumSquares, count, rtol, means, then 4 per mean */
const SLOT = 4 + 4 * MAX_SHARED_MEANS;

/** What a request carries for shared steps: the memory, the worker's shard and every shard's weight. */
export interface SharedSteps {
  buffer: SharedArrayBuffer;
  index: number;
  /** rows_s / batch for every shard, in shard order */
  weights: number[];
}

/** Whether this host can share memory with workers (browsers: only cross-origin isolated pages). */
export function canShareSteps(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return isolated !== false;
}

/** The shared memory of one pooled call across `workers` shards. */
export function sharedStepsBuffer(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + 2 * workers * SLOT * 8);
}

/** Stops every worker waiting on (or later arriving at) this call's barrier. Safe from any thread. */
export function abortSharedSteps(buffer: SharedArrayBuffer): void {
  const control = new Int32Array(buffer, 0, 4);
  Atomics.store(control, ABORT, 1);
  Atomics.add(control, GENERATION, 1); // a waiter about to wait sees the value changed
  Atomics.notify(control, GENERATION);
}

/** Thrown in the workers a failure elsewhere stopped; the pool reports the failing worker's own error. */
export class SharedStepsAborted extends TaynodeError {
  constructor() {
    super('another worker failed during a solve with shared steps');
    this.name = 'SharedStepsAborted';
  }
}

export class SharedStepBarrier implements StepSync {
  private readonly control: Int32Array;
  private readonly slots: Float64Array;

  constructor(private readonly shared: SharedSteps) {
    this.control = new Int32Array(shared.buffer, 0, 4);
    this.slots = new Float64Array(shared.buffer, CONTROL_BYTES);
  }

  combine(part: NormPart): number {
    const { control, slots } = this;
    const { index, weights } = this.shared;
    const workers = weights.length;
    const means = part.means.length / 4;
    if (means > MAX_SHARED_MEANS)
      throw new TaynodeError(`shared steps: ${means} batch-mean components in one norm, at most ${MAX_SHARED_MEANS}`);
    const generation = Atomics.load(control, GENERATION);
    // (an abort bumps the generation after setting the flag: read after it, the flag shows)
    if (Atomics.load(control, ABORT) !== 0) throw new SharedStepsAborted();
    const bank = (generation & 1) * workers * SLOT;
    const mine = bank + index * SLOT;
    slots[mine] = part.sumSquares;
    slots[mine + 1] = part.count;
    slots[mine + 2] = part.rtol;
    slots[mine + 3] = means;
    slots.set(part.means, mine + 4);
    if (Atomics.add(control, ARRIVED, 1) === workers - 1) {
      Atomics.store(control, ARRIVED, 0);
      // The generation moves BEFORE the meeting shows complete: a worker released by `completed` (its
      // wait may return early) and already at its next norm must read the next generation (bank).
      Atomics.add(control, GENERATION, 1);
      Atomics.store(control, COMPLETED, generation + 1);
      Atomics.notify(control, GENERATION);
    } else {
      // The generation moves when the meeting completes or on an abort; `completed` tells which.
      while (Atomics.load(control, COMPLETED) <= generation) {
        if (Atomics.load(control, ABORT) !== 0) throw new SharedStepsAborted();
        Atomics.wait(control, GENERATION, generation);
      }
    }
    const parts: NormPart[] = [];
    for (let s = 0; s < workers; s++) {
      const at = bank + s * SLOT;
      if (slots[at + 3] !== means)
        throw new TaynodeError(
          `shared steps: worker ${s} normed ${slots[at + 3]} batch-mean components, worker ${index} ${means} (the workers' solves differ)`,
        );
      parts.push({
        sumSquares: slots[at],
        count: slots[at + 1],
        rtol: slots[at + 2],
        means: slots.slice(at + 4, at + 4 + 4 * means),
      });
    }
    return combineNormParts(parts, weights);
  }
}
