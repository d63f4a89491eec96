// Checks for layer and model descriptions (plain JSON, possibly from a file): unknown keys are refused
// by name (src/config/strict's checkKeys), so a typo such as `lamda` never silently means a default,
// and every size is bounded (src/config/limits) before anything is allocated from it.
import { ArgumentError } from '../errors.js';
import { MAX_PARAMETERS, MAX_WIDTH } from '../config/limits.js';
import { checkKeys as checkKeysStrict } from '../config/strict.js';
import { checkRng, type Rng } from '../random.js';
import { checkInitialiser, type Initialiser } from './init.js';

export { checkKeys } from '../config/strict.js';
export { MAX_LAYERS, MAX_WIDTH } from '../config/limits.js';

export function checkObject(value: unknown, argument: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ArgumentError(argument, expected, value);
  return value as Record<string, unknown>;
}

export function checkWidth(argument: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_WIDTH) {
    throw new ArgumentError(argument, `an integer width in [1, ${MAX_WIDTH}]`, value);
  }
  return value as number;
}

/** Refuses parameter shapes adding up to more than MAX_PARAMETERS values (checked before allocating them). */
export function checkParameterBudget(shapes: Iterable<readonly [number, number]>, argument: string): void {
  let count = 0;
  for (const [rows, cols] of shapes) count += rows * cols;
  if (count > MAX_PARAMETERS)
    throw new ArgumentError(
      argument,
      `layers of at most ${MAX_PARAMETERS} parameters in all`,
      `a description needing ${count}`,
    );
}

/** A layer constructor's options, checked: a seeded Rng, a known initialiser, a string name prefix. */
export function checkLayerOptions(options: unknown, argument: string): { rng: Rng; init: Initialiser; name: string } {
  checkKeysStrict(options, ['rng', 'init', 'name'], argument);
  const o = options as { rng?: unknown; init?: unknown; name?: unknown };
  checkRng(o.rng, `${argument}.rng`);
  const init = o.init === undefined ? 'pytorch' : checkInitialiser(o.init, `${argument}.init`);
  if (o.name !== undefined && typeof o.name !== 'string')
    throw new ArgumentError(`${argument}.name`, 'a parameter name prefix (a string)', o.name);
  return { rng: o.rng as Rng, init, name: (o.name as string | undefined) ?? '' };
}

/** A layer constructor's size settings: only `keys` (and the description's `type`), widths bounded. */
export function checkLayerSizes(spec: unknown, keys: readonly string[], argument: string): Record<string, unknown> {
  checkKeysStrict(spec, ['type', ...keys], argument);
  return spec as Record<string, unknown>;
}
