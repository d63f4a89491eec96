// Dynamics f(z, t; θ) written once as a Graph and run in every mode the neural ODE needs: the plain
// forward for the solver, its VJP (∂/∂z, ∂/∂θ, ∂/∂t), Taylor-mode solution derivatives, and the
// regularisers with their gradients (reverse over Taylor for R_K). Each method is self-contained: it
// allocates its workspace in an arena scope of its own and writes results into tensors the caller
// owns. Gradients ACCUMULATE: into Parameter.grad (clear with zeroGrad) and into a caller's gz.
// Every regulariser value is a SUM over batch and features (the reference code averages: divide if
// you want that).
import { Graph } from '../autodiff/graph.js';
import type { Parameter } from '../autodiff/parameter.js';
import { Program } from '../autodiff/program.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { JetProgram } from '../taylor/jet-program.js';
import { factorial, solutionJet, solutionJetVjp } from '../taylor/solution.js';
import { checkParamsOn, checkRuntime } from '../runtime/check.js';
import { LruCache } from '../lru-cache.js';

/** Batch sizes (× orders) whose compiled programs are kept: training uses one or two, evaluation a few. */
export const PROGRAM_CACHE_SIZE = 16;

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

export class Dynamics {
  /** Compiled programs per batch size (and order): the most recently used are kept, not every size ever seen. */
  readonly programs = new LruCache<number, Program>(PROGRAM_CACHE_SIZE);
  readonly jetPrograms = new LruCache<string, JetProgram>(PROGRAM_CACHE_SIZE);

  constructor(
    readonly rt: Runtime,
    readonly graph: Graph,
  ) {
    checkRuntime(rt, 'rt');
    checkParamsOn(rt, graph.params, 'graph');
  }

  get stateSize(): number {
    return this.graph.stateSize;
  }

  get params(): readonly Parameter[] {
    return this.graph.params;
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad(this.rt);
  }

  /** out = f(t, z); z and out are [batch, stateSize]. */
  f(t: number, z: Tensor, out: Tensor): void {
    const prog = this.program(this.checkState('z', z));
    this.checkLike('out', out, z);
    // mark/reset rather than scope(): the solver calls this in its inner loop, so no closure per call.
    const { arena } = this.rt;
    const mark = arena.mark();
    try {
      prog.forward(t, z.offset, out.offset);
    } finally {
      arena.reset(mark);
    }
  }

  /**
   * Reverse mode of f at (t, z) with cotangent `gOut`: adds ∂⟨gOut, f⟩/∂z into gz (if given) and
   * ∂/∂θ into Parameter.grad; returns ∂/∂t.
   */
  vjp(t: number, z: Tensor, gOut: Tensor, gz: Tensor | null = null): number {
    const prog = this.program(this.checkState('z', z));
    this.checkLike('gOut', gOut, z);
    if (gz) this.checkLike('gz', gz, z);
    return this.rt.arena.scope(() => {
      prog.forward(t, z.offset);
      return prog.backward(gOut.offset, gz ? gz.offset : 0);
    });
  }

  /**
   * Normalised Taylor coefficients z[1..K] of the solution through (t, z): out[k−1] = z[k] =
   * (d^k z/dt^k)/k!. One pass of each layer per order.
   */
  solutionDerivatives(t: number, z: Tensor, K: number, out: readonly Tensor[]): void {
    const prog = this.jets(this.checkState('z', z), K); // checks K before out's length is compared with it
    if (out.length !== K) throw new ArgumentError('out', `${K} tensors (z[1..K])`, out.length);
    out.forEach((o, i) => this.checkLike(`out[${i}]`, o, z));
    this.rt.arena.scope(() => {
      solutionJet(prog, t, z.offset, K);
      for (let k = 1; k <= K; k++) this.rt.kernels.copy(out[k - 1].offset, prog.state(k), z.size);
    });
  }

