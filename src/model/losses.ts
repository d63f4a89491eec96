// Data losses on z(t1): the value and its gradient w.r.t. z(t1), which the model back-propagates
// through the solver as the cotangent of the final state. Built-ins run on the autodiff Tape (its
// mse / softmaxCrossEntropy / gaussianLogDensity ops and their wasm kernels); `tapeLoss` turns any
// function of Tape ops into a DataLoss, its gradient by `tape.backward`.
import { ArgumentError, ShapeError } from '../errors.js';
import { Tape, type Var } from '../autodiff/tape.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import { checkKeys } from '../config/strict.js';

export interface LossValue {
  value: number;
  /** ∂value/∂z1, batch × D (the cotangent of z(t1)) */
  gradient: Float64Array;
  /** ∂value/∂Δlog p, one per example, for a loss that reads the log-density (omitted: zero) */
  logDensityGradient?: Float64Array;
}

/** A built-in loss as plain data, so a worker pool can rebuild it in its workers (lossFromDescription). */
export type LossDescription =
  | { kind: 'mse' }
  | { kind: 'softmaxCrossEntropy' }
  | { kind: 'gaussianNll'; sigma: number }
  | { kind: 'flowNll' };

export interface DataLoss {
  /** for logs and error messages */
  readonly name: string;
  /** set on the built-in losses (a tapeLoss of your own is code, which cannot be sent to a worker) */
  readonly description?: LossDescription;
  /**
   * Throws a ShapeError / ArgumentError naming `name` (default "target") unless `target` is what this
   * loss expects for `batch` examples of a state of width `d` (its length defines the target's shape).
   */
  checkTarget(target: Float64Array, batch: number, d: number, name?: string): void;
  /**
   * The loss of z1 (batch × D, row-major) against a checked target, and its gradient w.r.t. z1;
   * `logDensity` is Δlog p per example when the model integrates a logDensity term.
   */
  evaluate(rt: Runtime, z1: Float64Array, target: Float64Array, batch: number, logDensity?: Float64Array): LossValue;
}

/** Builds the loss on a tape from z1 ([batch, D], a variable) and the target ([batch, length/batch], a constant); returns a [1, 1] Var. */
export type TapeLossFunction = (tape: Tape, z1: Var, target: Var) => Var;

export interface TapeLossOptions {
  name?: string;
  /** default: the target is shaped like z(t1) (batch × D) and finite */
  checkTarget?: DataLoss['checkTarget'];
}

/** Any loss written with Tape ops; its gradient comes from `tape.backward`. */
export function tapeLoss(compute: TapeLossFunction, options: TapeLossOptions = {}): DataLoss {
  if (typeof compute !== 'function')
    throw new ArgumentError('compute', 'a function (tape, z1, target) => Var', compute);
  checkKeys(options, ['name', 'checkTarget'], '');
  const name = options.name ?? 'tape loss';
  return {
    name,
    checkTarget:
      options.checkTarget ??
      ((target, batch, d, argument = 'target') => checkShapedLikeZ1(name, target, batch, d, argument)),
    evaluate: (rt, z1, target, batch) => onTape(rt, name, z1, target, batch, compute),
  };
}

/** mean over batch × D of (z1 − target)²: the default. */
export const mseLoss: DataLoss = {
  ...tapeLoss((tape, z1, target) => tape.mse(z1, target), { name: 'mse' }),
  description: { kind: 'mse' },
};

/**
 * Softmax cross-entropy of the logits z1 (one row per example) against class indices (one per
 * example, integers in [0, D)), averaged over the batch. The kernel shifts each row by its maximum
 * (log-sum-exp), so large logits do not overflow.
 */
export const softmaxCrossEntropyLoss: DataLoss = {
  name: 'softmax-cross-entropy',
  description: { kind: 'softmaxCrossEntropy' },
  checkTarget(target, batch, d, argument = 'target') {
    checkFloat64(target, argument);
    if (target.length !== batch) {
      throw new ShapeError(
        `${argument} holds ${target.length} values, expected ${batch} (softmax-cross-entropy: one class index per example)`,
      );
    }
    for (let i = 0; i < target.length; i++) {
      const c = target[i];
      if (!Number.isInteger(c) || c < 0 || c >= d)
        throw new ArgumentError(`${argument}[${i}]`, `a class index: an integer in [0, ${d})`, c);
    }
  },
  evaluate(rt, z1, target, batch) {
    const d = z1.length / batch;
    const oneHot = new Float64Array(z1.length);
    for (let b = 0; b < batch; b++) oneHot[b * d + target[b]] = 1;
    return onTape(rt, 'softmax-cross-entropy', z1, oneHot, batch, (tape, logits, y) =>
      tape.softmaxCrossEntropy(logits, y),
    );
  },
};

/**
 * mean over batch × D of −log N(target; z1, σ²) = (target − z1)²/(2σ²) + log σ + ½·log 2π: the
 * Gaussian negative log-likelihood with a fixed σ (MSE rescaled, plus a constant, on a likelihood scale).
 */
export function gaussianNllLoss(sigma: number): DataLoss {
  if (!(Number.isFinite(sigma) && sigma > 0))
    throw new ArgumentError('sigma', 'a positive finite standard deviation', sigma);
  const logSigma = Math.log(sigma);
  const loss = tapeLoss(
    (tape, z1, target) => {
      const [rows, cols] = z1.shape;
      const logStd = tape.constant(
        Tensor.from(tape.rt.arena, new Float64Array(rows * cols).fill(logSigma), rows, cols),
      );
      return tape.affine(tape.gaussianLogDensity(target, z1, logStd), -1 / (rows * cols));
    },
    { name: `gaussian-nll(σ=${sigma})` },
  );
  return { ...loss, description: { kind: 'gaussianNll', sigma } };
}

