// The model's solver settings (a subset of src/ode's SolveOptions, stored in model files) and their
// strict check: known keys only, tolerances positive, step counts bounded by MAX_STEPS before a grid
// of that many times is laid out.
import { ArgumentError } from '../errors.js';
import { checkInteger, checkKeys, checkNumber, checkOneOf, keyPath } from '../config/strict.js';
import { MAX_STEPS } from '../config/limits.js';
import { isAdaptive, METHOD_NAMES, TABLEAUS, type MethodName } from '../ode/tableaus.js';
import { DEFAULT_MAX_STEPS } from '../ode/options.js';

export interface SolverConfig {
  /** Runge–Kutta method of src/ode (default dopri5) */
  method?: MethodName;
  rtol?: number;
  atol?: number;
  /** equal steps on [t0, t1] (at most MAX_STEPS): required for fixed-step methods, optional (a fixed grid) for adaptive ones */
  steps?: number;
  /** most step attempts of an adaptive solve (at most MAX_STEPS) */
  maxSteps?: number;
  /**
   * which components enter the step-size error norm: 'all' (default) the whole augmented state, or
   * 'state' z alone, so the integrals never shorten a step and training takes the steps `predict` will
   */
  errorNorm?: ErrorNorm;
}

export type ErrorNorm = 'all' | 'state';
export const ERROR_NORMS: readonly ErrorNorm[] = ['all', 'state'];

export const SOLVER_CONFIG_KEYS = ['method', 'rtol', 'atol', 'steps', 'maxSteps', 'errorNorm'] as const;

/** Checks solver settings found at `path` ("solver"). */
export function checkSolverConfig(solver: SolverConfig, path = 'solver'): void {
  checkKeys(solver, SOLVER_CONFIG_KEYS, path);
  const method = checkOneOf(solver.method ?? 'dopri5', METHOD_NAMES, keyPath(path, 'method'));
  for (const key of ['rtol', 'atol'] as const) {
    if (solver[key] !== undefined) checkNumber(solver[key], keyPath(path, key), { min: 0, minExclusive: true });
  }
  if (solver.steps !== undefined) checkInteger(solver.steps, keyPath(path, 'steps'), { min: 1, max: MAX_STEPS });
  if (solver.maxSteps !== undefined)
    checkInteger(solver.maxSteps, keyPath(path, 'maxSteps'), { min: 1, max: MAX_STEPS });
  // A grid of more steps than the attempt budget would stop at maxSteps on every solve.
  const budget = solver.maxSteps ?? DEFAULT_MAX_STEPS;
  if (solver.steps !== undefined && solver.steps > budget) {
    throw new ArgumentError(
      keyPath(path, 'steps'),
      `at most ${keyPath(path, 'maxSteps')} (${budget}${solver.maxSteps === undefined ? ', the default' : ''}) steps, or a larger ${keyPath(path, 'maxSteps')} with it`,
      solver.steps,
    );
  }
  if (solver.errorNorm !== undefined) checkOneOf(solver.errorNorm, ERROR_NORMS, keyPath(path, 'errorNorm'));
  const tableau = TABLEAUS[method];
  if (!isAdaptive(tableau) && solver.steps === undefined) {
    throw new ArgumentError(
      keyPath(path, 'steps'),
      `a step count for the fixed-step method ${tableau.name}`,
      undefined,
    );
  }
}
