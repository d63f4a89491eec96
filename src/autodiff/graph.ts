// Dynamics written once as a small graph, run by several interpreters: Program (plain forward and
// reverse mode), JetProgram (Taylor mode one order at a time, and its reverse) and the nested-JVP
// reference. Nodes are the state z [batch, stateSize] (node 0), the time t [1, 1] (node 1),
// parameters, and op applications; the batch size is fixed only when an interpreter is compiled.
import { ArgumentError, ShapeError } from '../errors.js';
import type { Op, Shape } from './op.js';
import { ops } from './ops/index.js';
import type { Parameter } from './parameter.js';

export type GraphNode =
  | { readonly kind: 'state' }
  | { readonly kind: 'time' }
  | { readonly kind: 'param'; readonly param: Parameter }
  | {
      readonly kind: 'op';
      readonly op: Op;
      readonly inputs: readonly number[];
      readonly attrs: Readonly<Record<string, number>>;
    };

/** A handle on a node while building (meaningful only to the builder that made it). */
export class GraphValue {
  constructor(
    readonly id: number,
    readonly builder: GraphBuilder,
  ) {}
}

export class Graph {
  constructor(
    readonly nodes: readonly GraphNode[],
    readonly output: number,
    readonly stateSize: number,
    readonly params: readonly Parameter[],
  ) {}

  /** Every node's shape at a given batch size. */
  shapes(batch: number): Shape[] {
    if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError('batch', 'a positive integer', batch);
    const shapes: Shape[] = [];
    for (const node of this.nodes) {
      if (node.kind === 'state') shapes.push([batch, this.stateSize]);
      else if (node.kind === 'time') shapes.push([1, 1]);
      else if (node.kind === 'param') shapes.push(node.param.shape);
      else
        shapes.push(
          node.op.shape(
            node.inputs.map((i) => shapes[i]),
            node.attrs,
          ),
        );
    }
    return shapes;
  }
}

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [{ kind: 'state' }, { kind: 'time' }];
  private readonly params: Parameter[] = [];
  private readonly paramNodes = new Map<Parameter, GraphValue>();

  constructor(readonly stateSize: number) {
    if (!Number.isInteger(stateSize) || stateSize < 1)
      throw new ArgumentError('stateSize', 'a positive integer', stateSize);
  }

  /** The state z, [batch, stateSize]. */
  get state(): GraphValue {
    return new GraphValue(0, this);
  }
  /** The time t, [1, 1]. */
  get time(): GraphValue {
    return new GraphValue(1, this);
  }

  param(p: Parameter): GraphValue {
    let v = this.paramNodes.get(p);
    if (!v) {
      v = new GraphValue(this.nodes.push({ kind: 'param', param: p }) - 1, this);
      this.paramNodes.set(p, v);
      this.params.push(p);
    }
    return v;
  }

  apply(op: Op, inputs: GraphValue[], attrs: Record<string, number> = {}): GraphValue {
    if (!op.arity.includes(inputs.length))
      throw new ArgumentError(`${op.name} inputs`, `${op.arity.join(' or ')} inputs`, inputs.length);
    if (!op.taylor || !op.taylorVjp)
      throw new ArgumentError('op', 'an op with a Taylor rule (one that may appear in dynamics)', op.name);
    inputs.forEach((v, i) => {
      this.checkOwn(`${op.name} input ${i}`, v);
      const isParam = this.nodes[v.id].kind === 'param';
      const constant = op.constantInputs?.includes(i) ?? false;
      // Taylor mode treats parameters as constant in time: only inputs declared constant may be parameters.
      if (isParam !== constant) {
        throw new ArgumentError(
          `${op.name} input ${i}`,
          constant ? 'a parameter' : 'a value computed from the state or time (not a parameter)',
        );
      }
    });
    return new GraphValue(this.nodes.push({ kind: 'op', op, inputs: inputs.map((v) => v.id), attrs }) - 1, this);
  }

  linear(x: GraphValue, weight: Parameter, bias?: Parameter): GraphValue {
    const ins = [x, this.param(weight)];
    if (bias) ins.push(this.param(bias));
    return this.apply(ops.linear, ins);
  }
  add(a: GraphValue, b: GraphValue): GraphValue {
    return this.apply(ops.add, [a, b]);
  }
  sub(a: GraphValue, b: GraphValue): GraphValue {
    return this.apply(ops.sub, [a, b]);
  }
  mul(a: GraphValue, b: GraphValue): GraphValue {
    return this.apply(ops.mul, [a, b]);
  }
  square(x: GraphValue): GraphValue {
    return this.apply(ops.square, [x]);
  }
  affine(x: GraphValue, scale: number, shift = 0): GraphValue {
    return this.apply(ops.affine, [x], { scale, shift });
  }
  concatTime(x: GraphValue): GraphValue {
    return this.apply(ops.concatTime, [x, this.time]);
  }
  unary(
    name: 'tanh' | 'sigmoid' | 'softplus' | 'relu' | 'sin' | 'cos' | 'exp' | 'log' | 'square',
    x: GraphValue,
  ): GraphValue {
    return this.apply(ops[name], [x]);
  }

  /** Finishes with `output` as f(z, t), which must be shaped like the state. */
  build(output: GraphValue): Graph {
    this.checkOwn('output', output);
    const graph = new Graph([...this.nodes], output.id, this.stateSize, [...this.params]);
    // Checking at two batch sizes catches ops that mix [batch, ·] with [1, ·] by coincidence.
    for (const batch of [1, 3]) {
      const out = graph.shapes(batch)[output.id];
      if (out[0] !== batch || out[1] !== this.stateSize) {
        throw new ShapeError(
          `dynamics output must be shaped like the state [${batch}, ${this.stateSize}], got [${out[0]}, ${out[1]}]`,
        );
      }
    }
    if (graph.nodes[output.id].kind !== 'op') throw new ArgumentError('output', 'an op node');
    return graph;
  }

  /** Another builder's ids name different nodes here (or none), so its values are refused. */
  private checkOwn(argument: string, v: GraphValue): void {
    if (v.builder !== this) throw new ArgumentError(argument, 'a value built by this GraphBuilder');
  }
}
