// Learning-rate schedules: functions from the 0-based iteration number to a learning rate.
import { ArgumentError } from '../errors.js';

export type Schedule = (iteration: number) => number;

/** A constant rate. */
export function constantSchedule(rate: number): Schedule {
  checkRate('rate', rate);
  return () => rate;
}

/**
 * Piecewise constant: iteration i uses values[j] where j is the number of boundaries b with i ≥ b.
 * So values[0] holds for i < boundaries[0], values[1] from boundaries[0] on, and so on.
 * (JAX's optimizers.piecewise_constant switches one iteration later, at i > b.)
 */
export function piecewiseConstant(boundaries: readonly number[], values: readonly number[]): Schedule {
  checkBoundaries(boundaries);
  if (!Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new ArgumentError(
      'values',
      `an array of ${boundaries.length + 1} rates (one more than the boundaries)`,
      values,
    );
  }
  values.forEach((v, i) => checkRate(`values[${i}]`, v));
  const bs = boundaries.slice();
  const vs = values.slice();
  return (iteration) => {
    checkIteration(iteration);
    let j = 0;
    while (j < bs.length && iteration >= bs[j]) j++;
    return vs[j];
  };
}

/**
 * Piecewise linear through the points (boundaries[j], values[j]); constant before the first and
 * after the last point. Useful for warm-up followed by decay.
 */
export function piecewiseLinear(boundaries: readonly number[], values: readonly number[]): Schedule {
  checkBoundaries(boundaries);
  if (boundaries.length === 0) throw new ArgumentError('boundaries', 'at least one point', boundaries);
  if (!Array.isArray(values) || values.length !== boundaries.length) {
    throw new ArgumentError('values', `an array of ${boundaries.length} rates (one per boundary)`, values);
  }
  values.forEach((v, i) => checkRate(`values[${i}]`, v));
  const bs = boundaries.slice();
  const vs = values.slice();
  return (iteration) => {
    checkIteration(iteration);
    if (iteration <= bs[0]) return vs[0];
    for (let j = 1; j < bs.length; j++) {
      if (iteration <= bs[j]) {
        const w = (iteration - bs[j - 1]) / (bs[j] - bs[j - 1]);
        return vs[j - 1] + w * (vs[j] - vs[j - 1]);
      }
    }
    return vs[vs.length - 1];
  };
}

/**
 * Exponential decay with a floor: rate·decay^iteration, never below `floor` (JAX's
 * optimizers.exponential_decay(rate, 1, decay) with its `lowest`, as the latent-ODE reference uses).
 */
export function exponentialDecay(rate: number, decay: number, floor = 0): Schedule {
  checkRate('rate', rate);
  if (typeof decay !== 'number' || !(decay > 0 && decay <= 1))
    throw new ArgumentError('decay', 'a factor in (0, 1]', decay);
  checkRate('floor', floor);
  if (floor > rate) throw new ArgumentError('floor', `a rate at most the starting rate ${rate}`, floor);
  return (iteration) => {
    checkIteration(iteration);
    return Math.max(floor, rate * decay ** iteration);
  };
}

/** A rate given as a number or a schedule, as a schedule. */
export function asSchedule(rate: number | Schedule, argument = 'lr'): Schedule {
  if (typeof rate === 'function') return rate;
  if (typeof rate !== 'number') throw new ArgumentError(argument, 'a learning rate or a schedule function', rate);
  checkRate(argument, rate);
  return () => rate;
}

function checkBoundaries(boundaries: readonly number[]): void {
  if (!Array.isArray(boundaries)) throw new ArgumentError('boundaries', 'an array of iteration numbers', boundaries);
  boundaries.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 0) throw new ArgumentError(`boundaries[${i}]`, 'a non-negative integer', b);
    if (i > 0 && b <= boundaries[i - 1])
      throw new ArgumentError(
        `boundaries[${i}]`,
        `a value above boundaries[${i - 1}] = ${boundaries[i - 1]} (strictly increasing)`,
        b,
      );
  });
}

export function checkRate(name: string, rate: number): void {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0)
    throw new ArgumentError(name, 'a finite non-negative learning rate', rate);
}

function checkIteration(iteration: number): void {
  if (!Number.isInteger(iteration) || iteration < 0)
    throw new ArgumentError('iteration', 'a non-negative integer', iteration);
}
