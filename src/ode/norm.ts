// The error norm an adaptive solve steps by, as a value the caller may replace (as diffrax's step-size
// controller owns its norm): the default is the RMS of v / (atol + rtol·max(|y0|, |y1|)) over the
// state's leading `components` values, NaN when any of its n values of y1 is non-finite. A pool's
// shared steps (src/parallel/shared-norm.ts) pass one that combines every shard's part of the batch.
import type { Arena } from '../runtime/arena.js';
import type { Kernels } from '../runtime/kernels.js';

/** What a norm is built for: one solve's kernels, tolerances and state size. */
export interface NormSetup {
  kernels: Kernels;
  arena: Arena;
  atol: number;
  /** arena offset of a per-component atol (0: the scalar atol) */
  atolVector: number;
  rtol: number;
  /** the leading state components the norm runs over (≤ n) */
  components: number;
  /** the state's size */
  n: number;
}

/** The norm of the vector at arena offset `v`, scaled by the states at `y0` and `y1` (all n values). */
export type NormFunction = (v: number, y0: number, y1: number) => number;

/** Builds a solve's norm once, at its start. */
export type NormStrategy = (setup: NormSetup) => NormFunction;

/** The default: the weighted RMS over the leading components (the solve's error ratio and Hairer's initial-step norms). */
export const rmsNorm: NormStrategy =
  ({ kernels, atol, atolVector, rtol, components, n }) =>
  (v, y0, y1) => {
    const ratio = kernels.rk_error_ratio(v, y0, y1, atol, atolVector, rtol, components);
    // Components outside the norm still stop a step that made them non-finite.
    if (components < n && kernels.all_finite(y1 + kernels.valueBytes * components, n - components) !== 1) return NaN;
    return ratio;
  };
