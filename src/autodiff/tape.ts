// The eager reverse-mode tape (micrograd-sized): each op application computes its output at once and,
// when any input wants a gradient, records (op, site) so `backward` can replay the VJPs in reverse.
// Values and gradients live in the arena: wrap a tape's whole life (forward, backward, reading the
// gradients) in one arena scope. Parameters' gradients accumulate into Parameter.grad.
import { ArgumentError, ShapeError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import { sizeOf, type Op, type Shape, type Site } from './op.js';
import { ops } from './ops/index.js';
import type { Parameter } from './parameter.js';
import { checkRuntime, sameMemory } from '../runtime/check.js';

export class Var {
  /** The gradient after backward (leaves given a gradient tensor accumulate into it). */
  grad: Tensor | null;
  constructor(
    readonly value: Tensor,
    readonly requiresGrad: boolean,
    grad: Tensor | null = null,
  ) {
    this.grad = grad;
  }
  get shape(): Shape {
    return this.value.shape;
  }
}

interface TapeNode {
  op: Op;
  inputs: Var[];
  output: Var;
  site: Site;
}

export class Tape {
  private readonly nodes: TapeNode[] = [];

  constructor(readonly rt: Runtime) {
    checkRuntime(rt, 'rt');
  }

  /** A value that needs no gradient. */
  constant(value: Tensor): Var {
    return new Var(value, false);
  }

  /** A leaf that wants a gradient: accumulated into `grad` if given, else into a zeroed tensor made at backward. */
  variable(value: Tensor, grad?: Tensor): Var {
    if (grad && (grad.rows !== value.rows || grad.cols !== value.cols)) {
      throw new ShapeError(
        `variable: gradient [${grad.rows}, ${grad.cols}] differs from value [${value.rows}, ${value.cols}]`,
      );
    }
    return new Var(value, true, grad ?? null);
  }

  /** A parameter: its gradient accumulates into p.grad. */
  parameter(p: Parameter): Var {
    if (!sameMemory(p.value.arena, this.rt.kernels))
      throw new ArgumentError(
        'parameter',
        `a parameter on this tape's runtime (${p.name} lives in another runtime's memory)`,
      );
    return new Var(p.value, true, p.grad);
  }

  /** A [1, 1] constant, e.g. the time. */
  scalar(value: number): Var {
    return this.constant(Tensor.from(this.rt.arena, [value], 1, 1));
  }

  apply(op: Op, inputs: Var[], attrs: Record<string, number> = {}): Var {
    if (!op.arity.includes(inputs.length)) {
      throw new ArgumentError(`${op.name} inputs`, `${op.arity.join(' or ')} inputs`, inputs.length);
    }
    const inShapes = inputs.map((v) => v.shape);
    const [rows, cols] = op.shape(inShapes, attrs);
    const { arena } = this.rt;
    const out = Tensor.empty(arena, rows, cols);
    const site: Site = {
      inShapes,
      rows,
      cols,
      attrs,
      x: inputs.map((v) => v.value.offset),
      y: out.offset,
      saved: 0,
      gx: [],
      gy: 0,
      tmp: 0,
      aux: [],
      gaux: [],
    };
    const savedCount = op.saved?.(site) ?? 0;
    if (savedCount > 0) site.saved = arena.alloc(savedCount);
    op.forward(this.rt.kernels, site);
    const requiresGrad = inputs.some((v) => v.requiresGrad);
    const output = new Var(out, requiresGrad);
    if (requiresGrad) this.nodes.push({ op, inputs, output, site });
    return output;
  }

  /**
   * Back-propagates from `root`, seeded with `seed` (a number for a [1, 1] root, else a tensor of the
   * root's shape). Gradients accumulate into every leaf's grad; intermediate grads are zeroed first.
   */
  backward(root: Var, seed: number | Tensor = 1): void {
    const { arena, kernels } = this.rt;
    if (!root.requiresGrad)
      throw new ArgumentError('root', 'a value that depends on a variable or parameter', 'a constant');
    // Cotangents of recorded outputs are per backward: a previous pass's must not be replayed or added to.
    for (const node of this.nodes) node.output.grad = null;
    const rootGrad = this.gradOf(root);
    // Added, not written: a recorded root's cotangent was just cleared, and a leaf root accumulates like any leaf.
    if (typeof seed === 'number') {
      if (root.value.size !== 1) throw new ArgumentError('seed', `a tensor shaped like the root [${root.shape}]`, seed);
      kernels.add_scalar(rootGrad.offset, seed, 1);
    } else {
      if (seed.rows !== root.value.rows || seed.cols !== root.value.cols) {
        throw new ShapeError(`backward: seed [${seed.rows}, ${seed.cols}] differs from root [${root.shape}]`);
      }
      kernels.add(rootGrad.offset, rootGrad.offset, seed.offset, seed.size);
    }
    let scratch = 0;
    for (const n of this.nodes)
      scratch = Math.max(scratch, sizeOf([n.site.rows, n.site.cols]), ...n.site.inShapes.map(sizeOf));
    const tmp = arena.alloc(scratch);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const { op, inputs, output, site } = this.nodes[i];
      if (output.grad === null) continue; // nothing downstream reached this node
      site.gy = output.grad.offset;
      site.gx = inputs.map((v) => (v.requiresGrad ? this.gradOf(v).offset : 0));
      site.tmp = tmp;
      op.vjp(kernels, site);
    }
  }

  private gradOf(v: Var): Tensor {
    v.grad ??= Tensor.zeros(this.rt.arena, v.value.rows, v.value.cols);
    return v.grad;
  }

  // One method per op, for readable model code.
  linear(x: Var, weight: Var, bias?: Var): Var {
    return this.apply(ops.linear, bias ? [x, weight, bias] : [x, weight]);
  }
  add(a: Var, b: Var): Var {
    return this.apply(ops.add, [a, b]);
  }
  sub(a: Var, b: Var): Var {
    return this.apply(ops.sub, [a, b]);
  }
  mul(a: Var, b: Var): Var {
    return this.apply(ops.mul, [a, b]);
  }
  square(x: Var): Var {
    return this.apply(ops.square, [x]);
  }
  /** scale·x + shift */
  affine(x: Var, scale: number, shift = 0): Var {
    return this.apply(ops.affine, [x], { scale, shift });
  }
  /** [x, t] with t a [1, 1] value appended as a last column */
  concatTime(x: Var, t: Var): Var {
    return this.apply(ops.concatTime, [x, t]);
  }
  tanh(x: Var): Var {
    return this.apply(ops.tanh, [x]);
  }
  sigmoid(x: Var): Var {
    return this.apply(ops.sigmoid, [x]);
  }
  softplus(x: Var): Var {
    return this.apply(ops.softplus, [x]);
  }
  relu(x: Var): Var {
    return this.apply(ops.relu, [x]);
  }
  sin(x: Var): Var {
    return this.apply(ops.sin, [x]);
  }
  cos(x: Var): Var {
    return this.apply(ops.cos, [x]);
  }
  exp(x: Var): Var {
    return this.apply(ops.exp, [x]);
  }
  log(x: Var): Var {
    return this.apply(ops.log, [x]);
  }
  reciprocal(x: Var): Var {
    return this.apply(ops.reciprocal, [x]);
  }
  reluMask(x: Var, ref: Var): Var {
    return this.apply(ops.reluMask, [x, ref]);
  }
  sum(x: Var): Var {
    return this.apply(ops.sum, [x]);
  }
  mean(x: Var): Var {
    return this.apply(ops.mean, [x]);
  }
  sumSquares(x: Var): Var {
    return this.apply(ops.sumSquares, [x]);
  }
  softmaxCrossEntropy(logits: Var, targets: Var): Var {
    return this.apply(ops.softmaxCrossEntropy, [logits, targets]);
  }
  mse(a: Var, b: Var): Var {
    return this.apply(ops.mse, [a, b]);
  }
  gaussianLogDensity(x: Var, mean: Var, logStd: Var): Var {
    return this.apply(ops.gaussianLogDensity, [x, mean, logStd]);
  }
}
