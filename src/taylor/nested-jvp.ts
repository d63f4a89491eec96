// The reference for Taylor mode: d^K z/dt^K by nested forward mode (a JVP of a JVP of …), the way one
// writes it without jets: g_1 = f, g_{k+1}(z, t) = ∂g_k/∂z·f + ∂g_k/∂t, each level evaluating the
// previous one on dual numbers (z + ε·f(z, t), t + ε). Values are nested duals {re, eps} of tape
// Vars, so reverse mode through the reference comes free from the tape. Cost grows like 2^K–3^K:
// that is the point of comparing against it.
import type { Graph } from '../autodiff/graph.js';
import { ops } from '../autodiff/ops/index.js';
import type { Parameter } from '../autodiff/parameter.js';
import { type Tape, Var } from '../autodiff/tape.js';
import { ArgumentError } from '../errors.js';

/** A nested dual number: a Var at depth 0, else a primal and a tangent of one depth less. */
export type Dual = Var | { readonly re: Dual; readonly eps: Dual };

const isVar = (d: Dual): d is Var => d instanceof Var;

/** The unary ops whose derivative the reference knows (see DualMath.unary). */
const UNARY_DERIVATIVES = new Set(['tanh', 'sigmoid', 'softplus', 'sin', 'cos', 'exp', 'log', 'reciprocal']);

class DualMath {
  constructor(readonly tape: Tape) {}

  map2(a: Dual, b: Dual, f: (x: Var, y: Var) => Var): Dual {
    if (isVar(a) && isVar(b)) return f(a, b);
    if (isVar(a) || isVar(b)) throw new ArgumentError('dual', 'operands of equal depth');
    return { re: this.map2(a.re, b.re, f), eps: this.map2(a.eps, b.eps, f) };
  }
  /** A linear op applied to every component of a dual. */
  map1(a: Dual, f: (x: Var) => Var): Dual {
    return isVar(a) ? f(a) : { re: this.map1(a.re, f), eps: this.map1(a.eps, f) };
  }
  add(a: Dual, b: Dual): Dual {
    return this.map2(a, b, (x, y) => this.tape.add(x, y));
  }
  sub(a: Dual, b: Dual): Dual {
    return this.map2(a, b, (x, y) => this.tape.sub(x, y));
  }
  mul(a: Dual, b: Dual): Dual {
    if (isVar(a) && isVar(b)) return this.tape.mul(a, b);
    if (isVar(a) || isVar(b)) throw new ArgumentError('dual', 'operands of equal depth');
    return { re: this.mul(a.re, b.re), eps: this.add(this.mul(a.re, b.eps), this.mul(a.eps, b.re)) };
  }
  affine(a: Dual, scale: number, shift: number): Dual {
    if (isVar(a)) return this.tape.affine(a, scale, shift);
    return { re: this.affine(a.re, scale, shift), eps: this.affine(a.eps, scale, 0) };
  }
  square(a: Dual): Dual {
    if (isVar(a)) return this.tape.square(a);
    return { re: this.square(a.re), eps: this.mul(this.affine(a.re, 2, 0), a.eps) };
  }
  primal(a: Dual): Var {
    return isVar(a) ? a : this.primal(a.re);
  }
  /** relu is linear on each side of its kink: every component is masked by the primal's sign. */
  relu(a: Dual): Dual {
    const ref = this.primal(a);
    const mask = (d: Dual): Dual => (isVar(d) ? this.tape.reluMask(d, ref) : { re: mask(d.re), eps: mask(d.eps) });
    return isVar(a) ? this.tape.relu(a) : mask(a);
  }
  /** φ(re + ε·eps) = φ(re) + ε·φ'(re)·eps, with φ' written in ops (reusing φ(re) where JAX's rules do). */
  unary(name: string, a: Dual): Dual {
    const t = this.tape;
    if (name === 'relu') return this.relu(a);
    if (name === 'square') return this.square(a);
    if (isVar(a)) {
      if (!UNARY_DERIVATIVES.has(name)) throw new ArgumentError('op', 'an op the nested-JVP reference knows', name);
      return t.apply(ops[name as keyof typeof ops], [a]);
    }
    const y = this.unary(name, a.re);
    let d: Dual;
    switch (name) {
      case 'tanh':
        d = this.affine(this.square(y), -1, 1);
        break;
      case 'sigmoid':
        d = this.sub(y, this.square(y));
        break;
      case 'softplus':
        d = this.unary('sigmoid', a.re);
        break;
      case 'sin':
        d = this.unary('cos', a.re);
        break;
      case 'cos':
        d = this.affine(this.unary('sin', a.re), -1, 0);
        break;
      case 'exp':
        d = y;
        break;
      case 'log':
        d = this.unary('reciprocal', a.re);
        break;
      case 'reciprocal':
        d = this.affine(this.square(y), -1, 0);
        break;
      default:
        throw new ArgumentError('op', 'an op the nested-JVP reference knows', name);
    }
    return { re: y, eps: this.mul(d, a.eps) };
  }
}

