// Directional finite-difference checks of gradients held in arena tensors.
import * as assert from 'uvu/assert';
import type { Tensor } from '../../src/runtime/tensor.js';
import type { Rng } from '../../src/random.js';

/**
 * Checks ⟨grad, v⟩ against the central difference (L(x + hv) − L(x − hv))/2h for a random direction v,
 * perturbing `x` in place (and restoring it). Relative error ≤ tol against max(|fd|, |analytic|, floor).
 */
export function checkDirectional(
  what: string,
  loss: () => number,
  x: Tensor,
  grad: ArrayLike<number>,
  rng: Rng,
  { h = 1e-6, tol = 1e-6, floor = 1e-8 } = {},
): void {
  const v = Float64Array.from({ length: x.size }, () => rng.uniformIn(-1, 1));
  const base = x.toFloat64Array();
  const at = (s: number) => {
    x.copyFrom(base.map((b, i) => b + s * h * v[i]));
    const value = loss();
    x.copyFrom(base);
    return value;
  };
  const fd = (at(1) - at(-1)) / (2 * h);
  let analytic = 0;
  for (let i = 0; i < v.length; i++) analytic += grad[i] * v[i];
  const err = Math.abs(fd - analytic) / Math.max(Math.abs(fd), Math.abs(analytic), floor);
  assert.ok(
    err <= tol,
    `${what}: directional derivative ${analytic} vs finite difference ${fd} (relative error ${err.toExponential(2)})`,
  );
}
