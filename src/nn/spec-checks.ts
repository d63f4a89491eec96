// Checks for layer and model descriptions (plain JSON, possibly from a file): unknown keys are refused
// by name, so a typo such as `lamda` never silently means a default, and every size is bounded before
// anything is allocated from it.
import { ArgumentError } from '../errors.js';

/** The widest layer a description may ask for (2^20 values; a 784-wide MNIST layer is far below it). */
export const MAX_WIDTH = 1 << 20;
/** The most layers in one sequential (deeper nets than this are not what a description file is for). */
export const MAX_LAYERS = 256;

export function checkObject(value: unknown, argument: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ArgumentError(argument, expected, value);
  return value as Record<string, unknown>;
}

/** Refuses any own key of `value` not in `allowed`, naming it and the allowed ones. */
export function checkKeys(value: Record<string, unknown>, allowed: readonly string[], argument: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ArgumentError(`${argument}.${key}`, `no such key (allowed: ${allowed.join(', ')})`);
  }
}

export function checkWidth(argument: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_WIDTH) {
    throw new ArgumentError(argument, `an integer width in [1, ${MAX_WIDTH}]`, value);
  }
  return value as number;
}