  /**
   * R_K's integrand Σ ||d^K z/dt^K||² = Σ ||K!·z[K]||² at (t, z), and (if `grad`) its gradient scaled
   * by grad.weight added into Parameter.grad and grad.gz.
   */
  taylorRegulariser(t: number, z: Tensor, K: number, grad?: GradientRequest): RegulariserResult {
    const batch = this.checkState('z', z);
    if (grad?.gz) this.checkLike('grad.gz', grad.gz, z);
    const prog = this.jets(batch, K);
    const { kernels } = this.rt;
    return this.rt.arena.scope(() => {
      solutionJet(prog, t, z.offset, K);
      const c2 = factorial(K) ** 2;
      const value = c2 * kernels.sum_squares(prog.state(K), z.size);
      if (!grad) return { value, dt: 0 };
      prog.beginReverse();
      kernels.axpy(prog.stateCotangent(K), 2 * c2 * (grad.weight ?? 1), prog.state(K), z.size);
      solutionJetVjp(prog, K);
      if (grad.gz) kernels.add(grad.gz.offset, grad.gz.offset, prog.stateCotangent(0), z.size);
      return { value, dt: prog.timeCotangent(0) };
    });
  }

  /** The kinetic integrand Σ ||f(t, z)||² (RNODE), with its gradient if asked. */
  kinetic(t: number, z: Tensor, grad?: GradientRequest): RegulariserResult {
    const prog = this.program(this.checkState('z', z));
    if (grad?.gz) this.checkLike('grad.gz', grad.gz, z);
    const { arena, kernels } = this.rt;
    return arena.scope(() => {
      prog.forward(t, z.offset);
      const value = kernels.sum_squares(prog.output, z.size);
      if (!grad) return { value, dt: 0 };
      const g = arena.alloc(z.size);
      kernels.scale(g, prog.output, 2 * (grad.weight ?? 1), z.size);
      return { value, dt: prog.backward(g, grad.gz ? grad.gz.offset : 0) };
    });
  }

  /**
   * The Jacobian-Frobenius integrand Σ ||∂f/∂z·ε||² (RNODE's estimator with noise ε, e.g. Rademacher),
   * a jet of order 1 in z alone (the time held fixed), with its gradient if asked.
   */
  jacobianFrobenius(t: number, z: Tensor, eps: Tensor, grad?: GradientRequest): RegulariserResult {
    const batch = this.checkState('z', z);
    this.checkLike('eps', eps, z);
    if (grad?.gz) this.checkLike('grad.gz', grad.gz, z);
    const prog = this.jets(batch, 1);
    const { kernels } = this.rt;
    return this.rt.arena.scope(() => {
      prog.begin(t, 0);
      kernels.copy(prog.state(0), z.offset, z.size);
      kernels.copy(prog.state(1), eps.offset, z.size);
      prog.extend(0);
      prog.extend(1);
      const value = kernels.sum_squares(prog.output(1), z.size);
      if (!grad) return { value, dt: 0 };
      prog.beginReverse();
      kernels.axpy(prog.outputCotangent(1), 2 * (grad.weight ?? 1), prog.output(1), z.size);
      prog.reverse(1);
      prog.reverse(0);
      if (grad.gz) kernels.add(grad.gz.offset, grad.gz.offset, prog.stateCotangent(0), z.size);
      return { value, dt: prog.timeCotangent(0) };
    });
  }

  /** The compiled plain/reverse interpreter for a batch size (cached). */
  program(batch: number): Program {
    const p = this.programs.get(batch, () => new Program(this.rt, this.graph, batch));
    return p;
  }

  /** The compiled Taylor interpreter for a batch size and maximum order (cached). */
  jets(batch: number, maxOrder: number): JetProgram {
    if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new ArgumentError('K', 'a positive integer', maxOrder);
    const key = `${batch}:${maxOrder}`;
    return this.jetPrograms.get(key, () => new JetProgram(this.rt, this.graph, batch, maxOrder));
  }

  private checkState(name: string, z: Tensor): number {
    if (z.cols !== this.stateSize || z.rows < 1) {
      throw new ShapeError(`${name}: expected [batch, ${this.stateSize}], got [${z.rows}, ${z.cols}]`);
    }
    return z.rows;
  }

  private checkLike(name: string, t: Tensor, z: Tensor): void {
    if (t.rows !== z.rows || t.cols !== z.cols) throw new ShapeError(`${name}: expected [${z.rows}, ${z.cols}] like z, got [${t.rows}, ${t.cols}]`);
  }
}
