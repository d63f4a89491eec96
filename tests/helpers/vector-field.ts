// A small MLP vector field on a random batch, and a check of a scalar's gradients in z, θ and t: shared
// by the vector field's tests (tests/nn) and the integrands' (tests/terms).
import type { Runtime } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { mlpDynamics } from '../../src/nn/mlp.js';
import type { Dynamics } from '../../src/nn/vector-field.js';
import { checkDirectional } from './gradcheck.js';
import { assertClose, randomArray } from './numeric.js';

export const [BATCH, D] = [4, 3];

/** An MLP D-7-5-D of `activation` and a [BATCH, D] state, both drawn from Rng(seed). */
export function mlpSetup(rt: Runtime, seed: number, activation: 'tanh' | 'sigmoid' | 'softplus' | 'sin' = 'tanh') {
  const rng = new Rng(seed);
  const dyn = mlpDynamics(rt, { widths: [D, 7, 5, D], activation, activateInput: activation === 'sigmoid' }, rng);
  const z = Tensor.from(rt.arena, randomArray(rng, BATCH * D), BATCH, D);
  return { rng, dyn, z };
}

/** Checks a scalar's gradients (gz, every Parameter.grad, dt) by directional finite differences. */
export function checkScalarGradients(
  what: string,
  dyn: Dynamics,
  z: Tensor,
  rng: Rng,
  t: number,
  value: (t: number) => number,
  grads: { gz: Float64Array; params: Float64Array[]; dt: number },
) {
  checkDirectional(`${what} ∂/∂z`, () => value(t), z, grads.gz, rng);
  dyn.params.forEach((p, i) => checkDirectional(`${what} ∂/∂${p.name}`, () => value(t), p.value, grads.params[i], rng));
  const h = 1e-6;
  const fd = (value(t + h) - value(t - h)) / (2 * h);
  assertClose([grads.dt], [fd], 1e-6, `${what} ∂/∂t`);
}
