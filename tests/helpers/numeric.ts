// Shared test utilities: seeded data, relative-error comparison, central finite differences.
import * as assert from 'uvu/assert';
import type { Rng } from '../../src/random.js';

/** Sizes that exercise SIMD bodies, scalar tails and multi-block paths. */
export const AWKWARD_SIZES = [1, 2, 3, 7, 64, 129, 300];

export function randomArray(rng: Rng, n: number, low = -1, high = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniformIn(low, high);
  return out;
}

/** max_i |a_i − b_i| / max(scale, max_i |b_i|) */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale = 1e-300): number {
  assert.is(actual.length, expected.length, 'length');
  let maxDiff = 0;
  let maxRef = scale;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / maxRef;
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  what = 'values',
): void {
  const err = relativeError(actual, expected);
  assert.ok(err <= tolerance, `${what}: relative error ${err.toExponential(3)} exceeds ${tolerance.toExponential(1)}`);
}

/** Central difference of a scalar function along direction `v` at `x`: (f(x+hv) − f(x−hv)) / 2h. */
export function centralDifference(f: (x: Float64Array) => number, x: Float64Array, v: Float64Array, h = 1e-6): number {
  const plus = x.map((xi, i) => xi + h * v[i]);
  const minus = x.map((xi, i) => xi - h * v[i]);
  return (f(plus) - f(minus)) / (2 * h);
}

/**
 * Central differences of `loss(z0)` with respect to every parameter value (each perturbed in place by
 * ±h and restored) and every entry of `z0`: the reference for a model's parameter and z0 gradients.
 */
export function parameterAndInputDifferences(
  params: readonly { value: { data: Float32Array | Float64Array } }[],
  z0: Float64Array,
  loss: (z0: Float64Array) => number,
  h = 1e-6,
): { params: number[]; z0: number[] } {
  const byParameter: number[] = [];
  for (const p of params) {
    const v = p.value.data;
    for (let i = 0; i < v.length; i++) {
      const keep = v[i];
      v[i] = keep + h;
      const up = loss(z0);
      v[i] = keep - h;
      const down = loss(z0);
      v[i] = keep;
      byParameter.push((up - down) / (2 * h));
    }
  }
  const byInput = Array.from(z0, (_, i) => {
    const a = z0.slice();
    a[i] += h;
    const b = z0.slice();
    b[i] -= h;
    return (loss(a) - loss(b)) / (2 * h);
  });
  return { params: byParameter, z0: byInput };
}
