// The regularisers' integrands, written once. Each is c·Σx² over batch and features of one quantity x
// of the dynamics at (t, z):
//   taylor             x = z[K], the normalised Taylor coefficient      c = (K!)²   Σ ||d^K z/dt^K||²
//   kinetic            x = f(t, z)                                       c = 1       Σ ||f||²
//   jacobianFrobenius  x = ∂f/∂z·ε, an order-1 jet in z (t held fixed)   c = 1       Σ ||∂f/∂z·ε||²
// Its gradient, weighted by w and divided by a normalisation n, seeds x's cotangent with (2c·w)/n · x,
// and reversing the program that computed x carries it to z, θ and t (reverse over Taylor for R_K).
// The augmented dynamics (graph-augmented.ts) read x from the programs they run anyway (one solution
// jet gives both f and z[K]) and normalise by batch·D; the functions below evaluate one term of a
// Dynamics at one point and return the plain sum (n = 1). Each allocates its workspace in an arena scope
// of its own; gradients ACCUMULATE into Parameter.grad (clear with zeroGrad) and into a caller's gz.
import type { Ptr } from '../autodiff/op.js';
import type { Dynamics } from '../nn/vector-field.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { factorial, solutionJet, solutionJetVjp } from '../taylor/solution.js';

/** What a regulariser's gradient should do: scale it by `weight` and add ∂/∂z into `gz` (if given). */
export interface GradientRequest {
  weight?: number;
  gz?: Tensor | null;
}

export interface RegulariserResult {
  /** the regulariser's value (a sum over batch and features) */
  value: number;
  /** weight·∂value/∂t when a gradient was requested, else 0 */
  dt: number;
}

/** c of R_K's integrand (K!)²·Σ z[K]²: d^K z/dt^K = K!·z[K]. */
export function taylorCoefficient(K: number): number {
  return factorial(K) ** 2;
}

/** c·Σx² over `count` values at x. */
export function squaresValue(rt: Runtime, c: number, x: Ptr, count: number): number {
  return c * rt.kernels.sum_squares(x, count);
}

/** The factor of x in the cotangent of x that (c·Σx²)·weight/n seeds: (2c·weight)/n. */
export function squaresCotangentScale(c: number, weight: number, n = 1): number {
  return (2 * c * weight) / n;
}

/**
 * R_K's integrand Σ ||d^K z/dt^K||² = Σ ||K!·z[K]||² at (t, z), and (if `grad`) its gradient scaled
 * by grad.weight added into Parameter.grad and grad.gz.
 */
export function taylorRegulariser(
  dynamics: Dynamics,
  t: number,
  z: Tensor,
  K: number,
  grad?: GradientRequest,
): RegulariserResult {
  const batch = dynamics.checkState('z', z);
  if (grad?.gz) dynamics.checkLike('grad.gz', grad.gz, z);
  const prog = dynamics.jets(batch, K);
  const { rt } = dynamics;
  return rt.arena.scope(() => {
    solutionJet(prog, t, z.offset, K);
    const c = taylorCoefficient(K);
    const value = squaresValue(rt, c, prog.state(K), z.size);
    if (!grad) return { value, dt: 0 };
    prog.beginReverse();
    rt.kernels.axpy(prog.stateCotangent(K), squaresCotangentScale(c, grad.weight ?? 1), prog.state(K), z.size);
    solutionJetVjp(prog, K);
    if (grad.gz) rt.kernels.add(grad.gz.offset, grad.gz.offset, prog.stateCotangent(0), z.size);
    return { value, dt: prog.timeCotangent(0) };
  });
}

/** The kinetic integrand Σ ||f(t, z)||² (RNODE), with its gradient if asked. */
export function kineticRegulariser(
  dynamics: Dynamics,
  t: number,
  z: Tensor,
  grad?: GradientRequest,
): RegulariserResult {
  const prog = dynamics.program(dynamics.checkState('z', z));
  if (grad?.gz) dynamics.checkLike('grad.gz', grad.gz, z);
  const { rt } = dynamics;
  return rt.arena.scope(() => {
    prog.forward(t, z.offset);
    const value = squaresValue(rt, 1, prog.output, z.size);
    if (!grad) return { value, dt: 0 };
    const g = rt.arena.alloc(z.size);
    rt.kernels.scale(g, prog.output, squaresCotangentScale(1, grad.weight ?? 1), z.size);
    return { value, dt: prog.backward(g, grad.gz ? grad.gz.offset : 0) };
  });
}

/**
 * The Jacobian-Frobenius integrand Σ ||∂f/∂z·ε||² (RNODE's estimator with noise ε, e.g. Rademacher),
 * a jet of order 1 in z alone (the time held fixed), with its gradient if asked.
 */
export function jacobianFrobeniusRegulariser(
  dynamics: Dynamics,
  t: number,
  z: Tensor,
  eps: Tensor,
  grad?: GradientRequest,
): RegulariserResult {
  const batch = dynamics.checkState('z', z);
  dynamics.checkLike('eps', eps, z);
  if (grad?.gz) dynamics.checkLike('grad.gz', grad.gz, z);
  const prog = dynamics.jets(batch, 1);
  const { rt } = dynamics;
  const { kernels } = rt;
  return rt.arena.scope(() => {
    prog.begin(t, 0);
    kernels.copy(prog.state(0), z.offset, z.size);
    kernels.copy(prog.state(1), eps.offset, z.size);
    prog.extend(0);
    prog.extend(1);
    const value = squaresValue(rt, 1, prog.output(1), z.size);
    if (!grad) return { value, dt: 0 };
    prog.beginReverse();
    kernels.axpy(prog.outputCotangent(1), squaresCotangentScale(1, grad.weight ?? 1), prog.output(1), z.size);
    prog.reverse(1);
    prog.reverse(0);
    if (grad.gz) kernels.add(grad.gz.offset, grad.gz.offset, prog.stateCotangent(0), z.size);
    return { value, dt: prog.timeCotangent(0) };
  });
}
