// Seeded minibatch iteration: each epoch is a fresh shuffle of 0..n−1 drawn from the Rng passed in,
// cut into consecutive batches. With dropLast, a final short batch is skipped (shapes stay fixed).
import { ArgumentError, ShapeError } from '../errors.js';
import type { Rng } from '../random.js';
import { checkBoolean, checkKeys } from '../config/strict.js';

export interface MinibatchOptions {
  /** Skip the short final batch of each epoch (default true: every batch has batchSize rows). */
  dropLast?: boolean;
  /** Shuffle each epoch (default true); false visits rows in order. */
  shuffle?: boolean;
}

export class MinibatchSampler {
  private order: Int32Array;
  private position = 0;
  private epochCount = 0;
  readonly dropLast: boolean;
  readonly shuffle: boolean;

  constructor(
    readonly size: number,
    readonly batchSize: number,
    private readonly rng: Rng,
    options: MinibatchOptions = {},
  ) {
    if (!Number.isInteger(size) || size <= 0) throw new ArgumentError('size', 'a positive number of examples', size);
    if (!Number.isInteger(batchSize) || batchSize <= 0 || batchSize > size) {
      throw new ArgumentError('batchSize', `an integer in [1, ${size}] (the number of examples)`, batchSize);
    }
    checkKeys(options, ['dropLast', 'shuffle'], '');
    this.dropLast = checkBoolean(options.dropLast ?? true, 'dropLast');
    this.shuffle = checkBoolean(options.shuffle ?? true, 'shuffle');
    this.order = new Int32Array(size);
    this.startEpoch();
  }

  /** Completed epochs. */
  get epoch(): number {
    return this.epochCount;
  }

  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** The row indices of the next batch (a fresh array). */
  next(): Int32Array {
    const remaining = this.size - this.position;
    if (remaining === 0 || (this.dropLast && remaining < this.batchSize)) {
      this.epochCount++;
      this.startEpoch();
    }
    const count = Math.min(this.batchSize, this.size - this.position);
    const batch = this.order.slice(this.position, this.position + count);
    this.position += count;
    return batch;
  }

  private startEpoch(): void {
    for (let i = 0; i < this.size; i++) this.order[i] = i;
    if (this.shuffle) this.rng.shuffle(this.order);
    this.position = 0;
  }
}

/** Copies rows `indices` of a row-major [*, cols] array into `out` ([indices.length, cols]). */
export function gatherRows(
  source: Float64Array,
  cols: number,
  indices: ArrayLike<number>,
  out: Float64Array = new Float64Array(indices.length * cols),
): Float64Array {
  if (!Number.isInteger(cols) || cols < 1) throw new ArgumentError('cols', 'a positive integer', cols);
  if (source.length % cols !== 0)
    throw new ArgumentError('source', `whole rows of ${cols} values`, `${source.length} values`);
  if (out.length !== indices.length * cols)
    throw new ShapeError(`gatherRows: out holds ${out.length} values, need ${indices.length}×${cols}`);
  const rows = source.length / cols;
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= rows)
      throw new ArgumentError(`indices[${i}]`, `a row in [0, ${rows})`, r);
    out.set(source.subarray(r * cols, r * cols + cols), i * cols);
  }
  return out;
}
