// A dense row-major matrix of the runtime's dtype (f64 or f32) living in the arena: an offset plus a shape [rows, cols].
// The tensor owns no memory; its arena scope does. Vectors are [1, n] or [n, 1] as the caller likes.
import { ArgumentError, ShapeError } from '../errors.js';
import type { Arena } from './arena.js';
import type { Values } from './dtype.js';

export class Tensor {
  constructor(
    readonly arena: Arena,
    /** byte offset into linear memory */
    readonly offset: number,
    readonly rows: number,
    readonly cols: number,
  ) {}

  static empty(arena: Arena, rows: number, cols: number): Tensor {
    checkShape(rows, cols);
    return new Tensor(arena, arena.alloc(rows * cols), rows, cols);
  }

  static zeros(arena: Arena, rows: number, cols: number): Tensor {
    checkShape(rows, cols);
    return new Tensor(arena, arena.allocZeroed(rows * cols), rows, cols);
  }

  static from(arena: Arena, values: ArrayLike<number>, rows: number, cols: number): Tensor {
    const t = Tensor.empty(arena, rows, cols);
    t.copyFrom(values);
    return t;
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** A live view of the values; re-read it after anything that may grow memory. */
  get data(): Values {
    const start = this.offset / this.arena.valueBytes;
    return this.arena.values.subarray(start, start + this.size);
  }

  /** Rows [start, start + count) as a tensor sharing this one's memory. */
  rowsView(start: number, count: number): Tensor {
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.rows) {
      throw new ArgumentError('rows', `a range inside [0, ${this.rows})`, `[${start}, ${start + count})`);
    }
    return new Tensor(this.arena, this.offset + start * this.cols * this.arena.valueBytes, count, this.cols);
  }

  /** The same memory seen with another shape of equal size. */
  reshape(rows: number, cols: number): Tensor {
    checkShape(rows, cols);
    if (rows * cols !== this.size) {
      throw new ShapeError(
        `reshape: cannot view [${this.rows}, ${this.cols}] (${this.size} values) as [${rows}, ${cols}]`,
      );
    }
    return new Tensor(this.arena, this.offset, rows, cols);
  }

  copyFrom(values: ArrayLike<number>): this {
    if (values.length !== this.size) {
      throw new ShapeError(
        `copyFrom: tensor [${this.rows}, ${this.cols}] holds ${this.size} values, source has ${values.length}`,
      );
    }
    this.data.set(values);
    return this;
  }

  /** The values as f64: the live view in an f64 runtime (no copy), a widened copy in an f32 one. */
  asFloat64(): Float64Array {
    return this.arena.valueBytes === 8 ? (this.data as Float64Array) : this.toFloat64Array();
  }

  /** A copy that outlives the arena scope (f32 values widened exactly). */
  toFloat64Array(): Float64Array {
    return new Float64Array(this.data);
  }

  toString(): string {
    return `Tensor[${this.rows}, ${this.cols}]@${this.offset}`;
  }
}

export function assertSameShape(what: string, a: Tensor, b: Tensor): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${what}: shapes differ, [${a.rows}, ${a.cols}] vs [${b.rows}, ${b.cols}]`);
  }
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows < 0) throw new ArgumentError('rows', 'a non-negative integer', rows);
  if (!Number.isInteger(cols) || cols < 0) throw new ArgumentError('cols', 'a non-negative integer', cols);
}
