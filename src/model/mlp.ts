// The dynamics network's specification and parameters: an MLP whose every layer sees the time as an
// extra input column (the paper's code concatenates t before each layer). Layer l has weight
// [out, in + 1] (the last column multiplies t; PyTorch's Linear layout) and bias [1, out]; every layer
// but the last is followed by the activation.
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Arena } from '../runtime/arena.js';
import { Tensor } from '../runtime/tensor.js';
import type { Parameter } from '../training/parameters.js';

export const ACTIVATIONS = ['sigmoid', 'tanh', 'softplus', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpSpec {
  /** [state, hidden…, state]: the first and last widths are the ODE state's dimension. */
  widths: number[];
  activation: Activation;
}

export interface MlpLayer {
  inputs: number;
  outputs: number;
  weight: Parameter;
  bias: Parameter;
}

export interface Mlp {
  spec: MlpSpec;
  layers: MlpLayer[];
  params: Parameter[];
}

export function checkMlpSpec(spec: MlpSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new ArgumentError('spec', 'an object { widths, activation }', spec);
  const { widths, activation } = spec;
  if (!Array.isArray(widths) || widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w <= 0)) {
    throw new ArgumentError('spec.widths', 'an array of at least two positive integers', widths);
  }
  if (widths[0] !== widths[widths.length - 1]) {
    throw new ArgumentError('spec.widths', `the same first and last width (the dynamics map the state to its derivative); first is ${widths[0]}`, widths[widths.length - 1]);
  }
  if (!ACTIVATIONS.includes(activation)) throw new ArgumentError('spec.activation', `one of ${ACTIVATIONS.join(', ')}`, activation);
}

/**
 * Allocates the parameters in the arena (they live as long as the arena's base scope) and initialises
 * them as PyTorch's Linear does: uniform in ±1/√fan_in, fan_in counting the time column.
 */
export function createMlp(arena: Arena, spec: MlpSpec, rng: Rng): Mlp {
  checkMlpSpec(spec);
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < spec.widths.length; l++) {
    const inputs = spec.widths[l];
    const outputs = spec.widths[l + 1];
    const bound = 1 / Math.sqrt(inputs + 1);
    const w = new Float64Array(outputs * (inputs + 1)).map(() => rng.uniformIn(-bound, bound));
    const b = new Float64Array(outputs).map(() => rng.uniformIn(-bound, bound));
    layers.push({
      inputs,
      outputs,
      weight: { name: `layers.${l}.weight`, value: Tensor.from(arena, w, outputs, inputs + 1), grad: Tensor.zeros(arena, outputs, inputs + 1) },
      bias: { name: `layers.${l}.bias`, value: Tensor.from(arena, b, 1, outputs), grad: Tensor.zeros(arena, 1, outputs) },
    });
  }
  return { spec: { widths: spec.widths.slice(), activation: spec.activation }, layers, params: layers.flatMap((l) => [l.weight, l.bias]) };
}
