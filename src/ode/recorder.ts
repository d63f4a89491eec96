// A solve's hooks for a caller that keeps each accepted step's stage evaluations (backprop through the
// solver, as torchdiffeq's default): which evaluation of f comes next, and whether the attempt it
// belonged to was accepted. What f allocates in the arena during a recorded call is not reset by the
// solver; the recorder frees a rejected attempt's itself (mark/reset), and keeps the rest past the solve.

/** `stage` of an evaluation that belongs to no step: the initial-step heuristic's trial (not kept). */
export const PROBE = -1;
/** `stage` of f(t1, y1) after an accepted step: the next step's stage 0 (non-FSAL) and Hermite dense output's f1. */
export const STEP_END = -2;

export interface StageRecorder {
  /**
   * Called just before each evaluation of f: `stage` ≥ 0 is that stage of the step being attempted
   * (0: f(t, y0), made only when the previous step does not carry it over), else PROBE or STEP_END.
   */
  evaluation(stage: number): void;
  /** The attempt just made, from t with signed size h, was accepted (called before any STEP_END evaluation). */
  accepted(t: number, h: number): void;
  /** The attempt just made was rejected: its stages 1.. are discarded, stage 0 is kept for the retry. */
  rejected(): void;
}

export function checkStageRecorder(recorder: unknown): recorder is StageRecorder {
  const r = recorder as StageRecorder;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.evaluation === 'function' &&
    typeof r.accepted === 'function' &&
    typeof r.rejected === 'function'
  );
}
