// gradient 'adjoint' (optimise-then-discretise; torchdiffeq's odeint_adjoint): the forward solve keeps
// nothing; the backward pass solves the adjoint system from t1 to t0 (adjoint-solve.ts). O(1) memory in
// the number of steps; the gradient is that of the continuous problem, to the solver's tolerance.
import type { AugmentedDynamics } from '../terms/augmented.js';
import { adjointGradient } from './adjoint-solve.js';
import type {
  BackwardRequest,
  BackwardResult,
  ForwardRequest,
  GradientStrategy,
  OdeBlock,
  RecordedForward,
} from './method.js';

export class AdjointGradient implements GradientStrategy {
  readonly name = 'adjoint';

  forward(
    block: OdeBlock,
    dyn: AugmentedDynamics,
    y0: Float64Array,
    { ts, grid, norm }: ForwardRequest,
  ): RecordedForward {
    dyn.nfe = 0;
    const solution = block.solve({ dyn, y0, ts, grid, record: false, norm });
    return { solution, nfe: dyn.nfe, termsSkipped: false };
  }

  backward(block: OdeBlock, request: BackwardRequest): BackwardResult {
    const { dyn, times, zBars, zs, z1, termCotangents, logDensityBar, grid, norm } = request;
    const options = block.backwardSolveOptions(grid);
    // (a pool's shared steps: the backward state carries no batch means)
    if (norm) options.norm = norm({ batchMeans: 0 });
    const bd = dyn.batch * dyn.d;
    const outputs = { times, cotangents: zBars, states: times.map((_, m) => zs.subarray(m * bd, (m + 1) * bd)) };
    const result = adjointGradient(
      block.rt,
      dyn,
      block.params,
      z1,
      new Float64Array(bd),
      termCotangents,
      block.t0,
      block.t1,
      options,
      outputs,
      logDensityBar,
    );
    return { zbar0: result.zbar0, stepTermValues: [] };
  }

  release(): void {}
}
