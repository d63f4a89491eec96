// Taylor mode over a Graph compiled for one batch size and a maximum order K: every node's value is a
// jet (K+1 coefficient slabs, normalised: x[k] = x^(k)/k!), and `extend(k)` computes coefficient k of
// every node from the coefficients ≤ k of its inputs — so a caller can feed the state's coefficient
// k+1 back in before asking for order k+1 (the solution-derivative recursion). `reverse(k)` is the
// adjoint of `extend(k)` (reverse over Taylor): run orders from high to low after seeding cotangents.
//
// Memory: `begin` allocates every jet from the arena (the caller's scope frees it); `beginReverse`
// allocates the cotangent jets. One evaluation at a time per JetProgram.
import { ArgumentError, TaynodeError } from '../errors.js';
import type { Graph } from '../autodiff/graph.js';
import {
  coefficient,
  readScalar,
  sizeOf,
  writeScalar,
  type Op,
  type Ptr,
  type Shape,
  type Site,
} from '../autodiff/op.js';
import type { Runtime } from '../runtime/wasm.js';
import { blankSite, WorkspaceLayout } from '../autodiff/workspace.js';
import { checkRuntime } from '../runtime/check.js';

interface Step {
  node: number;
  op: Op;
  inputs: readonly number[];
  site: Site;
  /** relative byte offsets of the auxiliary jets */
  aux: number[];
}

export class JetProgram {
  readonly shapes: Shape[];
  private readonly offsets: number[];
  private readonly steps: Step[];
  /** bytes of one evaluation's jets (`begin`), and again of its cotangents (`beginReverse`) */
  readonly workspaceBytes: number;
  /** workspace bases of the current evaluation's jets and cotangents (−1: not allocated yet) */
  private base = -1;
  private gbase = -1;

  constructor(
    readonly rt: Runtime,
    readonly graph: Graph,
    readonly batch: number,
    readonly maxOrder: number,
  ) {
    checkRuntime(rt, 'rt');
    if (!Number.isInteger(maxOrder) || maxOrder < 0)
      throw new ArgumentError('maxOrder', 'a non-negative integer', maxOrder);
    this.shapes = graph.shapes(batch);
    const layout = new WorkspaceLayout(rt.kernels.valueBytes);
    const placeJet = (count: number) => layout.place(count * (maxOrder + 1));
    this.offsets = [];
    this.steps = [];
    graph.nodes.forEach((node, id) => {
      const shape = this.shapes[id];
      this.offsets.push(node.kind === 'param' ? -1 : placeJet(sizeOf(shape)));
      if (node.kind !== 'op') return;
      const auxCount = node.op.taylorAux ?? 0;
      const site = blankSite(
        node.inputs.map((i) => this.shapes[i]),
        shape,
        node.attrs,
        auxCount,
      );
      const aux = Array.from({ length: auxCount }, () => placeJet(sizeOf(shape)));
      this.steps.push({ node: id, op: node.op, inputs: node.inputs, site, aux });
    });
    this.workspaceBytes = layout.bytes;
  }

  private jetPtr(id: number, base: Ptr): Ptr {
    const node = this.graph.nodes[id];
    return node.kind === 'param' ? node.param.value.offset : base + this.offsets[id];
  }

  /**
   * Allocates the jets and sets the time's jet to t, tDot, 0, 0, … (tDot = 1 along a solution;
   * 0 for a derivative in z alone, such as the Jacobian–vector product ∂f/∂z·ε).
   */
  begin(t: number, tDot = 1): void {
    const { arena, kernels } = this.rt;
    this.base = arena.allocBytes(this.workspaceBytes);
    this.gbase = -1; // a previous evaluation's cotangents (maybe in a scope that has ended) are not this one's
    const time = this.base + this.offsets[1];
    kernels.fill(time, 0, this.maxOrder + 1);
    writeScalar(kernels, time, t);
    if (this.maxOrder >= 1) writeScalar(kernels, time + kernels.valueBytes, tDot);
    for (const step of this.steps) {
      const s = step.site;
      for (let i = 0; i < step.inputs.length; i++) s.x[i] = this.jetPtr(step.inputs[i], this.base);
      s.y = this.base + this.offsets[step.node];
      for (let a = 0; a < step.aux.length; a++) s.aux[a] = this.base + step.aux[a];
    }
  }

  /** Coefficient k of the state z (write z[0..k] here before extend(k)). */
  state(k: number): Ptr {
    return this.jet(this.values(), 0, k);
  }

  /** Coefficient k of the output f (valid after extend(k)). */
  output(k: number): Ptr {
    return this.jet(this.values(), this.graph.output, k);
  }

  /** Computes coefficient `order` of every node; orders must be extended 0, 1, 2, … in turn. */
  extend(order: number): void {
    this.checkOrder(order);
    this.values();
    const { kernels } = this.rt;
    for (const step of this.steps) step.op.taylor!(kernels, step.site, order);
  }

  /** Allocates zeroed cotangent jets for a reverse sweep over the latest begin/extend. */
  beginReverse(): void {
    const { arena } = this.rt;
    this.values();
    this.gbase = arena.allocZeroedBytes(this.workspaceBytes);
    for (const step of this.steps) {
      const s = step.site;
      for (let i = 0; i < step.inputs.length; i++) {
        const id = step.inputs[i];
        const node = this.graph.nodes[id];
        s.gx[i] = node.kind === 'param' ? node.param.grad.offset : this.gbase + this.offsets[id];
      }
      s.gy = this.gbase + this.offsets[step.node];
      for (let a = 0; a < step.aux.length; a++) s.gaux[a] = this.gbase + step.aux[a];
    }
  }

  /** Cotangent of state coefficient k (accumulated by reverse; seed it by adding into it). */
  stateCotangent(k: number): Ptr {
    return this.jet(this.cotangents(), 0, k);
  }

  /** Cotangent of output coefficient k (seed before reverse(k)). */
  outputCotangent(k: number): Ptr {
    return this.jet(this.cotangents(), this.graph.output, k);
  }

  /** Cotangent of time coefficient k after the reverse sweep (k = 0: ∂/∂t). */
  timeCotangent(k: number): number {
    return readScalar(this.rt.kernels, this.jet(this.cotangents(), 1, k));
  }

  /** The adjoint of extend(order): accumulates into the cotangents of every coefficient ≤ order and into Parameter.grad. */
  reverse(order: number): void {
    this.checkOrder(order);
    this.cotangents();
    const { kernels } = this.rt;
    for (let j = this.steps.length - 1; j >= 0; j--) this.steps[j].op.taylorVjp!(kernels, this.steps[j].site, order);
  }

  /** Coefficient k of node `id`'s jet in the workspace at `base` (values or cotangents). */
  private jet(base: Ptr, id: number, k: number): Ptr {
    return coefficient(this.rt.kernels, base + this.offsets[id], sizeOf(this.shapes[id]), this.checkOrder(k));
  }

  private values(): Ptr {
    if (this.base < 0) throw new TaynodeError('JetProgram: call begin before using the jets');
    return this.base;
  }

  private cotangents(): Ptr {
    if (this.gbase < 0)
      throw new TaynodeError("JetProgram: call beginReverse after this evaluation's begin before using cotangents");
    return this.gbase;
  }

  private checkOrder(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > this.maxOrder)
      throw new ArgumentError('order', `an integer in [0, ${this.maxOrder}]`, k);
    return k;
  }
}
