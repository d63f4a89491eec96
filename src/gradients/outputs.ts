// Cotangents of the solution at output times inside a solve (a loss on a time series), as the
// replay (replay.ts) and the adjoint (adjoint.ts) insert them into their backward passes; and where
// odeint put each time among the accepted steps, which the replay must reverse exactly.
import { ArgumentError } from '../errors.js';

/** ∂L/∂y(times[m]) = cotangents[m]: the loss's cotangents of the states at output times. */
export interface OutputCotangents {
  /** monotone in the solve's direction (repeats allowed: their cotangents add), within [t0, t_end] */
  readonly times: ArrayLike<number>;
  /** one per time, each of the state's length */
  readonly cotangents: readonly Float64Array[];
}

/** Refuses outputs that are not `length`-value cotangents at monotone times within [t0, tEnd]. */
export function checkOutputs(outputs: OutputCotangents, length: number, t0: number, tEnd: number): void {
  if (typeof outputs !== 'object' || outputs === null)
    throw new ArgumentError('outputs', '{ times, cotangents }', outputs);
  const { times, cotangents } = outputs;
  checkOutputTimes(times, t0, tEnd, 'outputs.times');
  if (!Array.isArray(cotangents) || cotangents.length !== times.length) {
    throw new ArgumentError(
      'outputs.cotangents',
      `an array of one cotangent per time (${times.length})`,
      Array.isArray(cotangents) ? cotangents.length : cotangents,
    );
  }
  cotangents.forEach((c, m) => {
    if (!(c instanceof Float64Array) || c.length !== length)
      throw new ArgumentError(`outputs.cotangents[${m}]`, `a Float64Array of ${length} values`, c);
  });
}

/** Refuses `times` (named `name`) unless they are monotone in the direction t0 → tEnd and within [t0, tEnd]. */
export function checkOutputTimes(times: ArrayLike<number>, t0: number, tEnd: number, name: string): void {
  if (typeof times !== 'object' || times === null || typeof times.length !== 'number')
    throw new ArgumentError(name, 'an array of times', times);
  const direction = Math.sign(tEnd - t0) || 1;
  const [lo, hi] = direction > 0 ? [t0, tEnd] : [tEnd, t0];
  for (let m = 0; m < times.length; m++) {
    const tau = times[m];
    if (typeof tau !== 'number' || !(tau >= lo && tau <= hi))
      throw new ArgumentError(`${name}[${m}]`, `a time within the solve's [${t0}, ${tEnd}]`, tau);
    if (m > 0 && direction * (tau - times[m - 1]) < 0) {
      throw new ArgumentError(
        `${name}[${m}]`,
        `times monotone in the solve's direction (${direction > 0 ? 'not below' : 'not above'} ${times[m - 1]})`,
        tau,
      );
    }
  }
}

/**
 * The `ts` to ask odeint for so that it writes every output time (checked): [t0, distinct times
 * strictly between, tEnd]; and the index in ts (and in the solution's ys) of each output.
 */
export function solveTimes(times: ArrayLike<number>, t0: number, tEnd: number): { ts: number[]; index: number[] } {
  const ts = [t0];
  const index: number[] = [];
  for (let m = 0; m < times.length; m++) {
    const tau = times[m];
    if (tau !== t0 && tau !== tEnd && tau !== ts[ts.length - 1]) ts.push(tau);
    index.push(tau === t0 ? 0 : tau === tEnd ? -1 : ts.length - 1);
  }
  ts.push(tEnd);
  return { ts, index: index.map((i) => (i < 0 ? ts.length - 1 : i)) };
}

/** The outputs odeint wrote while accepting one step: by dense output inside it, or as its end state. */
export interface StepOutputs {
  /** output indices with θ = (τ − t)/h in (0, 1) */
  readonly inside: { readonly index: number; readonly theta: number }[];
  /** output indices with τ exactly the step's end */
  readonly atEnd: number[];
}

export interface PlacedOutputs {
  /** output indices at exactly t0: the initial state itself */
  readonly atStart: number[];
  readonly steps: StepOutputs[];
}

/**
 * Assigns each output time as src/ode's SolveRun.accept does: step i (from t[i], size h[i], ending
 * exactly at ends[i]) takes the remaining times up to and including its end. `times` must already be
 * checked (monotone, within [t[0], last end]).
 */
export function placeOutputs(
  times: ArrayLike<number>,
  t: ArrayLike<number>,
  h: ArrayLike<number>,
  ends: ArrayLike<number>,
): PlacedOutputs {
  const atStart: number[] = [];
  const steps: StepOutputs[] = [];
  const direction = ends.length > 0 ? Math.sign(ends[ends.length - 1] - t[0]) || 1 : 1;
  let m = 0;
  while (m < times.length && times[m] === t[0]) atStart.push(m++);
  for (let i = 0; i < ends.length; i++) {
    const here: StepOutputs = { inside: [], atEnd: [] };
    for (; m < times.length && direction * (times[m] - ends[i]) <= 0; m++) {
      if (times[m] === ends[i]) here.atEnd.push(m);
      else here.inside.push({ index: m, theta: (times[m] - t[i]) / h[i] });
    }
    steps.push(here);
  }
  return { atStart, steps };
}
