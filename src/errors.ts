// Typed errors shared by every layer. Messages name the argument (or the place) and what was expected.

export class TaynodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A caller passed a value the API cannot use; `argument` names it. */
export class ArgumentError extends TaynodeError {
  constructor(
    readonly argument: string,
    expected: string,
    got?: unknown,
  ) {
    super(`${argument}: expected ${expected}${got === undefined ? '' : `, got ${describe(got)}`}`);
  }
}

/** A configuration object holds a key the API does not know (usually a misspelling); `argument` is its path. */
export class UnknownKeyError extends ArgumentError {
  constructor(
    argument: string,
    readonly allowed: readonly string[],
  ) {
    super(argument, `one of the keys ${allowed.join(', ')}`);
    this.message = `${argument}: unknown key; expected one of ${allowed.join(', ')}`;
  }
}

/** Two shapes that must agree do not. */
export class ShapeError extends TaynodeError {}

/** The arena cannot grow to satisfy an allocation without passing its configured maximum. */
export class ArenaExhaustedError extends TaynodeError {}

export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  return typeof value;
}