/** Evaluates the graph's f on nested duals z and t (of equal depth); parameters enter as tape Vars. */
export function evaluateDual(tape: Tape, graph: Graph, params: Map<Parameter, Var>, z: Dual, t: Dual): Dual {
  const m = new DualMath(tape);
  const env: Dual[] = [];
  const linear = (x: Dual, w: Var, b: Var | undefined): Dual =>
    isVar(x) ? tape.linear(x, w, b) : { re: linear(x.re, w, b), eps: linear(x.eps, w, undefined) };
  const concat = (x: Dual, tt: Dual): Dual => m.map2(x, tt, (a, b) => tape.concatTime(a, b));
  graph.nodes.forEach((node, id) => {
    if (node.kind === 'state') env[id] = z;
    else if (node.kind === 'time') env[id] = t;
    else if (node.kind === 'param') {
      const v = params.get(node.param);
      if (!v) throw new ArgumentError('params', `a Var for parameter ${node.param.name}`);
      env[id] = v;
    } else {
      const ins = node.inputs.map((i) => env[i]);
      switch (node.op.name) {
        case 'linear':
          env[id] = linear(ins[0], ins[1] as Var, ins[2] as Var | undefined);
          break;
        case 'concatTime':
          env[id] = concat(ins[0], ins[1]);
          break;
        case 'add':
          env[id] = m.add(ins[0], ins[1]);
          break;
        case 'sub':
          env[id] = m.sub(ins[0], ins[1]);
          break;
        case 'mul':
          env[id] = m.mul(ins[0], ins[1]);
          break;
        case 'affine':
          env[id] = m.affine(ins[0], node.attrs.scale, node.attrs.shift);
          break;
        case 'sliceCols':
          env[id] = m.map1(ins[0], (x) => tape.apply(ops.sliceCols, [x], node.attrs));
          break;
        // The second input only lends its row count.
        case 'broadcastRows':
          env[id] = m.map1(ins[0], (r) => tape.apply(ops.broadcastRows, [r, m.primal(ins[1])]));
          break;
        default:
          env[id] = m.unary(node.op.name, ins[0]);
      }
    }
  });
  return env[graph.output];
}

/**
 * d^K z/dt^K at (z, t) by nested JVPs. `z` is a tape Var (constant or variable); `params` maps each
 * parameter of the graph to its Var (tape.parameter(p) for gradients, tape.constant(p.value) if not).
 */
export function nestedSolutionDerivative(
  tape: Tape,
  graph: Graph,
  params: Map<Parameter, Var>,
  t: number,
  z: Var,
  K: number,
): Var {
  if (!Number.isInteger(K) || K < 1) throw new ArgumentError('K', 'a positive integer', K);
  const zero = tape.scalar(0);
  const one = tape.scalar(1);
  // The time's tangent along a new ε is 1, constant in every earlier ε.
  const unit = (depth: number): Dual => (depth === 0 ? one : { re: unit(depth - 1), eps: zeros(depth - 1) });
  const zeros = (depth: number): Dual => (depth === 0 ? zero : { re: zeros(depth - 1), eps: zeros(depth - 1) });
  const f = (zd: Dual, td: Dual) => evaluateDual(tape, graph, params, zd, td);
  const g = (k: number, zd: Dual, td: Dual, depth: number): Dual => {
    if (k === 1) return f(zd, td);
    const lifted = g(k - 1, { re: zd, eps: f(zd, td) }, { re: td, eps: unit(depth) }, depth + 1);
    return (lifted as { eps: Dual }).eps;
  };
  return g(K, z, tape.scalar(t), 0) as Var;
}
