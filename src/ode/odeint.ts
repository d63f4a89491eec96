// The public odeint: solve.ts's, except that without options.runtime it runs on the shared runtime,
// created from the embedded kernels on first use. solve.ts itself never imports the kernels, so code
// that always passes a runtime (the models, taynode/infer) bundles without them.
import { runtime } from '../runtime/wasm.js';
import type { Dynamics } from './dynamics.js';
import type { SolveOptions } from './options.js';
import { odeint as solve, type OdeSolution } from './solve.js';
import type { StateInput } from './state.js';

/**
 * Solves dy/dt = f(t, y), y(ts[0]) = y0, returning y at every time of `ts` (strictly increasing or
 * decreasing). y0 is one state (a flat array) or a batch ([rows, cols]: a Tensor or { data, rows, cols });
 * one step size serves the whole batch and the error norm runs over the whole state, as in torchdiffeq
 * (or over its first `errorComponents` values). Runs on options.runtime, else the shared runtime().
 */
export function odeint(f: Dynamics, y0: StateInput, ts: ArrayLike<number>, options: SolveOptions = {}): OdeSolution {
  // (anything but a plain options object goes through unchanged, to be refused by name in solve.ts)
  const needsRuntime =
    typeof options === 'object' && options !== null && !Array.isArray(options) && options.runtime === undefined;
  return solve(f, y0, ts, needsRuntime ? { ...options, runtime: runtime() } : options);
}
