// Seeded initialisers, as PyTorch's defaults and as Glorot. The choice is part of a model's saved
// description, so a reloaded (or re-created) model states how its first weights were drawn.
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../autodiff/parameter.js';
import type { Rng } from '../random.js';

export const INITIALISERS = ['pytorch', 'glorot'] as const;
export type Initialiser = (typeof INITIALISERS)[number];

export function checkInitialiser(name: unknown, argument = 'init'): Initialiser {
  if (!INITIALISERS.includes(name as Initialiser))
    throw new ArgumentError(argument, `one of ${INITIALISERS.join(', ')}`, name);
  return name as Initialiser;
}

/** Fills p with U(−bound, bound). */
export function uniform(p: Parameter, bound: number, rng: Rng): void {
  p.value.copyFrom(rng.fill(new Float64Array(p.value.size), (r) => r.uniformIn(-bound, bound)));
}

/**
 * A dense weight [out, fanIn] and its bias: 'pytorch' is nn.Linear's reset_parameters
 * (kaiming_uniform with a = √5, i.e. U(±1/√fanIn), and the bias U(±1/√fanIn)); 'glorot' is
 * xavier_uniform (U(±√(6/(fanIn + fanOut)))) with a zero bias.
 */
export function initDense(init: Initialiser, weight: Parameter, bias: Parameter | undefined, rng: Rng): void {
  const [fanOut, fanIn] = weight.shape;
  if (init === 'pytorch') {
    const bound = 1 / Math.sqrt(fanIn);
    uniform(weight, bound, rng);
    if (bias) uniform(bias, bound, rng);
  } else if (init === 'glorot') {
    uniform(weight, Math.sqrt(6 / (fanIn + fanOut)), rng);
    if (bias) bias.value.copyFrom(new Float64Array(bias.value.size));
  } else {
    checkInitialiser(init);
  }
}
