// Solution derivatives of z' = f(z, t) by Taylor mode: z[k+1] = f[k]/(k+1), where f[k] needs only
// z[0..k]. Each order extends every intermediate value by one coefficient, so a linear layer runs K
// times in all (not K(K+1)/2). d^K z/dt^K = K!·z[K]. The reverse sweep back-propagates cotangents of
// z[1..K] to z[0], the time and the parameters (reverse over Taylor).
import type { Ptr } from '../autodiff/op.js';
import { ArgumentError } from '../errors.js';
import type { JetProgram } from './jet-program.js';

/** Fills the state jet of `prog` with z[0] = z and z[1..K]; read z[k] at prog.state(k). */
export function solutionJet(prog: JetProgram, t: number, z: Ptr, K: number): void {
  checkK(prog, K);
  const { kernels } = prog.rt;
  const n = prog.batch * prog.graph.stateSize;
  prog.begin(t, 1);
  kernels.copy(prog.state(0), z, n);
  for (let k = 0; k < K; k++) {
    prog.extend(k);
    kernels.scale(prog.state(k + 1), prog.output(k), 1 / (k + 1), n);
  }
}

/**
 * After solutionJet(prog, t, z, K) and prog.beginReverse(), with cotangents of z[1..K] added into
 * prog.stateCotangent(k): back-propagates through the recursion. Afterwards prog.stateCotangent(0)
 * holds ∂/∂z, prog.timeCotangent(0) ∂/∂t, and every Parameter.grad has ∂/∂θ added.
 */
export function solutionJetVjp(prog: JetProgram, K: number): void {
  checkK(prog, K);
  const { kernels } = prog.rt;
  const n = prog.batch * prog.graph.stateSize;
  for (let k = K - 1; k >= 0; k--) {
    kernels.axpy(prog.outputCotangent(k), 1 / (k + 1), prog.stateCotangent(k + 1), n);
    prog.reverse(k);
  }
}

function checkK(prog: JetProgram, K: number): void {
  if (!Number.isInteger(K) || K < 1 || K > prog.maxOrder)
    throw new ArgumentError('K', `an integer in [1, ${prog.maxOrder}]`, K);
}

/** K! */
export function factorial(K: number): number {
  let f = 1;
  for (let i = 2; i <= K; i++) f *= i;
  return f;
}
