// gradient 'checkpoint' (the default; DESIGN.md's discretise-then-optimise): the forward solve keeps
// each accepted step's start state; the backward pass replays one step at a time and reverses it.
// Memory ∝ accepted steps × state. With lazy terms the forward carries z alone, as the paper's code
// does, and the replay evaluates the terms' integrands with their VJPs.
import type { AugmentedDynamics } from '../terms/augmented.js';
import type {
  BackwardRequest,
  BackwardResult,
  ForwardRequest,
  GradientStrategy,
  OdeBlock,
  RecordedForward,
} from './method.js';
import { reverseRecordedSteps } from './reverse-steps.js';

export class CheckpointGradient implements GradientStrategy {
  readonly name = 'checkpoint';

  forward(
    block: OdeBlock,
    dyn: AugmentedDynamics,
    y0: Float64Array,
    { ts, grid, norm, lazyTerms }: ForwardRequest,
  ): RecordedForward {
    if (!lazyTerms) {
      dyn.nfe = 0;
      const solution = block.solve({ dyn, y0, ts, grid, record: true, norm });
      return { solution, nfe: dyn.nfe, termsSkipped: false };
    }
    // z alone: the error norm sees only z either way, so these are the augmented solve's steps. The
    // replay reads the checkpointed start states at the augmented size; the terms' slots stay zero,
    // which changes nothing (no integrand reads them, their cotangents are the constant λ).
    const plain = block.dynamics(dyn.batch, false);
    plain.nfe = 0;
    const solution = block.solve({ dyn: plain, y0: y0.slice(0, dyn.batch * dyn.d), ts, grid, record: true, norm });
    if (solution.steps) {
      solution.steps.y = solution.steps.y.map((y) => {
        const full = new Float64Array(dyn.stateSize);
        full.set(y);
        return full;
      });
    }
    return { solution, nfe: plain.nfe, termsSkipped: true };
  }

  backward(block: OdeBlock, request: BackwardRequest): BackwardResult {
    return reverseRecordedSteps(block, request);
  }

  release(): void {}
}
