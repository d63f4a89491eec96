// A trainable parameter: a persistent tensor in the arena and its gradient, of the same shape.
// Optimisers hold references to these and update `value` in place from `grad` by kernel calls.
import { ArgumentError, ShapeError } from '../errors.js';
import { Tensor } from '../runtime/tensor.js';

export interface ParameterLike {
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
}

/** Checks that the list is usable by an optimiser: unique names, grads shaped like values. */
export function checkParameters(params: readonly ParameterLike[]): void {
  if (!Array.isArray(params) || params.length === 0)
    throw new ArgumentError('params', 'a non-empty array of parameters', params);
  const seen = new Set<string>();
  for (const p of params) {
    if (typeof p !== 'object' || p === null || !(p.value instanceof Tensor) || !(p.grad instanceof Tensor)) {
      throw new ArgumentError('params', 'parameters { name, value, grad } with arena tensors', p);
    }
    if (seen.has(p.name)) throw new ArgumentError('params', 'unique parameter names', p.name);
    seen.add(p.name);
    if (p.value.rows !== p.grad.rows || p.value.cols !== p.grad.cols) {
      throw new ShapeError(
        `parameter ${p.name}: value is [${p.value.rows}, ${p.value.cols}] but grad is [${p.grad.rows}, ${p.grad.cols}]`,
      );
    }
  }
}

/** Sets every gradient to zero. */
export function zeroGrads(params: readonly ParameterLike[]): void {
  for (const p of params) p.grad.data.fill(0);
}

/** Total number of scalar parameters. */
export function parameterCount(params: readonly ParameterLike[]): number {
  return params.reduce((n, p) => n + p.value.size, 0);
}

/** The Euclidean norm of all gradients together. */
export function gradNorm(params: readonly ParameterLike[]): number {
  let s = 0;
  for (const p of params) for (const g of p.grad.data) s += g * g;
  return Math.sqrt(s);
}
