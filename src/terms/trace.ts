// The CNF log-density integrand −tr(∂f/∂z) per example, by order-1 jets in z alone (the time's jet is
// t, 0) and its VJP by reversing them (reverse over Taylor). Rows of f depend only on their own row of z
// (every graph op acts row by row), so the batch's Jacobian is block diagonal and each example's trace
// is its own block's.
//   exact:      the D directions e_i at once, as D copies of each row ([batch·D, D] jets): row (b, i)
//               of ∂f/∂z·e_i holds column i of example b's Jacobian, whose diagonal sums to the trace.
//   hutchinson: −εᵀ(∂f/∂z)ε per row with the caller's ε (Rademacher or Gaussian: unbiased, E[εεᵀ] = I).
// The forward pass's values stay in the caller's arena scope for `vjp`; one evaluation at a time.
// The exact trace's D copies make wide states costly (digits at 7×7: batch 1,000 × 49 rows of every
// hidden layer's jets, gigabytes): past `maxWorkspaceBytes` the batch is taken a chunk of examples at
// a time, each in its own arena scope, and `vjp` recomputes each chunk's forward before reversing it.
import type { Graph } from '../autodiff/graph.js';
import type { Ptr } from '../autodiff/op.js';
import type { Runtime } from '../runtime/wasm.js';
import { JetProgram } from '../taylor/jet-program.js';
import type { TraceEstimatorKind } from './terms.js';

/** Default bound on one exact-trace evaluation's jets before the batch is split into chunks. */
export const EXACT_TRACE_WORKSPACE_BYTES = 256 * 2 ** 20;

export class NegativeTrace {
  private readonly program: JetProgram;
  private readonly d: number;
  /** examples per exact-trace chunk (= batch when one chunk fits) */
  readonly chunk: number;
  /** bytes of one example's jets in one evaluation */
  readonly workspaceBytesPerExample: number;
  /** the program of a last chunk smaller than `chunk` (null when chunks divide the batch) */
  private readonly tailProgram: JetProgram | null = null;
  /** ε of the latest forward (hutchinson), in that call's arena scope */
  private eps: Ptr = 0;
  /** the latest forward's point, for a chunked vjp's recomputation */
  private t = 0;
  private z: Ptr = 0;

  constructor(
    private readonly rt: Runtime,
    graph: Graph,
    private readonly batch: number,
    readonly estimator: TraceEstimatorKind,
    maxWorkspaceBytes = EXACT_TRACE_WORKSPACE_BYTES,
  ) {
    this.d = graph.stateSize;
    if (estimator !== 'exact') {
      this.chunk = batch;
      this.program = new JetProgram(rt, graph, batch, 1);
      this.workspaceBytesPerExample = this.program.workspaceBytes / batch;
      return;
    }
    const perExample = new JetProgram(rt, graph, this.d, 1).workspaceBytes;
    this.workspaceBytesPerExample = perExample;
    this.chunk = Math.max(1, Math.min(batch, Math.floor(maxWorkspaceBytes / perExample)));
    this.program = new JetProgram(rt, graph, this.chunk * this.d, 1);
    const tail = batch % this.chunk;
    if (tail > 0) this.tailProgram = new JetProgram(rt, graph, tail * this.d, 1);
  }

  /** out[b] = −tr(∂f/∂z) of example b at (t, z) (hutchinson: −ε_bᵀ(∂f/∂z)ε_b with eps [batch, D]). */
  forward(t: number, z: Ptr, eps: Ptr, out: Ptr): void {
    const { program: p, batch, d } = this;
    const k = this.rt.kernels;
    if (this.estimator === 'exact') {
      this.t = t;
      this.z = z;
      if (this.chunk === batch) this.exactForward(p, t, z, out, 0, batch);
      else this.forEachChunk((q, b0, n) => this.rt.arena.scope(() => this.exactForward(q, t, z, out, b0, n)));
    } else {
      p.begin(t, 0);
      this.eps = eps;
      k.copy(p.state(0), z, batch * d);
      k.copy(p.state(1), eps, batch * d);
      p.extend(0);
      p.extend(1);
      k.row_dot(out, p.output(1), eps, -1, batch, d);
    }
  }

  /** gz [batch, D] += ∂/∂z of Σ_b w[b]·out[b] and Parameter.grad += ∂/∂θ, at the latest forward's point. */
  vjp(w: Ptr, gz: Ptr): void {
    const { program: p, batch, d } = this;
    const k = this.rt.kernels;
    if (this.estimator !== 'exact') {
      p.beginReverse();
      k.scale_rows_add(p.outputCotangent(1), this.eps, w, -1, batch, d);
      p.reverse(1);
      p.reverse(0);
      k.axpy(gz, 1, p.stateCotangent(0), batch * d);
    } else if (this.chunk === batch) {
      this.exactReverse(p, w, gz, 0, batch);
    } else {
      const { arena } = this.rt;
      this.forEachChunk((q, b0, n) =>
        arena.scope(() => {
          this.exactForward(q, this.t, this.z, arena.alloc(batch), b0, n);
          this.exactReverse(q, w, gz, b0, n);
        }),
      );
    }
  }

  /** Calls `body` for each chunk of examples [b0, b0 + n) with the program compiled for n. */
  private forEachChunk(body: (program: JetProgram, b0: number, n: number) => void): void {
    for (let b0 = 0; b0 < this.batch; b0 += this.chunk) {
      const n = Math.min(this.chunk, this.batch - b0);
      body(n === this.chunk ? this.program : (this.tailProgram as JetProgram), b0, n);
    }
  }

  /** out[b0 .. b0+n) = −tr of those examples: their D copies along e_1 … e_D. */
  private exactForward(p: JetProgram, t: number, z: Ptr, out: Ptr, b0: number, n: number): void {
    const { d } = this;
    const k = this.rt.kernels;
    const bytes = k.valueBytes;
    p.begin(t, 0);
    k.repeat_rows(p.state(0), z + b0 * d * bytes, n, d, d);
    k.fill(p.state(1), 0, n * d * d);
    k.block_diagonal_add(p.state(1), 0, 1, n, d);
    p.extend(0);
    p.extend(1);
    k.block_diagonal_sum(out + b0 * bytes, p.output(1), -1, n, d);
  }

  /** The reverse of exactForward over the same examples, at p's latest forward. */
  private exactReverse(p: JetProgram, w: Ptr, gz: Ptr, b0: number, n: number): void {
    const { d } = this;
    const k = this.rt.kernels;
    const bytes = k.valueBytes;
    p.beginReverse();
    k.block_diagonal_add(p.outputCotangent(1), w + b0 * bytes, -1, n, d);
    p.reverse(1);
    p.reverse(0);
    k.sum_row_groups(gz + b0 * d * bytes, p.stateCotangent(0), n, d, d);
  }
}
