// The backward pass of the two discretise-then-optimise methods: the recorded steps reversed newest
// first (replay.ts), replaying their stages (checkpoint) or reading the kept ones (backprop), with the
// step terms (and R_K's per-step estimates) summed over the same steps.
import { ArgumentError } from '../errors.js';
import { TABLEAUS } from '../ode/tableaus.js';
import { stepTermsHook } from '../terms/step-hook.js';
import type { BackwardRequest, BackwardResult, OdeBlock } from './method.js';
import { backpropagateSteps, type StoredStages } from './replay.js';

export function reverseRecordedSteps(block: OdeBlock, request: BackwardRequest, stored?: StoredStages): BackwardResult {
  const { dyn, recorded, times, zBars, logDensityBar, termCotangents, stepTerms } = request;
  const { steps, method } = recorded.solution;
  if (!steps)
    throw new ArgumentError('pass', 'a forward pass with record: true (the checkpointed steps)', 'none recorded');
  const { layout } = dyn;
  // The terms' cotangents at t1; the data loss's enter at their times (as outputs).
  const ybar1 = new Float64Array(dyn.stateSize);
  ybar1.set(logDensityBar, layout.logDensity.offset);
  ybar1.set(termCotangents, layout.terms.offset);
  const cotangents = zBars.map((zBar) => {
    const ybar = new Float64Array(dyn.stateSize);
    ybar.set(zBar);
    return ybar;
  });
  const tableau = TABLEAUS[method];
  const bd = dyn.batch * dyn.d;
  const hook =
    stepTerms.length === 0
      ? undefined
      : stepTermsHook(stepTerms, {
          rt: block.rt,
          tableau,
          tol: block.tolerances,
          components: bd,
          vectorField: block.vectorField,
          batch: dyn.batch,
        });
  const replay = { stage: dyn.replayStage.bind(dyn), vjp: dyn.replayVjp.bind(dyn) };
  const back = backpropagateSteps(block.rt, replay, steps, tableau, ybar1, { times, cotangents }, hook, stored);
  return { zbar0: back.ybar.slice(0, bd), stepTermValues: back.stepTermValues };
}
