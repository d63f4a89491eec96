// The CNF log-density integrand −tr(∂f/∂z) per example, by order-1 jets in z alone (the time's jet is
// t, 0) and its VJP by reversing them (reverse over Taylor). Rows of f depend only on their own row of z
// (every graph op acts row by row), so the batch's Jacobian is block diagonal and each example's trace
// is its own block's.
//   exact:      the D directions e_i at once, as D copies of each row ([batch·D, D] jets): row (b, i)
//               of ∂f/∂z·e_i holds column i of example b's Jacobian, whose diagonal sums to the trace.
//   hutchinson: −εᵀ(∂f/∂z)ε per row with the caller's ε (Rademacher or Gaussian: unbiased, E[εεᵀ] = I).
// The forward pass's values stay in the caller's arena scope for `vjp`; one evaluation at a time.
import type { Graph } from '../autodiff/graph.js';
import type { Ptr } from '../autodiff/op.js';
import type { Runtime } from '../runtime/wasm.js';
import { JetProgram } from '../taylor/jet-program.js';
import type { TraceEstimatorKind } from './terms.js';

export class NegativeTrace {
  private readonly program: JetProgram;
  private readonly d: number;
  /** ε of the latest forward (hutchinson), in that call's arena scope */
  private eps: Ptr = 0;

  constructor(
    private readonly rt: Runtime,
    graph: Graph,
    private readonly batch: number,
    readonly estimator: TraceEstimatorKind,
  ) {
    this.d = graph.stateSize;
    this.program = new JetProgram(rt, graph, estimator === 'exact' ? batch * this.d : batch, 1);
  }

  /** out[b] = −tr(∂f/∂z) of example b at (t, z) (hutchinson: −ε_bᵀ(∂f/∂z)ε_b with eps [batch, D]). */
  forward(t: number, z: Ptr, eps: Ptr, out: Ptr): void {
    const { program: p, batch, d } = this;
    const k = this.rt.kernels;
    p.begin(t, 0);
    if (this.estimator === 'exact') {
      const rows = batch * d;
      k.repeat_rows(p.state(0), z, batch, d, d);
      k.fill(p.state(1), 0, rows * d);
      k.block_diagonal_add(p.state(1), 0, 1, batch, d);
      p.extend(0);
      p.extend(1);
      k.block_diagonal_sum(out, p.output(1), -1, batch, d);
    } else {
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
    p.beginReverse();
    if (this.estimator === 'exact') k.block_diagonal_add(p.outputCotangent(1), w, -1, batch, d);
    else k.scale_rows_add(p.outputCotangent(1), this.eps, w, -1, batch, d);
    p.reverse(1);
    p.reverse(0);
    if (this.estimator === 'exact') k.sum_row_groups(gz, p.stateCotangent(0), batch, d, d);
    else k.axpy(gz, 1, p.stateCotangent(0), batch * d);
  }
}