/**
 * Density estimation with a continuous normalising flow (a model with a logDensity term, data at t0, a
 * standard normal at t1): the batch mean of −log p(x) = −log N(z1; 0, I) + Δlog p, since
 * log p_t1(z1) = log p_t0(x) + Δlog p along the flow. The target is ignored (there is none; `train`
 * still gathers rows, so pass any whole number of values per example, e.g. zeros(batch)). Plain
 * arithmetic rather than a tape: the gradients are z1/batch and 1/batch.
 */
export const flowNllLoss: DataLoss = {
  name: 'flow-nll',
  description: { kind: 'flowNll' },
  checkTarget(target, batch, _d, argument = 'target') {
    checkFloat64(target, argument);
    if (target.length === 0 || target.length % batch !== 0)
      throw new ShapeError(
        `${argument} holds ${target.length} values, not a whole row per example (flow-nll ignores it: e.g. zeros(${batch}))`,
      );
  },
  evaluate(_rt, z1, _target, batch, logDensity) {
    if (!(logDensity instanceof Float64Array) || logDensity.length !== batch) {
      throw new ArgumentError(
        'logDensity',
        `Δlog p for each of the ${batch} examples (flow-nll needs a model with a logDensity term)`,
        logDensity,
      );
    }
    const d = z1.length / batch;
    let value = 0;
    for (let i = 0; i < z1.length; i++) value += 0.5 * z1[i] * z1[i];
    for (let b = 0; b < batch; b++) value += 0.5 * d * Math.log(2 * Math.PI) + logDensity[b];
    return {
      value: value / batch,
      gradient: z1.map((v) => v / batch),
      logDensityGradient: new Float64Array(batch).fill(1 / batch),
    };
  },
};

/** The built-in loss a description names (what a worker rebuilds from a DataLoss's `description`). */
export function lossFromDescription(description: LossDescription): DataLoss {
  switch (description?.kind) {
    case 'mse':
      return mseLoss;
    case 'softmaxCrossEntropy':
      return softmaxCrossEntropyLoss;
    case 'flowNll':
      return flowNllLoss;
    case 'gaussianNll':
      return gaussianNllLoss(description.sigma);
    default:
      throw new ArgumentError(
        'loss.description',
        'one of the built-in losses (mse, softmaxCrossEntropy, gaussianNll, flowNll)',
        (description as { kind?: unknown })?.kind,
      );
  }
}

/** Throws unless `loss` implements DataLoss. */
export function checkLoss(loss: unknown, argument = 'loss'): asserts loss is DataLoss {
  const l = loss as Partial<DataLoss> | null;
  if (typeof l !== 'object' || l === null || typeof l.checkTarget !== 'function' || typeof l.evaluate !== 'function') {
    throw new ArgumentError(
      argument,
      'a DataLoss { name, checkTarget, evaluate } (mseLoss, softmaxCrossEntropyLoss, gaussianNllLoss(σ), tapeLoss(…))',
      loss,
    );
  }
}

function checkFloat64(target: unknown, argument: string): asserts target is Float64Array {
  if (!(target instanceof Float64Array)) throw new ArgumentError(argument, 'a Float64Array', target);
}

function checkShapedLikeZ1(loss: string, target: Float64Array, batch: number, d: number, argument: string): void {
  checkFloat64(target, argument);
  // "z0 holds": z(t1) has the shape of the initial states the caller passed.
  if (target.length !== batch * d)
    throw new ShapeError(
      `${argument} holds ${target.length} values, z0 holds ${batch * d} (${loss}: a target for every value of z(t1), batch × D = ${batch} × ${d})`,
    );
  for (let i = 0; i < target.length; i++)
    if (!Number.isFinite(target[i])) throw new ArgumentError(`${argument}[${i}]`, 'a finite value', target[i]);
}

/** Runs `compute` on a fresh tape in one arena scope; copies the value and ∂/∂z1 out. */
function onTape(
  rt: Runtime,
  name: string,
  z1: Float64Array,
  target: Float64Array,
  batch: number,
  compute: TapeLossFunction,
): LossValue {
  const d = z1.length / batch;
  if (target.length % batch !== 0)
    throw new ShapeError(
      `loss ${name}: target holds ${target.length} values, not a whole row per example (batch ${batch})`,
    );
  return rt.arena.scope(() => {
    const tape = new Tape(rt);
    const z = tape.variable(Tensor.from(rt.arena, z1, batch, d));
    const y = tape.constant(Tensor.from(rt.arena, target, batch, target.length / batch));
    const root = compute(tape, z, y);
    if (root?.value.rows !== 1 || root.value.cols !== 1)
      throw new ShapeError(`loss ${name}: expected a [1, 1] Var, got ${root?.shape ? `[${root.shape}]` : root}`);
    if (!root.requiresGrad) throw new ArgumentError(`loss ${name}`, 'a value computed from z1', 'a constant');
    tape.backward(root);
    return { value: root.value.data[0], gradient: z.grad!.toFloat64Array() };
  });
}

/**
 * Refuses a loss gradient holding NaN or ±∞ (naming the loss and the first bad index): carried back
 * through the solver it would silently turn every parameter gradient into NaN.
 */
export function checkFiniteGradient(gradient: ArrayLike<number>, loss: string, what = 'gradient'): void {
  for (let i = 0; i < gradient.length; i++) {
    if (!Number.isFinite(gradient[i]))
      throw new ArgumentError(
        `${loss} ${what}[${i}]`,
        'a finite value (a loss gradient carried back through the solver)',
        gradient[i],
      );
  }
}
