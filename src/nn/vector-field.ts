// The vector field f(z, t; θ) written once as a Graph and run in every mode the neural ODE needs: the
// plain forward for the solver, its VJP (∂/∂z, ∂/∂θ, ∂/∂t) and Taylor-mode solution derivatives, by
// programs compiled per batch size (and order) and cached. The regularisers built on these programs
// (R_K, kinetic, Jacobian-Frobenius) live in src/terms. Each method is self-contained: it allocates its
// workspace in an arena scope of its own and writes results into tensors the caller owns. Gradients
// ACCUMULATE: into Parameter.grad (clear with zeroGrad) and into a caller's gz.
import type { Graph } from '../autodiff/graph.js';
import type { Parameter } from '../autodiff/parameter.js';
import { Program } from '../autodiff/program.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Tensor } from '../runtime/tensor.js';
import { JetProgram } from '../taylor/jet-program.js';
import { solutionJet } from '../taylor/solution.js';
import { checkParamsOn, checkRuntime } from '../runtime/check.js';
import { LruCache } from '../lru-cache.js';

/** Batch sizes (× orders) whose compiled programs are kept: training uses one or two, evaluation a few. */
export const PROGRAM_CACHE_SIZE = 16;

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

  /** The batch size of a state z [batch, stateSize]; a ShapeError naming `name` otherwise. */
  checkState(name: string, z: Tensor): number {
    if (z.cols !== this.stateSize || z.rows < 1) {
      throw new ShapeError(`${name}: expected [batch, ${this.stateSize}], got [${z.rows}, ${z.cols}]`);
    }
    return z.rows;
  }

  /** A ShapeError naming `name` unless t is shaped like z. */
  checkLike(name: string, t: Tensor, z: Tensor): void {
    if (t.rows !== z.rows || t.cols !== z.cols)
      throw new ShapeError(`${name}: expected [${z.rows}, ${z.cols}] like z, got [${t.rows}, ${t.cols}]`);
  }
}
