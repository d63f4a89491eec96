// What a layer may call: one interface over the two places layers run. Inside dynamics the values are
// GraphValues (traced once, then run in plain, reverse, Taylor and reverse-over-Taylor mode); in an
// encoder or a head they are Vars of the eager Tape (run at once, reversed by tape.backward). A layer
// written once against NnOps works in both, like a JAX function under jit or jet.
import type { GraphBuilder, GraphValue } from '../autodiff/graph.js';
import type { Activation } from '../autodiff/ops/index.js';
import { ops } from '../autodiff/ops/index.js';
import type { Parameter } from '../autodiff/parameter.js';
import type { Tape, Var } from '../autodiff/tape.js';

export interface NnOps<V> {
  /** The time, [1, 1] (inside dynamics its Taylor jet is t, 1, 0, …). */
  readonly time: V;
  /** x·Wᵀ + b with W [out, in] and b [1, out] (PyTorch's layout). */
  linear(x: V, weight: Parameter, bias?: Parameter): V;
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  /** scale·x + shift */
  affine(x: V, scale: number, shift?: number): V;
  /** `[x, t]`: the time as an extra last column */
  concatTime(x: V): V;
  activation(name: Activation, x: V): V;
  /** columns [start, start + width) */
  sliceCols(x: V, start: number, width: number): V;
  /** row [1, n] repeated for each row of `like` */
  broadcastRows(row: V, like: V): V;
}

/** NnOps over a GraphBuilder: for writing dynamics f(z, t; θ). */
export function graphOps(g: GraphBuilder): NnOps<GraphValue> {
  return {
    get time() {
      return g.time;
    },
    linear: (x, w, b) => g.linear(x, w, b),
    add: (a, b) => g.add(a, b),
    sub: (a, b) => g.sub(a, b),
    mul: (a, b) => g.mul(a, b),
    affine: (x, scale, shift = 0) => g.affine(x, scale, shift),
    concatTime: (x) => g.concatTime(x),
    activation: (name, x) => g.unary(name, x),
    sliceCols: (x, start, width) => g.apply(ops.sliceCols, [x], { start, width }),
    broadcastRows: (row, like) => g.apply(ops.broadcastRows, [row, like]),
  };
}

/**
 * NnOps over an eager Tape at time t: for encoders and heads. Parameters' gradients accumulate into
 * Parameter.grad; with `grad: false` they enter as constants and the tape records nothing.
 */
export function tapeOps(tape: Tape, t = 0, { grad = true } = {}): NnOps<Var> {
  const time = tape.scalar(t);
  const param = (p: Parameter) => (grad ? tape.parameter(p) : tape.constant(p.value));
  return {
    time,
    linear: (x, w, b) => tape.linear(x, param(w), b && param(b)),
    add: (a, b) => tape.add(a, b),
    sub: (a, b) => tape.sub(a, b),
    mul: (a, b) => tape.mul(a, b),
    affine: (x, scale, shift = 0) => tape.affine(x, scale, shift),
    concatTime: (x) => tape.concatTime(x, time),
    activation: (name, x) => tape.apply(ops[name], [x]),
    sliceCols: (x, start, width) => tape.apply(ops.sliceCols, [x], { start, width }),
    broadcastRows: (row, like) => tape.apply(ops.broadcastRows, [row, like]),
  };
}
