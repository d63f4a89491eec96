// The initial state in any of its accepted forms, reduced to values plus a [rows, cols] shape.
// A flat array is one state of `length` components: shape [1, length].
import { ArgumentError, ShapeError } from '../errors.js';
import { Tensor } from '../runtime/tensor.js';

/** A batch as plain data: `rows` states of `cols` components, batch-major. */
export interface BatchArray {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

export type StateInput = Float64Array | readonly number[] | Tensor | BatchArray;

export interface InitialState {
  rows: number;
  cols: number;
  /** reads the values (re-read after arena allocations: a Tensor's view may have moved) */
  values(): ArrayLike<number>;
}

export function readInitialState(y0: StateInput): InitialState {
  if (y0 instanceof Tensor) {
    if (y0.size === 0) throw new ArgumentError('y0', 'a non-empty state', `a Tensor of shape [${y0.rows}, ${y0.cols}]`);
    return { rows: y0.rows, cols: y0.cols, values: () => y0.data };
  }
  if (ArrayBuffer.isView(y0) || Array.isArray(y0)) {
    const data = y0 as ArrayLike<number>;
    if (data.length === 0) throw new ArgumentError('y0', 'a non-empty state');
    return { rows: 1, cols: data.length, values: () => data };
  }
  if (typeof y0 === 'object' && y0 !== null && 'data' in y0) {
    const { data, rows, cols } = y0 as BatchArray;
    if (!Number.isInteger(rows) || rows < 1) throw new ArgumentError('y0.rows', 'a positive integer', rows);
    if (!Number.isInteger(cols) || cols < 1) throw new ArgumentError('y0.cols', 'a positive integer', cols);
    if (!data || data.length !== rows * cols) {
      throw new ShapeError(`y0: shape [${rows}, ${cols}] needs ${rows * cols} values, data has ${data?.length}`);
    }
    return { rows, cols, values: () => data };
  }
  throw new ArgumentError('y0', 'a Float64Array, a number array, a Tensor or { data, rows, cols }', y0);
}

export function assertFiniteState(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ArgumentError('y0', `finite values (component ${i} is ${values[i]})`);
  }
}
