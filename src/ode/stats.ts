// Per-solve statistics, plus the accepted-step record a later pass needs to replay the solve.

export interface SolverStats {
  /** every evaluation of f: stages of rejected steps and the initial-step probes included */
  nfe: number;
  acceptedSteps: number;
  rejectedSteps: number;
  /** rejections caused by a non-finite trial state or error estimate (included in rejectedSteps) */
  nonFiniteRejections: number;
  /** the first step size tried (signed), from `firstStep` or Hairer's heuristic */
  initialStep: number;
}

/**
 * The accepted steps, in order: step i went from t[i] to t[i] + h[i] (h signed) starting at state y[i].
 * With the tableau (TABLEAUS[method]) this is all a discretise-then-optimise backward pass needs to
 * replay each step with the tape on: stage times t[i] + c_j·h[i], stages from y[i].
 */
export interface AcceptedSteps {
  t: Float64Array;
  h: Float64Array;
  /** start state of each accepted step (rows·cols values, batch-major), copied out of the arena */
  y: Float64Array[];
  /**
   * End of the last step, exactly as the solver landed on it (t[i + 1] is step i's end; t + h may
   * differ from either by rounding). A backward pass needs it to place output times as odeint did.
   */
  tEnd?: number;
}

/**
 * Several solves in sequence (a Model's blocks) as one: counts summed, the first solve's initial step.
 */
export function totalStats(list: readonly SolverStats[]): SolverStats {
  const total = emptyStats();
  for (const s of list) {
    total.nfe += s.nfe;
    total.acceptedSteps += s.acceptedSteps;
    total.rejectedSteps += s.rejectedSteps;
    total.nonFiniteRejections += s.nonFiniteRejections;
  }
  if (list.length > 0) total.initialStep = list[0].initialStep;
  return total;
}

export function emptyStats(): SolverStats {
  return { nfe: 0, acceptedSteps: 0, rejectedSteps: 0, nonFiniteRejections: 0, initialStep: 0 };
}
