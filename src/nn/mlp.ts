// The MLP of the paper's code, in one place. `mlpDynamics` traces its vector field: optionally the
// activation on the state first, then for each layer [concat t →] Linear → activation, with no
// activation after the last layer. Weights are [out, in] (PyTorch's layout; in counts the time
// column), biases [1, out] in the arena (files store them [out]: see parameterShapes), initialised like
// PyTorch's nn.Linear: U(−1/√in, 1/√in). A model's `mlp: NetworkSpec` (widths and one activation, the
// time before every layer) goes through `createNetwork`, which adds `mlpView`: the same Parameters
// named by layer (for serialisation and inspection).
import { GraphBuilder, type GraphValue } from '../autodiff/graph.js';
import { ACTIVATIONS, type Activation } from '../autodiff/ops/index.js';
import { Parameter } from '../autodiff/parameter.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Dynamics } from './vector-field.js';
import type { Layer } from './layer.js';
import { checkBoolean, checkKeys } from '../config/strict.js';
import { MAX_LAYERS, MAX_PARAMETERS, MAX_WIDTH } from '../config/limits.js';
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
  if (
    !Array.isArray(widths) ||
    widths.length < 2 ||
    widths.length > MAX_LAYERS + 1 ||
    widths.some((w) => !Number.isInteger(w) || w < 1 || w > MAX_WIDTH)
  ) {
    throw new ArgumentError(
      'widths',
      `2 to ${MAX_LAYERS + 1} integers in 1..${MAX_WIDTH} [stateSize, …, stateSize]`,
      widths,
    );
  }
  if (spec.timeInput !== undefined) checkBoolean(spec.timeInput, 'timeInput');
  if (spec.activateInput !== undefined) checkBoolean(spec.activateInput, 'activateInput');
  if (widths[0] !== widths[widths.length - 1])
    throw new ArgumentError('widths', 'first and last equal (the state size)', widths);
  const layers = widths.length - 1;
  const needed = spec.activateInput ? layers : layers - 1;
  const acts =
    typeof spec.activation === 'string' ? Array<Activation>(needed).fill(spec.activation) : [...spec.activation];
  if (acts.length !== needed) throw new ArgumentError('activation', `one name or ${needed} names`, acts.length);
  for (const a of acts)
    if (!ACTIVATIONS.includes(a)) throw new ArgumentError('activation', `one of ${ACTIVATIONS.join(', ')}`, a);
  const timeInput = spec.timeInput ?? true;
  if (spec.name !== undefined && typeof spec.name !== 'string')
    throw new ArgumentError('name', 'a parameter name prefix (a string)', spec.name);
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

/** Activations the model offers. */
// Every registry activation but log, which is defined only for positive inputs (a hidden layer's
// pre-activations are not); log stays usable in layer descriptions and dynamics written as code.
export const NETWORK_ACTIVATIONS = ACTIVATIONS.filter((a) => a !== 'log') as Exclude<
  (typeof ACTIVATIONS)[number],
  'log'
>[];
export type NetworkActivation = (typeof NETWORK_ACTIVATIONS)[number];

export interface NetworkSpec {
  /** `[state, hidden…, state]`: the first and last widths are the ODE state's dimension. */
  widths: number[];
  activation: NetworkActivation;
}

export interface MlpLayer {
  inputs: number;
  outputs: number;
  weight: ParameterLike;
  bias: ParameterLike;
}

export interface Mlp {
  spec: NetworkSpec;
  layers: MlpLayer[];
  params: ParameterLike[];
}

export interface Network {
  /** the vector field (a traced graph, run by the wasm kernels) */
  graph: Dynamics;
  /** the layer view of a config's `mlp` */
  mlp?: Mlp;
  /** the layer built from a config's `dynamics` description */
  layer?: Layer;
}

export const NETWORK_SPEC_KEYS = ['widths', 'activation'] as const;

/** Checks the spec, its sizes against src/config/limits, before anything is allocated. */
export function checkNetworkSpec(spec: NetworkSpec): void {
  checkKeys(spec, NETWORK_SPEC_KEYS, 'mlp');
  const { widths, activation } = spec;
  if (
    !Array.isArray(widths) ||
    widths.length < 2 ||
    widths.length > MAX_LAYERS + 1 ||
    widths.some((w) => !Number.isInteger(w) || w <= 0 || w > MAX_WIDTH)
  ) {
    throw new ArgumentError('mlp.widths', `an array of 2 to ${MAX_LAYERS + 1} integers in 1..${MAX_WIDTH}`, widths);
  }
  const count = parameterShapes(widths).reduce((n, { weight, bias }) => n + weight[0] * weight[1] + bias[0], 0);
  if (count > MAX_PARAMETERS)
    throw new ArgumentError(
      'mlp.widths',
      `layers of at most ${MAX_PARAMETERS} parameters in all`,
      `widths needing ${count}`,
    );
  if (widths[0] !== widths[widths.length - 1]) {
    throw new ArgumentError(
      'mlp.widths',
      `the same first and last width (the dynamics map the state to its derivative); first is ${widths[0]}`,
      widths[widths.length - 1],
    );
  }
  if (!NETWORK_ACTIVATIONS.includes(activation))
    throw new ArgumentError('mlp.activation', `one of ${NETWORK_ACTIVATIONS.join(', ')}`, activation);
}

/**
 * The shape of every parameter the widths imply, derived from the widths alone (so a model file can be
 * checked before anything is allocated): layer l has weight [out, in + 1] and bias [out].
 */
export function parameterShapes(
  widths: readonly number[],
  prefix = '',
): { name: string; weight: [number, number]; bias: [number] }[] {
  return widths.slice(1).map((outputs, l) => ({
    name: `${prefix ? `${prefix}.` : ''}layer${l}`,
    weight: [outputs, widths[l] + 1],
    bias: [outputs],
  }));
}

/** Creates the parameters (initialised like PyTorch's Linear from `rng`) and both views of the network. */
export function createNetwork(rt: Runtime, spec: NetworkSpec, rng: Rng, { name = '' } = {}): Network {
  checkRuntime(rt, 'rt');
  checkNetworkSpec(spec);
  const graph = mlpDynamics(
    rt,
    { widths: spec.widths, activation: spec.activation, timeInput: true, ...(name ? { name } : {}) },
    rng,
  );
  return { graph, mlp: mlpView(spec, graph.params as readonly ParameterLike[]) };
}

/** The layer view over parameters in mlpDynamics' order: weight, bias per layer. */
export function mlpView(spec: NetworkSpec, params: readonly ParameterLike[]): Mlp {
  checkNetworkSpec(spec);
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < spec.widths.length; l++) {
    const inputs = spec.widths[l],
      outputs = spec.widths[l + 1];
    const weight = params[2 * l],
      bias = params[2 * l + 1];
    if (
      !weight ||
      weight.value.rows !== outputs ||
      weight.value.cols !== inputs + 1 ||
      !bias ||
      bias.value.size !== outputs
    ) {
      throw new ArgumentError(
        'params',
        `layer ${l}: weight [${outputs}, ${inputs + 1}] and bias [1, ${outputs}]`,
        weight ? `${weight.value.shape}` : 'missing',
      );
    }
    layers.push({ inputs, outputs, weight, bias });
  }
  return { spec: { widths: spec.widths.slice(), activation: spec.activation }, layers, params: params.slice() };
}
