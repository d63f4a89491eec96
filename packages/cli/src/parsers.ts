// Option-argument parsers shared by the commands. Each throws commander's InvalidArgumentError, which
// commander reports naming the option: "option '--size <n>' argument 'abc' is invalid. expected …".
import { InvalidArgumentError } from 'commander';

/** An integer ≥ `min` (default 1). */
export const integerAtLeast =
  (min = 1) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(min === 1 ? 'expected a positive integer.' : `expected an integer ≥ ${min}.`);
    return n;
  };

export const positiveInt = integerAtLeast(1);

/** Any safe integer (seeds). */
export const integer = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer.');
  return n;
};

/** Any finite number. */
export const finite = (v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('expected a finite number.');
  return x;
};

export const positive = (v: string): number => {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new InvalidArgumentError('expected a positive number.');
  return x;
};

export const nonNegative = (v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !(x >= 0) || !Number.isFinite(x))
    throw new InvalidArgumentError('expected a non-negative number.');
  return x;
};

/** A comma-separated list of positive numbers; `what` names them in the message. */
export const positiveList =
  (what: string) =>
  (v: string): number[] => {
    const xs = v.split(',').map(Number);
    if (xs.some((x) => !(x > 0) || !Number.isFinite(x)))
      throw new InvalidArgumentError(`expected a comma-separated list of positive ${what}.`);
    return xs;
  };

/** A comma-separated list of distinct integers in [min, max]; `what` names them in the message. */
export const integerListIn =
  (min: number, max: number, what: string) =>
  (v: string): number[] => {
    const xs = v.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
    if (xs.some((x) => !Number.isSafeInteger(x) || x < min || x > max) || new Set(xs).size !== xs.length)
      throw new InvalidArgumentError(
        `expected a comma-separated list of distinct ${what}, integers in ${min}..${max}.`,
      );
    return xs;
  };

/**
 * A repeatable `K=list` option (`--order-lambdas 3=0.001,0.01`): the positive numbers of `list` for the
 * integer K in [min, max], collected into a map; a K given twice is refused.
 */
export const keyedPositiveLists =
  (min: number, max: number, what: string) =>
  (v: string, previous: Record<number, number[]> = {}): Record<number, number[]> => {
    const m = /^\s*(\d+)\s*=(.*)$/.exec(v);
    const key = m ? Number(m[1]) : NaN;
    if (!m || !Number.isSafeInteger(key) || key < min || key > max)
      throw new InvalidArgumentError(
        `expected K=list, K an integer in ${min}..${max} and list comma-separated positive ${what}.`,
      );
    if (previous[key]) throw new InvalidArgumentError(`K = ${key} is given twice.`);
    return { ...previous, [key]: positiveList(what)(m[2]) };
  };
