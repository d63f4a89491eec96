// Strict reading of configuration objects, shared by every config in the library (model, solver,
// regularisers, training and optimiser options) and meant for new ones: a misspelt key must fail
// loudly, because silently ignoring `regularizers: { lamda: 1 }` trains with λ = 0. Each check throws
// ArgumentError naming the full path of the offending value ("regularizers.lamda") and what was
// expected, and returns the value so defaults read naturally:
//   checkKeys(options, ['lr', 'beta1'], 'adam');                       // a plain object, no other keys
//   const steps = checkInteger(solver.steps, 'solver.steps', { min: 1, max: MAX_STEPS });
//   const lr = optional(options.lr, 'lr', checkNumber, { min: 0 }) ?? 1e-3;
import { ArgumentError, UnknownKeyError } from '../errors.js';

/** `path.key`, or `key` at the root (path ''). */
export function keyPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** True for {…} objects (not null, arrays, typed arrays, functions or class instances like Map). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Asserts `value` is a plain object whose own keys are all in `allowed`; throws UnknownKeyError (an
 * ArgumentError) for the first key that is not, listing the allowed ones. `path` names the object
 * ('' for a root whose keys are named bare, as top-level options are). Keys whose value is undefined
 * count too: `{ lamda: undefined }` is still a misspelling.
 */
export function checkKeys(value: unknown, allowed: readonly string[], path: string): void {
  if (!isPlainObject(value)) {
    throw new ArgumentError(path === '' ? 'options' : path, `an object with keys among ${allowed.join(', ')}`, value);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new UnknownKeyError(keyPath(path, key), allowed);
  }
}

export interface NumberRange {
  /** smallest allowed value (default −∞) */
  min?: number;
  /** largest allowed value (default +∞) */
  max?: number;
  /** exclude `min` itself (for "> 0") */
  minExclusive?: boolean;
}

/** A finite number in the range; returns it. */
export function checkNumber(value: unknown, name: string, range: NumberRange = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
    throw new ArgumentError(name, `a finite number${describeRange(range)}`, value);
  }
  return value;
}

/** An integer (a safe one) in the range; returns it. State `max` for anything that sizes an allocation. */
export function checkInteger(value: unknown, name: string, range: NumberRange = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, range)) {
    throw new ArgumentError(name, `an integer${describeRange(range)}`, value);
  }
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ArgumentError(name, 'true or false', value);
  return value;
}

/** One of `choices` (compared with ===); returns it typed as the choice. */
export function checkOneOf<T>(value: unknown, choices: readonly T[], name: string): T {
  if (!choices.includes(value as T))
    throw new ArgumentError(name, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value);
  return value as T;
}

/** undefined passes through (the caller's default applies); anything else goes through `check`. */
export function optional<T, A extends unknown[]>(
  value: unknown,
  name: string,
  check: (value: unknown, name: string, ...rest: A) => T,
  ...rest: A
): T | undefined {
  return value === undefined ? undefined : check(value, name, ...rest);
}

function inRange(value: number, { min = -Infinity, max = Infinity, minExclusive = false }: NumberRange): boolean {
  return (minExclusive ? value > min : value >= min) && value <= max;
}

function describeRange({ min, max, minExclusive }: NumberRange): string {
  const low = min === undefined ? '' : minExclusive ? `> ${min}` : `≥ ${min}`;
  const high = max === undefined ? '' : `≤ ${max}`;
  return low && high ? ` ${low} and ${high}` : low || high ? ` ${low || high}` : '';
}
