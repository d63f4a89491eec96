// A Graph compiled for one batch size: plain forward (the ODE solver's f) and reverse mode (the graph
// is its own tape: values are kept in one arena block and the VJPs replayed in reverse). Each call
// allocates its workspace from the arena — the caller's scope frees it — and makes no JS objects:
// Sites are built once here and only their pointers are refreshed.
import { TaynodeError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Graph } from './graph.js';
import { readScalar, sizeOf, writeScalar, type Op, type Ptr, type Shape, type Site } from './op.js';
import { blankSite, WorkspaceLayout } from './workspace.js';

interface Step {
  node: number;
  op: Op;
  inputs: readonly number[];
  site: Site;
  /** relative byte offset of the forward-saved scratch, −1 if none */
  saved: number;
}

export class Program {
  readonly shapes: Shape[];
  /** relative byte offsets of op and time values in a workspace (−1 for state and params) */
  private readonly offsets: number[];
  private readonly steps: Step[];
  private readonly workspaceBytes: number;
  private readonly scratchSize: number;
  /** whether f's value is also an input of some op (its cotangent then gathers more than gOut) */
  private readonly outputConsumed: boolean;
  /** base of the values of the latest forward (−1: none yet) */
  private base = -1;
  private z: Ptr = 0;
  private out: Ptr = 0;

  constructor(
    readonly rt: Runtime,
    readonly graph: Graph,
    readonly batch: number,
  ) {
    this.shapes = graph.shapes(batch);
    this.offsets = [];
    const layout = new WorkspaceLayout(rt.kernels.valueBytes);
    this.steps = [];
    let scratch = 1;
    graph.nodes.forEach((node, id) => {
      const shape = this.shapes[id];
      this.offsets.push(node.kind === 'op' || node.kind === 'time' ? layout.place(sizeOf(shape)) : -1);
      if (node.kind !== 'op') return;
      const inShapes = node.inputs.map((i) => this.shapes[i]);
      const site = blankSite(inShapes, shape, node.attrs);
      const savedCount = node.op.saved?.(site) ?? 0;
      scratch = Math.max(scratch, sizeOf(shape), ...inShapes.map(sizeOf));
      this.steps.push({
        node: id,
        op: node.op,
        inputs: node.inputs,
        site,
        saved: savedCount > 0 ? layout.place(savedCount) : -1,
      });
    });
    this.workspaceBytes = layout.bytes;
    this.scratchSize = scratch;
    this.outputConsumed = this.steps.some((step) => step.inputs.includes(graph.output));
  }

  private valuePtr(id: number, base: Ptr): Ptr {
    const node = this.graph.nodes[id];
    if (node.kind === 'state') return this.z;
    if (node.kind === 'param') return node.param.value.offset;
    if (id === this.graph.output && this.out) return this.out;
    return base + this.offsets[id];
  }

  /**
   * Evaluates f(t, z) into `out` ([batch, stateSize] pointer; 0 keeps it in the workspace, see `output`).
   * Keeps every intermediate value for a following `backward` until the caller's arena scope ends.
   */
  forward(t: number, z: Ptr, out: Ptr = 0): void {
    const { arena, kernels } = this.rt;
    this.base = arena.allocBytes(this.workspaceBytes);
    this.z = z;
    this.out = out;
    writeScalar(kernels, this.base + this.offsets[1], t);
    for (const step of this.steps) {
      const s = step.site;
      for (let i = 0; i < step.inputs.length; i++) s.x[i] = this.valuePtr(step.inputs[i], this.base);
      s.y = this.valuePtr(step.node, this.base);
      s.saved = step.saved >= 0 ? this.base + step.saved : 0;
      step.op.forward(kernels, s);
    }
  }

  /** Where the latest forward's f(t, z) is. */
  get output(): Ptr {
    return this.valuePtr(this.graph.output, this.values());
  }

  /**
   * Reverse mode through the latest forward: given the cotangent `gOut` of f, ACCUMULATES ∂/∂z into `gz`
   * (0 to skip) and ∂/∂θ into every Parameter.grad; returns ∂/∂t.
   */
  backward(gOut: Ptr, gz: Ptr): number {
    const { arena, kernels } = this.rt;
    this.values();
    const gbase = arena.allocZeroedBytes(this.workspaceBytes);
    const tmp = arena.alloc(this.scratchSize);
    const outId = this.graph.output;
    // Every op has an input computed from the state or time (GraphBuilder.apply checks it), so every
    // op value carries a cotangent and every step is reversed. The VJPs only read an op's own cotangent:
    // f's is read from gOut in place, unless an op adds into it (f feeds another op) or ∂/∂z lands on it.
    const outBytes = sizeOf(this.shapes[outId]) * kernels.valueBytes;
    const zBytes = sizeOf(this.shapes[0]) * kernels.valueBytes;
    const inPlace = !this.outputConsumed && (gz === 0 || gz + zBytes <= gOut || gOut + outBytes <= gz);
    if (!inPlace) kernels.copy(gbase + this.offsets[outId], gOut, sizeOf(this.shapes[outId]));
    const gradPtr = (id: number): Ptr => {
      const node = this.graph.nodes[id];
      if (node.kind === 'state') return gz;
      if (node.kind === 'param') return node.param.grad.offset;
      return gbase + this.offsets[id];
    };
    for (let j = this.steps.length - 1; j >= 0; j--) {
      const step = this.steps[j];
      const s = step.site;
      for (let i = 0; i < step.inputs.length; i++) {
        s.x[i] = this.valuePtr(step.inputs[i], this.base);
        s.gx[i] = gradPtr(step.inputs[i]);
      }
      s.y = this.valuePtr(step.node, this.base);
      s.saved = step.saved >= 0 ? this.base + step.saved : 0;
      s.gy = inPlace && step.node === outId ? gOut : gbase + this.offsets[step.node];
      s.tmp = tmp;
      step.op.vjp(kernels, s);
    }
    return readScalar(kernels, gbase + this.offsets[1]);
  }

  private values(): Ptr {
    if (this.base < 0) throw new TaynodeError('Program: call forward before reading its output or reversing it');
    return this.base;
  }
}
