// The shared runtime (what init()/initSync() set up and odeint uses when given none), kept apart from
// the embedded kernel bytes so code that only reads it does not bundle them.
import type { Runtime } from './instance.js';

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
