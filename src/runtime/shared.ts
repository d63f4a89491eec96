// The shared runtime (what init()/initSync() set up and odeint uses when given none), kept apart from
// the embedded kernel bytes so code that only reads it does not bundle them.
import type { Runtime } from './instance.js';
import { ArgumentError } from '../errors.js';
import { readDtype } from './dtype.js';

let current: Runtime | undefined;

/** The shared runtime, if one has been set up. */
export function sharedRuntime(): Runtime | undefined {
  return current;
}

/** Makes `rt` the shared runtime unless one is set up already; returns the shared one. */
export function setSharedRuntime(rt: Runtime): Runtime {
  current ??= rt;
  return current;
}

/**
 * The shared runtime for a later init/initSync, if one is set up: a `dtype` asked for (checked) must be
 * its own, since the call returns it unchanged rather than a runtime of the other precision.
 */
export function sharedRuntimeOfDtype(dtype: unknown): Runtime | undefined {
  const asked = dtype === undefined ? undefined : readDtype(dtype);
  if (current && asked !== undefined && asked !== current.dtype) {
    throw new ArgumentError(
      'dtype',
      `'${current.dtype}', the shared runtime's (set up once, by the first init/initSync; createRuntimeSync makes a runtime of another dtype)`,
      asked,
    );
  }
  return current;
}
