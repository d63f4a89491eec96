// The MLP dynamics of the paper's code: optionally the activation on the state first, then for each
// layer [concat t →] Linear → activation, with no activation after the last layer. Weights are
// [out, in] (PyTorch's layout; in counts the time column), biases [1, out], initialised like PyTorch's
// nn.Linear: U(−1/√in, 1/√in).
import { GraphBuilder, type GraphValue } from '../autodiff/graph.js';
import { ACTIVATIONS, type Activation } from '../autodiff/ops/index.js';
import { Parameter } from '../autodiff/parameter.js';
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Dynamics } from './vector-field.js';
import { checkBoolean, checkKeys } from '../config/strict.js';
import { MAX_LAYERS, MAX_WIDTH } from '../config/limits.js';
import { checkRuntime } from '../runtime/check.js';
import { checkRng } from '../random.js';

export const MLP_SPEC_KEYS = ['widths', 'activation', 'timeInput', 'activateInput', 'name'] as const;

export interface MlpSpec {
  /** [stateSize, hidden…, stateSize] */
  widths: readonly number[];
  /** between layers; a single name or one per hidden layer */
  activation: Activation | readonly Activation[];
  /** concatenate the time as an extra input column before every linear layer (default true) */
  timeInput?: boolean;
  /** apply the activation to the state before the first layer (the paper's MNIST dynamics; default false) */
  activateInput?: boolean;
  /** parameter name prefix: "<name>.layer<l>.weight" (default none: "layer<l>.weight") */
  name?: string;
}

export function mlpDynamics(rt: Runtime, spec: MlpSpec, rng: Rng): Dynamics {
  checkRuntime(rt, 'rt');
  checkKeys(spec, MLP_SPEC_KEYS, '');
  checkRng(rng, 'rng');
  const { widths } = spec;
  if (!Array.isArray(widths) || widths.length < 2 || widths.length > MAX_LAYERS + 1 || widths.some((w) => !Number.isInteger(w) || w < 1 || w > MAX_WIDTH)) {
    throw new ArgumentError('widths', `2 to ${MAX_LAYERS + 1} integers in 1..${MAX_WIDTH} [stateSize, …, stateSize]`, widths);
  }
  if (spec.timeInput !== undefined) checkBoolean(spec.timeInput, 'timeInput');
  if (spec.activateInput !== undefined) checkBoolean(spec.activateInput, 'activateInput');
  if (widths[0] !== widths[widths.length - 1]) throw new ArgumentError('widths', 'first and last equal (the state size)', widths);
  const layers = widths.length - 1;
  const needed = spec.activateInput ? layers : layers - 1;
  const acts = typeof spec.activation === 'string' ? Array<Activation>(needed).fill(spec.activation) : [...spec.activation];
  if (acts.length !== needed) throw new ArgumentError('activation', `one name or ${needed} names`, acts.length);
  for (const a of acts) if (!ACTIVATIONS.includes(a)) throw new ArgumentError('activation', `one of ${ACTIVATIONS.join(', ')}`, a);
  const timeInput = spec.timeInput ?? true;
  if (spec.name !== undefined && typeof spec.name !== 'string') throw new ArgumentError('name', 'a parameter name prefix (a string)', spec.name);
  const prefix = spec.name ? `${spec.name}.` : '';

  const g = new GraphBuilder(widths[0]);
  let h: GraphValue = g.state;
  let act = 0;
  if (spec.activateInput) h = g.unary(acts[act++], h);
  for (let l = 0; l < layers; l++) {
    if (l > 0) h = g.unary(acts[act++], h);
    if (timeInput) h = g.concatTime(h);
    const fanIn = widths[l] + (timeInput ? 1 : 0);
    const bound = 1 / Math.sqrt(fanIn);
    const w = Parameter.zeros(rt, `${prefix}layer${l}.weight`, widths[l + 1], fanIn);
    const b = Parameter.zeros(rt, `${prefix}layer${l}.bias`, 1, widths[l + 1]);
    w.value.copyFrom(rng.fill(new Float64Array(w.value.size), (r) => r.uniformIn(-bound, bound)));
    b.value.copyFrom(rng.fill(new Float64Array(b.value.size), (r) => r.uniformIn(-bound, bound)));
    h = g.linear(h, w, b);
  }
  return new Dynamics(rt, g.build(h));
}
