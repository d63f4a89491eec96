// Numerical failures of a solve. Each carries where it happened (t, the step number) and the
// statistics so far, so a caller can tell a tolerance problem from a blow-up without re-running.
import { TaynodeError } from '../errors.js';
import type { SolverStats } from './stats.js';

export class OdeSolverError extends TaynodeError {
  constructor(
    /** what went wrong, without the location */
    readonly reason: string,
    /** time reached (the start of the step that failed) */
    readonly t: number,
    /** number of step attempts so far (accepted + rejected) */
    readonly step: number,
    /** statistics up to the failure (a copy) */
    readonly stats: SolverStats,
  ) {
    super(
      `${reason} (at t = ${t}, step ${step}; nfe ${stats.nfe}, ${stats.acceptedSteps} accepted, ${stats.rejectedSteps} rejected)`,
    );
  }
}

/** `maxSteps` attempts were made before reaching the end time. */
export class MaxStepsError extends OdeSolverError {}

/** The step size fell below `minStep`, or became too small to change t in floating point. */
export class StepSizeError extends OdeSolverError {
  constructor(
    readonly kind: 'below-min-step' | 'underflow',
    readonly h: number,
    reason: string,
    t: number,
    step: number,
    stats: SolverStats,
  ) {
    super(reason, t, step, stats);
  }
}

/** The state or its derivative became NaN or infinite, and shrinking the step did not help. */
export class NonFiniteError extends OdeSolverError {}

/**
 * A quantity the solve computes left floating-point range: the span t1 − t0, the initial state in the
 * runtime's precision, the initial step size, or the error ratio (tolerances too small for the state).
 */
export class OverflowError extends OdeSolverError {
  constructor(
    readonly quantity: 'span' | 'initial-state' | 'initial-step' | 'error-ratio',
    reason: string,
    t: number,
    step: number,
    stats: SolverStats,
  ) {
    super(reason, t, step, stats);
  }
}
