// Losses on z at many output times (NeuralOde.objectiveAt): a time series of states rather than z(t1).
// A SeriesLoss sees every output state at once, so it may couple times (e.g. a mean over all of them).
import { ArgumentError } from '../errors.js';

export interface SeriesShape {
  /** number of output times */
  readonly times: number;
  readonly batch: number;
  /** state width D */
  readonly d: number;
}

/** ∂value/∂zs in `gradient`, laid out like zs: [times, batch, D], row-major. */
export interface SeriesLossValue {
  value: number;
  gradient: Float64Array;
}

/** The loss of z at every output time: zs holds [times, batch, D] values, row-major. */
export type SeriesLoss = (zs: Float64Array, shape: SeriesShape) => SeriesLossValue;

/**
 * Mean squared error over the observed entries only: Σ mask·(z − target)² / Σ mask, for irregularly
 * observed series. `target` and `mask` are [times, batch, D]; mask entries are 1 (observed) or 0
 * (missing: its target may be NaN). Without a mask every entry is observed. No observed entry: 0.
 */
export function maskedMseLoss(target: Float64Array, mask?: Float64Array): SeriesLoss {
  if (!(target instanceof Float64Array))
    throw new ArgumentError('target', 'a Float64Array of [times, batch, D] values', target);
  if (mask !== undefined) {
    if (!(mask instanceof Float64Array) || mask.length !== target.length)
      throw new ArgumentError('mask', `a Float64Array of ${target.length} values like target`, mask);
    for (let i = 0; i < mask.length; i++)
      if (mask[i] !== 0 && mask[i] !== 1) throw new ArgumentError(`mask[${i}]`, '0 (missing) or 1 (observed)', mask[i]);
  }
  const observed = (i: number) => mask === undefined || mask[i] === 1;
  for (let i = 0; i < target.length; i++) {
    if (observed(i) && !Number.isFinite(target[i]))
      throw new ArgumentError(`target[${i}]`, 'a finite value where observed', target[i]);
  }
  const count = mask === undefined ? target.length : mask.reduce((s, v) => s + v, 0);
  return (zs, shape) => {
    if (zs.length !== target.length) {
      throw new ArgumentError(
        'target',
        `${zs.length} values ([times, batch, D] = [${shape.times}, ${shape.batch}, ${shape.d}])`,
        target.length,
      );
    }
    const gradient = new Float64Array(zs.length);
    let sum = 0;
    for (let i = 0; i < zs.length; i++) {
      if (!observed(i)) continue;
      const r = zs[i] - target[i];
      sum += r * r;
      gradient[i] = (2 * r) / count;
    }
    return { value: count > 0 ? sum / count : 0, gradient };
  };
}
