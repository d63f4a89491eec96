// Gradients through the solver: one GradientStrategy per method, chosen by name.
import { AdjointGradient } from './adjoint.js';
import { BackpropGradient } from './backprop.js';
import { CheckpointGradient } from './checkpoint.js';
import type { GradientStrategy, GradientMethod } from './method.js';

export { GRADIENT_METHODS } from './method.js';
export type {
  GradientStrategy,
  GradientMethod,
  OdeBlock,
  StateNorm,
  RecordedForward,
  StoredPass,
  BackwardRequest,
  BackwardResult,
  ForwardRequest,
  BlockSolveRequest,
} from './method.js';
export { CheckpointGradient, BackpropGradient, AdjointGradient };
export {
  backpropagateSteps,
  neededStages,
  type ReplayDynamics,
  type StageTableau,
  type StoredStages,
} from './replay.js';
export { adjointGradient, type AdjointOutputs, type AdjointResult } from './adjoint-solve.js';
export {
  checkOutputs,
  checkOutputTimes,
  placeOutputs,
  solveTimes,
  type OutputCotangents,
  type PlacedOutputs,
  type StepOutputs,
} from './outputs.js';
export { StageStore } from './stage-store.js';

/** A fresh method of that name (a block holds its own: backprop's keeps per-block bookkeeping). */
export function createGradientMethod(name: GradientMethod): GradientStrategy {
  switch (name) {
    case 'checkpoint':
      return new CheckpointGradient();
    case 'backprop':
      return new BackpropGradient();
    case 'adjoint':
      return new AdjointGradient();
  }
}
