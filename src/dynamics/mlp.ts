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
import { Dynamics } from './dynamics.js';

export interface MlpSpec {
  /** [stateSize, hidden…, stateSize] */
  widths: readonly number[];
  /** between layers; a single name or one per hidden layer */
  activation: Activation | readonly Activation[];
  /** concatenate the time as an extra input column before every linear layer (default true) */
  timeInput?: boolean;
  /** apply the activation to the state before the first layer (the paper's MNIST dynamics; default false) */
  activateInput?: boolean;
}

export function mlpDynamics(rt: Runtime, spec: MlpSpec, rng: Rng): Dynamics {
  const { widths } = spec;
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ArgumentError('widths', 'at least two positive integers [stateSize, …, stateSize]', widths);
  }
  if (widths[0] !== widths[widths.length - 1]) throw new ArgumentError('widths', 'first and last equal (the state size)', widths);
  const layers = widths.length - 1;
  const needed = spec.activateInput ? layers : layers - 1;
  const acts = typeof spec.activation === 'string' ? Array<Activation>(needed).fill(spec.activation) : [...spec.activation];
  if (acts.length !== needed) throw new ArgumentError('activation', `one name or ${needed} names`, acts.length);
  for (const a of acts) if (!ACTIVATIONS.includes(a)) throw new ArgumentError('activation', `one of ${ACTIVATIONS.join(', ')}`, a);
  const timeInput = spec.timeInput ?? true;

  const g = new GraphBuilder(widths[0]);
  let h: GraphValue = g.state;
  let act = 0;
  if (spec.activateInput) h = g.unary(acts[act++], h);
  for (let l = 0; l < layers; l++) {
    if (l > 0) h = g.unary(acts[act++], h);
    if (timeInput) h = g.concatTime(h);
    const fanIn = widths[l] + (timeInput ? 1 : 0);
    const bound = 1 / Math.sqrt(fanIn);
    const w = Parameter.zeros(rt, `layer${l}.weight`, widths[l + 1], fanIn);
    const b = Parameter.zeros(rt, `layer${l}.bias`, 1, widths[l + 1]);
    w.value.copyFrom(rng.fill(new Float64Array(w.value.size), (r) => r.uniformIn(-bound, bound)));
    b.value.copyFrom(rng.fill(new Float64Array(b.value.size), (r) => r.uniformIn(-bound, bound)));
    h = g.linear(h, w, b);
  }
  return new Dynamics(rt, g.build(h));
}
